"""Radix Themes' stylesheet without the colour scales the app never uses.

Reflex's Radix plugin imports `@radix-ui/themes/styles.css`: the tokens of all 30 colour scales
(light, dark, alpha, wide-gamut), every component and the utilities, about 700 KB before
compression, which every page waits for before its first paint and matches on every style
recalculation. The app uses a few scales (COLORS); the others' tokens are left out, the way
Radix documents importing its parts one by one. tests/test_radix_css.py checks that every
colour named in the pages is one of them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import reflex as rx

log = logging.getLogger(__name__)

PACKAGE = "@radix-ui/themes"
# The accent (indigo) and its gray (slate), gray, and the colours of badges, callouts and buttons.
COLORS = ("gray", "slate", "indigo", "red", "green", "amber", "blue", "orange", "teal", "violet")
ALL_COLORS = ("tomato", "red", "ruby", "crimson", "pink", "plum", "purple", "violet", "iris", "indigo",
              "blue", "cyan", "teal", "jade", "green", "grass", "brown", "orange", "sky", "mint", "lime",
              "yellow", "amber", "gold", "bronze", "gray", "mauve", "slate", "sage", "olive", "sand")


def stylesheets() -> tuple[str, ...]:
    return (f"{PACKAGE}/tokens/base.css", *[f"{PACKAGE}/tokens/colors/{color}.css" for color in COLORS],
            f"{PACKAGE}/components.css", f"{PACKAGE}/utilities.css")


# Radix's responsive utilities: every `rt-r-*` class again under each breakpoint's media query
# (`.xs\:rt-r-…` from 520 px, `sm` 768, `md` 1024, `lg` 1280, `xl` 1640), a third of the built
# stylesheet. They serve only props given per breakpoint as a dict (`{"initial": …, "md": …}`):
# lists (`["none", "none", "flex"]`) compile to the page's own media queries instead. The blocks
# of a breakpoint no compiled page names are left out of the built stylesheet: less to parse and
# to match on a phone, where the stylesheet blocks the first paint and every style recalculation.
BREAKPOINTS = ("xs", "sm", "md", "lg", "xl")
_NAMED_BREAKPOINT = re.compile(r'\[\s*"(' + "|".join(BREAKPOINTS) + r')"\s*\]\s*:')
_WIDTH_BLOCK = re.compile(r"@media \(width>=\d+px\)\{")
_RULE = re.compile(r"([^{}]+)\{[^{}]*\}")
_SIMPLE_NOT = re.compile(r":not\([^()]*\)")


def used_breakpoints(compiled: str) -> set[str]:
    """The breakpoints named as keys of responsive props in the compiled pages' code."""
    return set(_NAMED_BREAKPOINT.findall(compiled))


def _needs_one_of(selector: str, prefixes: tuple[str, ...]) -> bool:
    """True when an element must carry one of these breakpoint classes to match `selector`
    (`.lg\:rt-r-size-2`, `.rt-Button:where(.lg\:rt-r-size-2)`); a `:not(…)` may match without."""
    required = _SIMPLE_NOT.sub("", selector)  # what the element must be, negations aside
    return ":not(" not in required and any(prefix in required for prefix in prefixes)


def without_breakpoints(css: str, unused: set[str]) -> tuple[str, int]:
    """The stylesheet without the breakpoint blocks whose every selector needs a class of one of
    the `unused` breakpoints (`.lg\:…`); any other block is kept whole. Returns (stylesheet,
    bytes left out)."""
    if not unused:
        return css, 0
    prefixes = tuple(f".{name}\\:" for name in unused)
    out, start, dropped = [], 0, 0
    while (found := _WIDTH_BLOCK.search(css, start)) is not None:
        depth, end = 1, found.end()
        while depth and end < len(css):
            depth += {"{": 1, "}": -1}.get(css[end], 0)
            end += 1
        selectors = [part.strip() for rule in _RULE.findall(css[found.end():end - 1]) for part in rule.split(",")]
        if depth == 0 and selectors and all(_needs_one_of(sel, prefixes) for sel in selectors):
            out.append(css[start:found.start()])
            dropped += end - found.start()
        else:
            out.append(css[start:end])
        start = end
    out.append(css[start:])
    return "".join(out), dropped


def trim_built_stylesheets(static_dir: Path, compiled: str) -> int:
    """Rewrite the built stylesheets (before compression) without the unused breakpoints' blocks;
    returns the bytes left out."""
    unused = set(BREAKPOINTS) - used_breakpoints(compiled)
    total = 0
    for sheet in static_dir.glob("assets/*.css"):
        css = sheet.read_text(encoding="utf-8")
        if "rt-r-" not in css:
            continue
        trimmed, dropped = without_breakpoints(css, unused)
        if dropped:
            sheet.write_text(trimmed, encoding="utf-8")
            total += dropped
    log.info("radix_css: %d bytes of unused breakpoints left out (%s)", total, ", ".join(sorted(unused)))
    return total


def compiled_sources(web_dir: Path) -> str:
    """The compiled pages and components (the JSX Reflex writes before Vite bundles it)."""
    return "".join(path.read_text(encoding="utf-8", errors="replace")
                   for folder in ("app", "app_components", "components", "utils") if (web_dir / folder).is_dir()
                   for path in (web_dir / folder).rglob("*") if path.suffix in (".js", ".jsx"))


class RadixThemes(rx.plugins.RadixThemesPlugin):
    """rxconfig plugin: Reflex's Radix Themes plugin, with the stylesheets above; after a
    production build, the stylesheet without the breakpoints no page uses."""

    def get_stylesheet_paths(self, **context) -> tuple[str, ...]:
        return stylesheets() if self.enabled else ()

    def post_build(self, **context) -> None:
        super().post_build(**context)
        if self.enabled:
            static_dir = Path(context["static_dir"])
            trim_built_stylesheets(static_dir, compiled_sources(static_dir.parents[1]))
