"""Small display pieces shared by pages (no state of their own)."""

from __future__ import annotations

import reflex as rx

STATUS_COLORS = {
    "missing": "gray", "pending": "amber", "accepted": "green", "refused": "red", "expired": "red",
    "draft": "gray", "submitted": "amber", "validated": "green", "rejected": "red",
}


def status_badge(status: rx.Var, label: rx.Var) -> rx.Component:
    return rx.badge(
        label,
        color_scheme=rx.match(status, *[(k, v) for k, v in STATUS_COLORS.items()], "gray"),
        variant="soft",
        high_contrast=True,  # the soft green and amber texts alone fall under 4.5:1 (axe-core)
        size="2",
        white_space="normal",
    )


def section(title: str | rx.Var, *children: rx.Component, **props) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3", width="100%"),
        width="100%",
        **props,
    )


def labelled_select(label: str, name: str, options: list[tuple[str, str]], default: rx.Var | str = "",
                    required: bool = False) -> rx.Component:
    select_id = f"f-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=select_id, font_weight="500", font_size="14px"),
        rx.el.select(
            *[rx.el.option(text, value=value) for value, text in options],
            id=select_id,
            name=name,
            default_value=default,
            required=required,
            class_name="cvz-select",
        ),
        spacing="1",
        width="100%",
    )


def var_select(label: str, name: str, options: rx.Var) -> rx.Component:
    """A labelled select whose options come from the state: a list of [value, text]."""
    select_id = f"f-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=select_id, font_weight="500", font_size="14px"),
        rx.el.select(rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])), id=select_id, name=name,
                     class_name="cvz-select"),
        width="100%",
        spacing="1",
    )


def textarea(label: str, name: str, default: rx.Var | str = "", hint: str = "", rows: str = "3",
             **props) -> rx.Component:
    area_id = f"f-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=area_id, font_weight="500", font_size="14px"),
        rx.text_area(id=area_id, name=name, default_value=default, rows=rows, width="100%", size="3",
                     **props),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray"), rx.fragment()),
        spacing="1",
        width="100%",
    )


def checkbox(label: str, name: str, default: bool | rx.Var = False) -> rx.Component:
    box_id = f"f-{name}"
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=name, default_checked=default,
                    width="20px", height="20px", accent_color="var(--accent-9)"),
        rx.el.label(label, html_for=box_id, font_size="15px"),
        align="center",
        spacing="2",
    )


def pager(page: rx.Var, total: rx.Var, per_page, on_previous, on_next, *,
          labels: tuple[str, str] = ("Précédents", "Suivants"), counted: str = " au total") -> rx.Component:
    """Previous / count / next under a list paged by a `Paged` state (`labels` agree with the
    rows: "Précédentes" for invoices)."""
    previous, following = labels
    return rx.hstack(
        rx.button(previous, on_click=on_previous, variant="soft", disabled=page == 0),
        rx.text(total, counted, size="2", color_scheme="gray"),
        rx.button(following, on_click=on_next, variant="soft", disabled=(page + 1) * per_page >= total),
        align="center",
        justify="between",
        width="100%",
    )



def file_link(*children, href, **props) -> rx.Component:
    """A link to a file served by the backend: a plain anchor, so that the
    browser fetches it (a client-side route change would not)."""
    return rx.el.a(*children, href=href, style={"textDecoration": "none", "color": "inherit"},
                   custom_attrs={"reloadDocument": True}, **props)


def file_button(label: str, icon: str, href, **props) -> rx.Component:
    """The same, looking like a button (one interactive element, not a button in a link)."""
    return rx.button(rx.el.a(rx.icon(icon, size=16), label, href=href, custom_attrs={"reloadDocument": True}),
                     as_child=True, **props)
