"""The trimmed Radix stylesheet (cityviz/radix_css.py) holds every colour the pages name."""

import re
from pathlib import Path

from cityviz import radix_css

ROOT = Path(__file__).resolve().parents[1] / "cityviz"
NAMED = re.compile(r"[\"'](" + "|".join(radix_css.ALL_COLORS) + r")[\"']")


def test_every_colour_named_in_the_code_has_its_tokens():
    named = {match for path in ROOT.rglob("*.py") if path.name != "radix_css.py"
             for match in NAMED.findall(path.read_text())}
    assert named and named <= set(radix_css.COLORS), named - set(radix_css.COLORS)
    import rxconfig
    theme = rxconfig.config.plugins[0]
    assert isinstance(theme, radix_css.RadixThemes)
    assert theme.get_stylesheet_paths()[0] == "@radix-ui/themes/tokens/base.css"


def test_stylesheets_are_the_parts_of_the_full_bundle():
    sheets = radix_css.stylesheets()
    assert sheets[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
    assert len([s for s in sheets if "/colors/" in s]) == len(radix_css.COLORS) < len(radix_css.ALL_COLORS)


# Radix's responsive utilities of breakpoints no page names are left out of the built stylesheet.
SHEET = (".rt-Button{gap:1px}"
         "@media (width>=520px){.xs\\:rt-r-p-2{padding:2px}.rt-Button:where(.xs\\:rt-r-size-1):where(:not(.rt-variant-ghost)){gap:0}}"
         "@media (width>=768px){.sm\\:rt-r-p-2{padding:2px}}"
         "@media (width>=1280px){.lg\\:rt-r-p-2{padding:2px}.rt-Card{margin:0}}"
         "@media (width>=1640px){.rt-Box:not(.xl\\:rt-r-p-2){padding:0}}"
         ".rt-Text{margin:0}")


def test_a_breakpoint_block_goes_only_when_every_rule_needs_an_unused_class():
    trimmed, dropped = radix_css.without_breakpoints(SHEET, {"xs", "lg", "xl"})
    assert ".xs\\:" not in trimmed and dropped == SHEET.index("@media (width>=768px)") - SHEET.index("@media (width>=520px)")
    assert "@media (width>=768px){.sm\\:rt-r-p-2{padding:2px}}" in trimmed  # used: kept
    assert ".rt-Card{margin:0}" in trimmed and ".lg\\:rt-r-p-2" in trimmed  # a block with another rule: kept whole
    assert ".rt-Box:not(.xl\\:rt-r-p-2)" in trimmed  # matches elements without the class: kept
    assert trimmed.startswith(".rt-Button{gap:1px}") and trimmed.endswith(".rt-Text{margin:0}")
    assert radix_css.without_breakpoints(SHEET, set()) == (SHEET, 0)


def test_the_breakpoints_named_in_the_compiled_pages_are_kept(tmp_path):
    compiled = 'jsx(RadixThemesGrid,{columns:({ ["initial"] : "1", ["sm"] : "2", ["xs"] : "4" })})'
    assert radix_css.used_breakpoints(compiled) == {"sm", "xs"}
    (tmp_path / "assets").mkdir()
    sheet = tmp_path / "assets" / "styles-abc.css"
    sheet.write_text(SHEET + "@media (width>=1024px){.md\\:rt-r-p-2{padding:2px}}")
    assert radix_css.trim_built_stylesheets(tmp_path, compiled) > 0
    kept = sheet.read_text()
    assert ".md\\:" not in kept  # not named: gone
    assert ".xs\\:rt-r-p-2" in kept and ".sm\\:rt-r-p-2" in kept  # named in the pages
    assert "@media (width>=1640px)" in kept and ".lg\\:rt-r-p-2" in kept  # blocks with other rules
    other = tmp_path / "assets" / "other.css"
    other.write_text("@media (width>=520px){.xs\\:x{gap:0}}")  # not Radix's stylesheet: untouched
    radix_css.trim_built_stylesheets(tmp_path, "")
    assert other.read_text() == "@media (width>=520px){.xs\\:x{gap:0}}"


def test_the_pages_use_only_breakpoints_given_as_lists_or_sm_md():
    """A responsive prop given as a dict with `xs`, `lg` or `xl` keeps its block (detected in the
    compiled code); this pins today's pages, so that the saving is not lost unnoticed."""
    named = set()
    for path in ROOT.rglob("*.py"):
        named |= set(re.findall(r'["\'](xs|lg|xl)["\']\s*:', path.read_text()))
    assert not named
