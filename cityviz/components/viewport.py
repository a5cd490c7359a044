"""One layout per screen: render the phone's layout or the wide one, never both.

The usual way (`display` per breakpoint) renders both layouts and hides one with CSS. For a page
as big as the month calendar, that makes a phone build, hydrate and keep in memory the whole
desktop grid (a popover per date) it never shows, on the slowest CPU of all.

`by_viewport(narrow, wide)` renders only the layout matching the screen, decided in the browser
with `matchMedia` and followed when it changes (a tablet turned, a window resized). The server
never decides it: before the browser knows (prerendering), the phone layout is the one chosen,
like the CSS breakpoints' mobile-first default.
"""

from __future__ import annotations

import reflex as rx
from reflex.utils.imports import ImportVar

WIDE_QUERY = "(min-width: 768px)"  # Radix Themes' `sm` breakpoint, where PHONE_ONLY/WIDE_ONLY switch

_CODE = """
const cvzWideQuery = %r;
function cvzWatchWide(onChange) {
  const query = window.matchMedia(cvzWideQuery);
  query.addEventListener("change", onChange);
  return () => query.removeEventListener("change", onChange);
}
function cvzIsWide() { return window.matchMedia(cvzWideQuery).matches; }
function cvzNotWide() { return false; }
function ViewportSwitch({ children }) {
  const wide = useSyncExternalStore(cvzWatchWide, cvzIsWide, cvzNotWide);
  const [narrow, wideLayout] = Children.toArray(children);
  return wide ? wideLayout : narrow;
}
""" % WIDE_QUERY


class ViewportSwitch(rx.Component):
    """Its first child on a phone, its second on a wider screen (see the module's docstring)."""

    tag = "ViewportSwitch"

    def add_imports(self) -> dict:
        return {"react": [ImportVar(tag="useSyncExternalStore"), ImportVar(tag="Children")]}

    def add_custom_code(self) -> list[str]:
        return [_CODE]


def by_viewport(narrow: rx.Component, wide: rx.Component) -> rx.Component:
    return ViewportSwitch.create(narrow, wide)
