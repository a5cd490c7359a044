"""A town with one family holding a bit of everything personal, and an issued invoice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cityviz import clock, db
from cityviz.models import (
    AuditEntry,
    AuthSession,
    BillingPeriod,
    CalendarFeed,
    Document,
    FamilyQuotient,
    Invoice,
    InvoiceLine,
    OutboxEmail,
    Payment,
    PaymentAllocation,
)
from cityviz.services.households import files
from tests import factories


def issued_invoice(s, org, household, child, *, total=360, paid=0, number="20260900001", start=date(2026, 9, 1)):
    period = BillingPeriod(organization_id=org.id, start_date=start, end_date=start + timedelta(days=27),
                           status="issued")
    s.add(period)
    s.flush()
    invoice = Invoice(organization_id=org.id, household_id=household.id, billing_period_id=period.id,
                      number=number, counter_year=start.year, counter_value=int(number[-5:]),
                      label=f"Facture post-paiement pour {start:%m/%Y}", issued_at=clock.now(),
                      due_date=clock.today() + timedelta(days=30), payer_name="Camille MARTIN",
                      payer_address="1 rue de la Paix\n14760 Bretteville-sur-Odon", total_cents=total)
    s.add(invoice)
    s.flush()
    s.add(InvoiceLine(invoice_id=invoice.id, position=1, child_id=child.id, child_name="Léo MARTIN",
                      label="Restauration scolaire", date_from=start, date_to=start, quantity=1,
                      unit_price_cents=total, total_cents=total))
    if paid:
        payment = Payment(organization_id=org.id, household_id=household.id, method="cash", amount_cents=paid,
                          received_on=clock.today(), recorded_at=clock.now())
        s.add(payment)
        s.flush()
        s.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=paid))
    s.flush()
    return invoice


@pytest.fixture
def family(frozen):
    """MARTIN household of « Commune A »: a guardian with an account and a session, a child with a photo,
    a document (file on disk), a QF, a calendar feed, an e-mail, an audit entry with the name, a paid invoice."""
    with db.transaction() as s:
        org = factories.make_organization(s, name="Commune A")
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        household, guardian, user = factories.make_household(s, email="camille@example.org", org=org)
        guardian.phone_mobile, guardian.birth_date = "+33612345678", date(1985, 3, 2)
        child = factories.make_child(s, household, org=org)
        child.allergies, child.medical_notes = "arachide", "asthme"
        child.avatar_key = files._write(factories.png_bytes())
        requirement = factories.make_requirement(s, org, "Justificatif de domicile", "household")
        document_key = files._write(factories.pdf_bytes())
        s.add(Document(requirement_id=requirement.id, household_id=household.id, storage_key=document_key,
                       original_name="facture-edf.pdf", content_type="application/pdf", size_bytes=1000,
                       uploaded_at=clock.now()))
        s.add(FamilyQuotient(household_id=household.id, value=640, valid_from=date(2026, 1, 1),
                             created_at=clock.now()))
        s.add(CalendarFeed(household_id=household.id, token_hash="a" * 64, created_at=clock.now()))
        s.add(AuthSession(user_id=user.id, token_hash="b" * 64, created_at=clock.now(), last_seen_at=clock.now(),
                          expires_at=clock.now() + timedelta(hours=12), ip_address="203.0.113.7"))
        s.add(OutboxEmail(to_address="camille@example.org", subject="Bienvenue", body="Bonjour Camille",
                          created_at=clock.now()))
        s.add(AuditEntry(at=clock.now(), actor_id=staff.user_id, organization_id=org.id, action="family.create",
                         object_type="household", object_id=household.id, details='{"guardian": "MARTIN"}'))
        invoice = issued_invoice(s, org, household, child, paid=360)
        parent = factories.actor(s, user)
    return {"org": org, "staff": staff, "household": household.id, "guardian": guardian.id, "child": child.id,
            "user": user.id, "parent": parent, "invoice": invoice.id, "files": [child.avatar_key, document_key]}
