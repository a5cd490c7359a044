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
