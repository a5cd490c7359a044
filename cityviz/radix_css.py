"""Radix Themes' stylesheet without the colour scales the app never uses.

Reflex's Radix plugin imports `@radix-ui/themes/styles.css`: the tokens of all 30 colour scales
(light, dark, alpha, wide-gamut), every component and the utilities, about 700 KB before
compression, which every page waits for before its first paint and matches on every style
recalculation. The app uses a few scales (COLORS); the others' tokens are left out, the way
Radix documents importing its parts one by one. tests/test_radix_css.py checks that every
colour named in the pages is one of them.
"""

from __future__ import annotations

import reflex as rx

PACKAGE = "@radix-ui/themes"
# The accent (indigo) and its gray (slate), gray, and the colours of badges, callouts and buttons.
COLORS = ("gray", "slate", "indigo", "red", "green", "amber", "blue", "orange", "teal", "violet")
ALL_COLORS = ("tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo",
              "blue", "cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime",
              "yellow", "amber", "gold", "bronze", "gray", "mauve", "slate", "sage", "olive", "sand")


def stylesheets() -> tuple[str, ...]:
    return (f"{PACKAGE}/tokens/base.css", *[f"{PACKAGE}/tokens/colors/{color}.css" for color in COLORS],
            f"{PACKAGE}/components.css", f"{PACKAGE}/utilities.css")


class RadixThemes(rx.plugins.RadixThemesPlugin):
    """rxconfig plugin: Reflex's Radix Themes plugin, with the stylesheets above."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        return stylesheets() if self.enabled else ()
