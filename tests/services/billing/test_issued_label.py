"""« Émise le » for an invoice, « Émis le » for a credit note (un avoir)."""

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import Invoice
from cityviz.services.billing import credits, invoices
from tests.services.billing import test_billing

pytestmark = pytest.mark.usefixtures("database", "frozen")
town = test_billing.town


def test_a_credit_note_is_emis_and_an_invoice_emise(town):
    test_billing._issue(town)
    with db.transaction() as s:
        invoice = s.exec(select(Invoice).where(Invoice.number == "20260900001")).one()
        note = credits.issue_credit_note(s, actor=town["staff"], invoice_id=invoice.id, reason="Erreur de pointage")
    parent = town["families"][0][0]
    with db.read() as s:
        assert invoices.detail(s, actor=parent, kind="invoice", document_id=invoice.id).issued_label == \
            "Émise le 05/10/2026"
        assert invoices.detail(s, actor=parent, kind="credit_note", document_id=note.id).issued_label == \
            "Émis le 05/10/2026"
        assert invoices.detail(s, actor=town["staff"], kind="credit_note", document_id=note.id).issued_label == \
            "Émis le 05/10/2026"
