"""Money stays private: a household sees only its own invoices, payments and
PDFs; staff only their organization's; the payment endpoints trust nobody."""

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from cityviz import clock, db, routes
from cityviz.api import build_api
from cityviz.models import Attendance, Booking, Invoice, OnlinePayment, Organization
from cityviz.services.accounts import auth
from cityviz.services.billing import (
    credits,
    direct_debits,
    invoices,
    online_payment,
    pay_online,
    payments,
    periods,
    regie,
)
from cityviz.services.errors import AccessDenied, NotFound
from tests import factories


@pytest.fixture
def two_towns(database, frozen):
    """Two towns, each with one family billed for September and an admin agent."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=clock.PARIS))
    out = {}
    for name in ("A", "B"):
        with db.transaction() as s:
            org = factories.make_organization(s, name=f"Ville {name}")
            org.payment_backend = "dummy"
            staff = factories.actor(s, factories.make_staff(s, org, role="admin", email=f"agent{name}@example.org"))
            canteen = factories.make_activity(s, org, staff)
            household, _g, user = factories.make_household(s, last_name=f"FAMILLE{name}",
                                                           email=f"parent{name}@example.org", org=org)
            child = factories.make_child(s, household, org=org)
            session = factories.session_on(s, canteen, date(2026, 9, 14))
            now = clock.now()
            s.add(Booking(session_id=session.id, child_id=child.id, household_id=household.id, status="booked",
                          created_at=now, updated_at=now))
            s.add(Attendance(session_id=session.id, child_id=child.id, household_id=household.id, status="present",
                             marked_at=now))
            out[name] = {"org": org.id, "staff": staff, "parent": factories.actor(s, user), "household": household.id}
    frozen.move_to(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS))
    for town in out.values():
        periods.issue_all(db.transaction, actor=town["staff"], organization_id=town["org"], month="2026-09")
        with db.read() as s:
            town["invoice"] = s.exec(select(Invoice).where(Invoice.organization_id == town["org"])).one().id
    return out


def test_a_parent_never_reaches_another_households_money(two_towns):
    me, other = two_towns["A"]["parent"], two_towns["B"]
    calls = [
        lambda s: invoices.detail(s, actor=me, kind="invoice", document_id=other["invoice"]),
        lambda s: invoices.pdf(s, actor=me, kind="invoice", document_id=other["invoice"]),
        lambda s: payments.statement(s, actor=me, organization_id=other["org"], household_id=other["household"]),
        lambda s: payments.unpaid(s, actor=me, organization_id=two_towns["A"]["org"]),
        lambda s: credits.issue_credit_note(s, actor=me, invoice_id=other["invoice"], reason="x"),
        lambda s: periods.preview_period(s, actor=me, organization_id=two_towns["A"]["org"], month="2026-09"),
        lambda s: direct_debits.export_file(s, actor=me, organization_id=two_towns["A"]["org"]),
    ]
    for call in calls:
        with pytest.raises((AccessDenied, NotFound)), db.transaction() as s:
            call(s)
    with pytest.raises(NotFound):
        pay_online.start_online_payment(actor=me, invoice_id=other["invoice"])
    with db.read() as s:
        assert [r.id for r in invoices.household_documents(s, actor=me)] == [two_towns["A"]["invoice"]]


def test_staff_never_reach_another_organizations_billing(two_towns):
    agent, other = two_towns["A"]["staff"], two_towns["B"]
    calls = [
        lambda s: invoices.detail(s, actor=agent, kind="invoice", document_id=other["invoice"]),
        lambda s: invoices.list_documents(s, actor=agent, organization_id=other["org"]),
        lambda s: credits.issue_credit_note(s, actor=agent, invoice_id=other["invoice"], reason="x"),
        lambda s: payments.record_payment(s, actor=agent, organization_id=other["org"],
                                          household_id=other["household"], method="cash", amount="1",
                                          received_on=date(2026, 10, 1)),
        lambda s: payments.statement(s, actor=agent, organization_id=other["org"], household_id=other["household"]),
        lambda s: payments.send_reminders(s, actor=agent, organization_id=other["org"], invoice_ids=[other["invoice"]]),
        lambda s: periods.start_issue(s, actor=agent, organization_id=other["org"], month="2026-08"),
        lambda s: direct_debits.save_mandate(s, actor=agent, organization_id=other["org"],
                                             household_id=other["household"], holder_name="X",
                                             iban="FR7630006000011234567890189", bic="", reference="R1",
                                             signed_on=date(2026, 9, 1)),
        lambda s: regie.regie_settings(s, actor=agent, organization_id=other["org"]),
    ]
    for call in calls:
        with pytest.raises((AccessDenied, NotFound)), db.transaction() as s:
            call(s)
    # Paying another organization's family's invoice into one's own town is refused too.
    with pytest.raises((AccessDenied, NotFound)), db.transaction() as s:
        payments.record_payment(s, actor=agent, organization_id=two_towns["A"]["org"],
                                household_id=other["household"], method="cash", amount="1",
                                received_on=date(2026, 10, 1), invoice_ids=[other["invoice"]])


def test_only_admins_change_the_regie(two_towns):
    with db.transaction() as s:
        org = s.get(Organization, two_towns["A"]["org"])
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        regie.save_regie(s, actor=agent, organization_id=two_towns["A"]["org"], legal_name="X",
                                 legal_address="", siret="", invoice_due_days=30, payment_backend="",
                                 payment_options={})


def _cookie(email):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def test_pdf_route_checks_the_session(two_towns):
    client = TestClient(build_api())
    own = f"{routes.INVOICE_FILE}/facture/{two_towns['A']['invoice']}"
    other = f"{routes.INVOICE_FILE}/facture/{two_towns['B']['invoice']}"
    assert client.get(own).status_code == 401
    client.cookies.set(routes.SESSION_COOKIE, _cookie("parenta@example.org"))
    response = client.get(own)
    assert response.status_code == 200 and response.content[:4] == b"%PDF"
    assert client.get(other).status_code == 403
    client.cookies.set(routes.SESSION_COOKIE, _cookie("agentb@example.org"))
    assert client.get(own).status_code == 403 and client.get(other).status_code == 200


def test_payment_endpoints_trust_only_the_banks_answer(two_towns, settings):
    settings(demo_payments=1)  # the simulator: a demonstration
    town = two_towns["A"]
    pay_online.start_online_payment(actor=town["parent"], invoice_id=town["invoice"])
    with db.read() as s:
        pending = s.exec(select(OnlinePayment)).one()
    client = TestClient(build_api())
    answer = online_payment.dummy_answer(transaction_id=pending.transaction_id, amount=Decimal("3.60"),
                                         accepted=True, signed=True)
    # Sent to the other organization's endpoint: unknown there, nothing recorded.
    wrong = client.post(f"/paiement/notification/{two_towns['B']['org']}", content=urlencode(answer),
                        headers={"content-type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 400
    # The payer's browser return is not signed: it shows the state, records nothing.
    unsigned = urlencode(online_payment.dummy_answer(transaction_id=pending.transaction_id, amount=Decimal("3.60"),
                                                     accepted=True, signed=False))
    back = client.get(f"/paiement/retour/{town['org']}?{unsigned}", follow_redirects=False)
    assert back.status_code == 303 and "paiement=pending" in back.headers["location"]
    ok = client.post(f"/paiement/notification/{town['org']}", content=urlencode(answer),
                     headers={"content-type": "application/x-www-form-urlencoded"})
    assert ok.status_code == 200
    with db.read() as s:
        invoice = s.get(Invoice, town["invoice"])
        assert credits.remaining_by_invoice(s, [invoice])[invoice.id] == 0
