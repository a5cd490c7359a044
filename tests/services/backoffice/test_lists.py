"""Exports with filters, in CSV and Excel: families, children with allergies, registrations,
invoices, payments — each for the roles whose work it is."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from cityviz import db
from cityviz.services.backoffice import lists
from cityviz.services.billing import payments
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories
from tests.services.billing import test_billing

pytestmark = pytest.mark.usefixtures("database", "frozen")
town = test_billing.town  # NOIRET (QF 720) and DURAND, invoices of September issued on 05/10/2026


def _export(town, what, actor=None, **filters):
    with db.read() as s:
        return lists.export_list(s, actor=actor or town["staff"], organization_id=town["org"], what=what, **filters)


def _csv(town, what, **filters):
    data, _name = _export(town, what, **filters)
    return [line.split(";") for line in data.decode("utf-8-sig").splitlines()]


def test_families_and_children_with_their_allergies(town):
    with db.transaction() as s:
        child = s.get(factories.Person, town["families"][0][2].id)
        child.allergies = "=Arachide"  # typed by a family: never a formula in the spreadsheet
    assert [row[0] for row in _csv(town, "families")] == ["Nom", "DURAND", "NOIRET"]
    assert [row[0] for row in _csv(town, "families", search="noi")] == ["Nom", "NOIRET"]
    rows = _csv(town, "children", allergies_only=True)
    assert len(rows) == 2 and rows[1][1] == "EnfantNOIRET" and rows[1][4] == "'=Arachide"


def test_invoices_and_payments_filtered_in_excel(town):
    test_billing._issue(town)
    durand = town["families"][1][1]
    with db.transaction() as s:
        payments.record_payment(s, actor=town["staff"], organization_id=town["org"], household_id=durand.id,
                                method="cash", amount="3,60", received_on=date(2026, 10, 5))
    data, name = _export(town, "invoices", file_format="xlsx", status="due", month="2026-09")
    assert name == "invoices-2026-10-05.xlsx"
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Numéro" and len(rows) == 2 and rows[1][2] == "Camille NOIRET" and rows[1][6] == 12.3
    assert [r[1] for r in _csv(town, "payments", month="2026-10")] == ["Famille", "DURAND"]
    assert _csv(town, "payments", month="2026-09") == [["Reçu le", "Famille", "Mode", "Référence", "Montant (€)",
                                                        "Annulé"]]


def test_registrations_and_refusals(town):
    rows = _csv(town, "registrations", status="validated")
    assert rows[0] == ["Activité", "Nom", "Prénom", "Classe", "État", "Demandée le"]
    with pytest.raises(InvalidInput, match="Liste inconnue"):
        _export(town, "everything")
    with pytest.raises(InvalidInput, match="Format inconnu"):
        _export(town, "families", file_format="pdf")
    with db.transaction() as s:
        regisseur = factories.actor(s, factories.make_staff(s, s.get(factories.Organization, town["org"]),
                                                            role="regisseur"))
    with pytest.raises(AccessDenied):
        _export(town, "children", actor=regisseur)  # health data is not the régisseur's
    assert _export(town, "payments", actor=regisseur)[1].endswith(".csv")
