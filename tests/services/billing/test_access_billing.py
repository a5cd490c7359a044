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
from cityviz.models import (
    Attendance,
    Booking,
    DirectDebit,
    Household,
    Invoice,
    OnlinePayment,
    Organization,
    Payment,
    SepaMandate,
)
from cityviz.services.accounts import auth
from cityviz.services.billing import (
    credits,
    direct_debits,
    invoices,
    ledger,
    online_payment,
    pay_online,
    payments,
    periods,
    regie,
)
from cityviz.services.errors import AccessDenied, NotFound
from tests import factories
from tests.services.access import assert_refused_alike


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


def _exported_debit(town) -> int:
    """A direct debit of the town's invoice, sent to the bank (so that it can be settled)."""
    with db.transaction() as s:
        mandate = SepaMandate(organization_id=town["org"], household_id=town["household"], holder_name="Camille",
                              iban="FR7630006000011234567890189", bic="AGRIFRPP", reference=f"RUM-{town['org']}",
                              signed_on=date(2026, 9, 1), created_at=clock.now())
        s.add(mandate)
        s.flush()
        debit = DirectDebit(organization_id=town["org"], invoice_id=town["invoice"], mandate_id=mandate.id,
                            amount_cents=360, due_date=date(2026, 11, 10), status="exported")
        s.add(debit)
        s.flush()
        return debit.id


MANDATE = dict(holder_name="Titulaire", iban="FR7630006000011234567890189", bic="", signed_on=date(2026, 9, 1))
# Billing services taking an id from staff: (name, call(session, actor, org of the actor, id), key of the id).
STAFF_ID_CALLS = [
    ("save_mandate", lambda s, a, org, i: direct_debits.save_mandate(
        s, actor=a, organization_id=org, household_id=i, reference=f"RUM-X{i}", **MANDATE), "household"),
    ("settle_paid", lambda s, a, org, i: direct_debits.settle(s, actor=a, debit_id=i, paid=True), "debit"),
    ("settle_rejected", lambda s, a, org, i: direct_debits.settle(s, actor=a, debit_id=i, paid=False, reason="x"),
     "debit"),
    # payments.py is the ledger's: these pin its gate (the same refusal for a missing household).
    ("record_payment", lambda s, a, org, i: payments.record_payment(
        s, actor=a, organization_id=org, household_id=i, method="cash", amount="1", received_on=date(2026, 10, 1)),
     "household"),
    ("statement", lambda s, a, org, i: payments.statement(s, actor=a, organization_id=org, household_id=i),
     "household"),
    ("credit_sources", lambda s, a, org, i: payments.credit_sources(s, actor=a, organization_id=org,
                                                                     household_id=i), "household"),
    ("issue_credit_note", lambda s, a, org, i: credits.issue_credit_note(s, actor=a, invoice_id=i, reason="Erreur"),
     "invoice"),
    ("reverse_payment", lambda s, a, org, i: payments.reverse_payment(s, actor=a, organization_id=org,
                                                                      payment_id=i, reason="Impayé"), "payment"),
    ("invoice_detail", lambda s, a, org, i: invoices.detail(s, actor=a, kind="invoice", document_id=i), "invoice"),
    ("invoice_pdf", lambda s, a, org, i: invoices.pdf(s, actor=a, kind="invoice", document_id=i), "invoice"),
    ("creditable_lines", lambda s, a, org, i: invoices.creditable_lines(s, actor=a, invoice_id=i), "invoice"),
    ("household_of", lambda s, a, org, i: invoices.household_of(s, actor=a, kind="invoice", document_id=i),
     "invoice"),
]


@pytest.mark.parametrize("name,call,key", STAFF_ID_CALLS, ids=[c[0] for c in STAFF_ID_CALLS])
def test_billing_ids_of_another_town_are_refused_like_missing_ones(two_towns, name, call, key):
    mine, other = two_towns["A"], two_towns["B"]
    if key == "debit":
        for town in (mine, other):
            town["debit"] = _exported_debit(town)
    if key == "payment":
        for town in (mine, other):
            with db.transaction() as s:
                town["payment"] = payments.record_payment(
                    s, actor=town["staff"], organization_id=town["org"], household_id=town["household"],
                    method="cash", amount="1", received_on=date(2026, 10, 1))
    with db.read() as s:
        before = (s.exec(select(SepaMandate.id)).all(), s.exec(select(DirectDebit.status)).all(),
                  s.exec(select(Payment.id)).all())
    assert_refused_alike(lambda s, i: call(s, mine["staff"], mine["org"], i), other[key])
    with db.read() as s:
        assert before == (s.exec(select(SepaMandate.id)).all(), s.exec(select(DirectDebit.status)).all(),
                          s.exec(select(Payment.id)).all())
    # The town's own staff reach their own.
    with db.transaction() as s:
        call(s, mine["staff"], mine["org"], mine[key])


def test_a_mandate_needs_a_household_the_town_knows(two_towns):
    """The hole found from outside: any town's staff could attach an IBAN to any household id."""
    with db.transaction() as s:
        stranger = Household(created_at=clock.now())
        s.add(stranger)
        s.flush()
        stranger_id = stranger.id
    town = two_towns["A"]
    with pytest.raises(NotFound, match="Famille introuvable"), db.transaction() as s:
        direct_debits.save_mandate(s, actor=town["staff"], organization_id=town["org"], household_id=stranger_id,
                                   reference="RUM-S", **MANDATE)
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
    with pytest.raises(AccessDenied), db.transaction() as s:  # the « billing » capability
        direct_debits.save_mandate(s, actor=agent, organization_id=town["org"], household_id=town["household"],
                                   reference="RUM-A", **MANDATE)


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
    assert client.get(own).status_code == 404 and client.get(other).status_code == 200


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
        assert ledger.remaining_by_invoice(s, [invoice])[invoice.id] == 0
