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


def test_text_after_leading_spaces_is_neutralised_too():
    for dangerous in (" =1+1", "\u00a0+33", "  @SUM(A1)"):
        assert safe_cell(dangerous) == "'" + dangerous


def test_no_module_writes_csv_but_the_export_module():
    """Every CSV of the application comes from `exports.csv_bytes` (so every cell is neutralised):
    no other module makes a csv writer (reading an imported file is another matter)."""
    import ast
    from pathlib import Path

    import cityviz

    root = Path(cityviz.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        if path == root / "services" / "exports.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            writes = (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                      and node.value.id == "csv" and node.attr in ("writer", "DictWriter"))
            imports = isinstance(node, ast.ImportFrom) and node.module == "csv" and any(
                a.name in ("writer", "DictWriter") for a in node.names)
            if writes or imports:
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_occupancy_csv_neutralises_an_activity_name(database, frozen):
    from datetime import date

    from cityviz import db
    from cityviz.services.booking import attendance
    from tests import factories

    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        factories.make_activity(s, org, staff, name="=HYPERLINK(\"http://x\")")
        data = attendance.daily_counts_csv(s, actor=staff, organization_id=org.id, start=date(2026, 9, 14),
                                           end=date(2026, 9, 14))
    text = data.decode("utf-8")
    assert "'=HYPERLINK" in text and ";=HYPERLINK" not in text
