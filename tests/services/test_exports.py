"""Exports never let a typed value run as a spreadsheet formula."""

from cityviz.services.exports import csv_bytes, safe_cell


def test_formula_starts_are_neutralised():
    for dangerous in ("=HYPERLINK(\"http://x\")", "+33 6", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Lefèvre") == "Lefèvre"
    assert safe_cell(-12) == -12 and safe_cell(None) == ""


def test_csv_is_semicolon_utf8_with_bom_and_safe():
    data = csv_bytes(["Nom", "Montant"], [["=cmd|' /C calc'!A0", "3,60 €"], ["Zoé", 5]])
    text = data.decode("utf-8")
    assert text.startswith("\ufeffNom;Montant")
    assert "'=cmd" in text and "Zoé;5" in text
