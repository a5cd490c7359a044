"""What the pages make a phone download and run: guards on the compiled component trees.

An `rx.icon` whose name is a state variable compiles to Lucide's `DynamicIcon`, which brings a
chunk mapping every Lucide icon name to its module (about 240 KB of JavaScript, 36 KB
compressed) into the page, to be parsed and run before the page answers a tap. Each of these
pages needs two or three icons, known in advance: `rx.cond` / `rx.match` over static icons.
"""

from reflex.components.component import Component
from reflex_components_lucide.icon import DynamicIcon

from cityviz.cityviz import app


def _tree(component: Component):
    yield component
    for child in component.children:
        yield from _tree(child)
    for value in vars(component).values():  # components passed as props (a callout's icon…)
        if isinstance(value, Component):
            yield from _tree(value)


def test_no_page_names_its_icons_through_a_variable():
    pages = app._unevaluated_pages
    assert len(pages) > 50
    dynamic = {route: n for route, page in pages.items()
               if (n := sum(isinstance(c, DynamicIcon) for c in _tree(page.component())))}
    assert dynamic == {}


def test_the_walk_sees_a_dynamic_icon():
    import reflex as rx

    from cityviz.state.invoices import InvoiceState

    component = rx.box(rx.callout("x", icon=rx.cond(InvoiceState.payment_tone == "error", "circle-x", "info")))
    assert any(isinstance(c, DynamicIcon) for c in _tree(component))

