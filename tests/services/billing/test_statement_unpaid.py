"""A payer's statement and the unpaid list, exactly (what `make mutation` checks in payments.py):
every line in order with its running balance, what can be refunded or reversed, which invoices
are late, their reminders and the CSV."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from cityviz import clock, config, db
from cityviz.models import AuditEntry, DirectDebit, OutboxEmail, Payment, Person, SepaMandate, User
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import credits, payments
from cityviz.services.billing.payments import StatementLine, UnpaidRow
from cityviz.services.errors import Conflict
from tests import factories
from tests.services.billing.ledger_helpers import invoice_in, two_towns_books

pytestmark = [pytest.mark.db, pytest.mark.usefixtures("database", "frozen")]
EUR = "\xa0€"


@pytest.fixture
def books():
    with db.transaction() as s:
        return two_towns_books(s)


_invoice = invoice_in


def _pay(b, amount, method="cheque", reference="0001", days_ago=0, invoice_ids=None, org=0, household="martin"):
    with db.transaction() as s:
        return payments.record_payment(s, actor=b["staff"][org], organization_id=b["orgs"][org],
                                       household_id=b[household], method=method, amount=amount,
                                       received_on=clock.today() - timedelta(days=days_ago), reference=reference,
                                       invoice_ids=invoice_ids)


def _statement(b, org=0):
    with db.read() as s:
        return payments.statement(s, actor=b["staff"][org], organization_id=b["orgs"][org], household_id=b["martin"])


def _line(day, label, debit, credit, balance):
    return StatementLine(day, label, debit and debit + EUR, credit and credit + EUR, balance + EUR)


def test_a_statement_lists_every_event_in_order_with_a_running_balance(books, frozen):
    first = _invoice(books, 5760)  # 14/09
    cheque = _pay(books, "80,00", days_ago=2, invoice_ids=[first.id])  # received 12/09
    with db.transaction() as s:
        payments.refund(s, actor=books["staff"][0], organization_id=books["orgs"][0], household_id=books["martin"],
                        source=f"payment:{cheque}", amount="2,40", method="transfer", reason="")
    frozen.shift(timedelta(days=1))
    second = _invoice(books, 1000, payer="Camille et Paul MARTIN")  # 15/09, paid by the credit
    cash = _pay(books, "5,00", method="cash", reference="")
    frozen.shift(timedelta(days=1))
    with db.transaction() as s:  # 16/09
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=second.id, reason="Erreur")
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0], payment_id=cash,
                                 reason="Erreur de saisie")
    third = _invoice(books, 3000, payer="Paul MARTIN")  # 20,00 € of credit applied
    _noise(books)
    statement = _statement(books)
    assert statement.lines == [
        _line("12/09/2026", "Chèque n° 0001", "", "80,00", "-80,00"),
        _line("14/09/2026", f"Facture n°{first.number}", "57,60", "", "-22,40"),
        _line("14/09/2026", "Remboursement (Virement)", "2,40", "", "-20,00"),
        _line("15/09/2026", f"Facture n°{second.number}", "10,00", "", "-10,00"),
        _line("15/09/2026", "Espèces", "", "5,00", "-15,00"),
        _line("16/09/2026", f"Facture n°{third.number}", "30,00", "", "15,00"),
        _line("16/09/2026", f"Avoir n°{note.number}", "", "10,00", "5,00"),
        _line("16/09/2026", "Rejet : Espèces", "5,00", "", "10,00"),
    ]
    assert (statement.payer, statement.balance, statement.available_credit) == (
        "Paul MARTIN", "10,00" + EUR, "0,00" + EUR)
    assert statement.open_invoices == [[str(third.id), f"n°{third.number} — reste 10,00{EUR}"]]
    assert statement.sources == []
    assert statement.reversible == [[str(cheque), f"Chèque n° 0001 du 12/09/2026 — 80,00{EUR}"]]
    assert [x.label for x in _statement(books, org=1).lines] == ["Facture n°20260100001", "Avoir n°A20260900001",
                                                                 "Chèque n° 0001", "Remboursement (Espèces)"]


def _noise(b):
    """The DURAND family's money with the first town, the MARTIN family's with the second."""
    for org, household in ((0, "durand"), (1, "martin")):
        invoice = _invoice(b, 700, org=org, household=household)
        payment = _pay(b, "9,00", org=org, household=household)
        with db.transaction() as s:
            credits.issue_credit_note(s, actor=b["staff"][org], invoice_id=invoice.id, reason="Erreur")
            payments.refund(s, actor=b["staff"][org], organization_id=b["orgs"][org], household_id=b[household],
                            source=f"payment:{payment}", amount="1,00", method="cash", reason="")


def test_open_invoices_in_the_order_they_were_issued(books, frozen):
    later = _invoice(books, 1000)
    frozen.shift(-3600)
    earlier = _invoice(books, 500, payer="Paul MARTIN")
    _pay(books, "2,00", invoice_ids=[later.id])
    assert _statement(books).open_invoices == [[str(earlier.id), f"n°{earlier.number} — reste 5,00{EUR}"],
                                               [str(later.id), f"n°{later.number} — reste 8,00{EUR}"]]


def test_a_statement_names_what_can_be_refunded_and_reversed(books):
    first = _invoice(books, 5760)
    cheque = _pay(books, "57,60", invoice_ids=[first.id])
    transfer = _pay(books, "1,00", method="transfer", reference="", days_ago=1)
    with db.transaction() as s:  # paid online: the bank's, not reversible by hand
        card = Payment(organization_id=books["orgs"][0], household_id=books["martin"], method="card",
                       amount_cents=500, received_on=clock.today() - timedelta(days=2), reference="",
                       recorded_at=clock.now())
        s.add(card)
        s.flush()
        card_id = card.id
    statement = _statement(books)
    assert statement.reversible == [[str(transfer), f"Virement du 13/09/2026 — 1,00{EUR}"],
                                    [str(cheque), f"Chèque n° 0001 du 14/09/2026 — 57,60{EUR}"]]
    assert statement.sources == [[f"payment:{transfer}", f"Trop-perçu : Virement du 13/09/2026 — 1,00{EUR} disponibles"],
                                 [f"payment:{card_id}", "Trop-perçu : Carte bancaire (en ligne) du 12/09/2026 — "
                                                        f"5,00{EUR} disponibles"]]
    assert (statement.balance, statement.available_credit, statement.open_invoices) == (
        "-6,00" + EUR, "6,00" + EUR, [])
    assert [x.label for x in statement.lines] == ["Carte bancaire (en ligne)", "Virement", f"Facture n°{first.number}",
                                                  "Chèque n° 0001"]


def test_a_statement_of_a_family_without_invoice(books):
    with db.transaction() as s:
        factories.enroll(s, s.get(factories.Person, 1), s.get(factories.Organization, books["orgs"][0]))
    statement = _statement(books)
    assert (statement.payer, statement.lines, statement.balance) == ("", [], "0,00" + EUR)


@pytest.fixture
def late(books, frozen):
    """On 20/10: MARTIN owes 37,60 € (due 14/10) and 8,00 € (due 16/10), DURAND 4,50 € (due 15/10)."""
    a = _invoice(books, 5760)
    paid = _invoice(books, 1000)
    debited = _invoice(books, 1200)
    _pay(books, "20,00", invoice_ids=[a.id])
    _pay(books, "10,00", invoice_ids=[paid.id])
    with db.transaction() as s:
        mandate = SepaMandate(organization_id=books["orgs"][0], household_id=books["martin"], holder_name="MARTIN",
                              iban="FR7630006000011234567890189", bic="AGRIFRPP", reference="RUM1",
                              signed_on=clock.today(), created_at=clock.now())
        s.add(mandate)
        s.flush()
        s.add(DirectDebit(organization_id=books["orgs"][0], invoice_id=debited.id, mandate_id=mandate.id,
                          amount_cents=1200, due_date=clock.today() + timedelta(days=30)))
    frozen.shift(timedelta(days=2))
    b = _invoice(books, 800, payer="Paul MARTIN")
    frozen.shift(timedelta(days=-1))
    durand = _invoice(books, 450, household="durand")  # entered after `b`, due before it
    frozen.shift(timedelta(days=1))
    _invoice(books, 700, org=1)
    frozen.move_to(datetime(2026, 9, 20, 9, 0, tzinfo=clock.PARIS))
    due_today = _invoice(books, 100)  # due 20/10: not late yet
    frozen.move_to(datetime(2026, 10, 16, 9, 0, tzinfo=clock.PARIS))
    not_yet = _invoice(books, 300)  # due 15/11
    frozen.move_to(datetime(2026, 10, 20, 9, 0, tzinfo=clock.PARIS))
    return {"a": a, "b": b, "durand": durand, "paid": paid, "debited": debited, "not_yet": not_yet,
            "due_today": due_today}


def _unpaid(books, org=0):
    with db.read() as s:
        return payments.unpaid(s, actor=books["staff"][org], organization_id=books["orgs"][org])


def test_the_unpaid_list_holds_invoices_past_due_oldest_first(books, late):
    rows, total = _unpaid(books)
    a, b, durand = late["a"], late["b"], late["durand"]
    assert rows == [
        UnpaidRow(a.id, books["martin"], a.number, "Camille MARTIN", "14/10/2026", 6, "57,60" + EUR, "37,60" + EUR, 0),
        UnpaidRow(durand.id, books["durand"], durand.number, "Camille MARTIN", "15/10/2026", 5, "4,50" + EUR,
                  "4,50" + EUR, 0),
        UnpaidRow(b.id, books["martin"], b.number, "Paul MARTIN", "16/10/2026", 4, "8,00" + EUR, "8,00" + EUR, 0)]
    assert total == "50,10" + EUR
    with db.read() as s:
        other_rows, other_total = payments.unpaid_rows(s, books["orgs"][1])
    assert [r.remaining for r in other_rows] == ["7,00" + EUR] and other_total == "7,00" + EUR
    with db.read() as s:
        csv = payments.unpaid_csv(s, actor=books["staff"][0], organization_id=books["orgs"][0]).decode("utf-8-sig")
    assert csv.splitlines() == [
        "Facture;Payeur;Échéance;Jours de retard;Montant;Reste dû;Relances",
        f"{a.number};Camille MARTIN;14/10/2026;6;57,60{EUR};37,60{EUR};0",
        f"{durand.number};Camille MARTIN;15/10/2026;5;4,50{EUR};4,50{EUR};0",
        f"{b.number};Paul MARTIN;16/10/2026;4;8,00{EUR};8,00{EUR};0"]


def test_the_unpaid_list_is_empty_when_nothing_is_late(books):
    _invoice(books, 800)
    assert _unpaid(books) == ([], "0,00" + EUR)


def test_reminders_are_mailed_traced_and_counted(books, late):
    a, b = late["a"], late["b"]
    with pytest.raises(Conflict) as refused, db.transaction() as s:
        payments.send_reminders(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                invoice_ids=[late["paid"].id, late["not_yet"].id, late["due_today"].id,
                                             late["debited"].id])
    assert str(refused.value) == "Aucune des factures choisies n'est impayée."
    for chosen in ([a.id, b.id], [a.id]):
        with db.transaction() as s:
            sent = payments.send_reminders(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                           invoice_ids=chosen)
        assert sent == len(chosen)
    with db.transaction() as s:
        s.add(AuditEntry(at=clock.now(), action="invoice.other", object_type="invoice", object_id=b.id))
    assert [r.reminders for r in _unpaid(books)[0]] == [2, 0, 1]
    with db.read() as s:
        mails = s.exec(select(OutboxEmail).order_by(OutboxEmail.id)).all()
        trail = s.exec(select(AuditEntry).where(AuditEntry.action == "invoice.reminder").order_by(AuditEntry.id)).all()
    assert [(m.to_address, m.subject) for m in mails] == [
        ("martin@example.org", f"Rappel : facture n° {a.number} à régler"),
        ("martin@example.org", f"Rappel : facture n° {b.number} à régler"),
        ("martin@example.org", f"Rappel : facture n° {a.number} à régler")]
    assert mails[0].body == (
        f"Bonjour,\n\nSauf erreur de notre part, la facture n° {a.number} (échéance du 14/10/2026) reste à régler : "
        f"37,60{EUR}.\nVous pouvez la payer en ligne : {config.get().public_url}/factures\n\nSi vous l'avez réglée "
        "entre-temps, merci de ne pas tenir compte de ce message.\n")
    assert {(m.organization_id, m.action_label) for m in mails} == {(books["orgs"][0], "Payer ma facture")}
    assert [(e.organization_id, e.object_type, e.object_id, e.household_id, json.loads(e.details)) for e in trail] == [
        (books["orgs"][0], "invoice", a.id, books["martin"], {}), (books["orgs"][0], "invoice", b.id, books["martin"], {}),
        (books["orgs"][0], "invoice", a.id, books["martin"], {})]


def test_a_closed_account_gets_no_reminder(books, late):
    with db.transaction() as s:
        for user in s.exec(select(User).join(Person, Person.id == User.person_id)
                           .where(Person.household_id == books["martin"])).all():
            user.is_active = False
    with db.transaction() as s:
        assert payments.send_reminders(s, actor=books["staff"][0], organization_id=books["orgs"][0],
                                       invoice_ids=[late["a"].id]) == 1
    with db.read() as s:
        assert s.exec(select(OutboxEmail)).all() == []


def test_automatic_reminders_say_so_in_the_trail(books, late):
    with db.transaction() as s:
        rows, _total = payments.unpaid_rows(s, books["orgs"][0])
        payments.remind(s, actor=Actor.system(), organization_id=books["orgs"][0], rows=rows[1:2], automatic=True)
    with db.read() as s:
        [entry] = s.exec(select(AuditEntry).where(AuditEntry.action == "invoice.reminder")).all()
        [mail] = s.exec(select(OutboxEmail)).all()
    assert (entry.object_id, json.loads(entry.details)) == (late["durand"].id, {"automatic": True})
    assert mail.to_address == "durand@example.org"



def test_one_cent_left_is_still_unpaid(books, frozen):
    invoice = _invoice(books, 800)
    _pay(books, "7,99", invoice_ids=[invoice.id])
    frozen.shift(timedelta(days=31))
    rows, total = _unpaid(books)
    assert [(r.invoice_id, r.remaining) for r in rows] == [(invoice.id, "0,01" + EUR)] and total == "0,01" + EUR


def test_an_agent_without_the_billing_role_reads_no_money(books):
    from cityviz.services.errors import AccessDenied

    _invoice(books, 800)
    with db.transaction() as s:
        agent = factories.actor(s, factories.make_staff(s, s.get(factories.Organization, books["orgs"][0]),
                                                        role="agent"))
    for read in (payments.statement, payments.credit_sources):
        with pytest.raises(AccessDenied), db.read() as s:
            read(s, actor=agent, organization_id=books["orgs"][0], household_id=books["martin"])
    with pytest.raises(AccessDenied), db.read() as s:
        payments.unpaid(s, actor=agent, organization_id=books["orgs"][0])


def test_events_of_one_day_and_kind_keep_the_order_they_were_recorded(books):
    _invoice(books, 5000)
    _pay(books, "3,00", method="transfer", reference="")
    _pay(books, "2,00", method="cash", reference="")
    assert [(x.label, x.balance) for x in _statement(books).lines][1:] == [("Virement", "47,00" + EUR),
                                                                          ("Espèces", "45,00" + EUR)]


def test_a_free_invoice_is_neither_debit_nor_credit(books):
    free = _invoice(books, 0)
    assert _statement(books).lines == [_line("14/09/2026", f"Facture n°{free.number}", "", "", "0,00")]


def test_a_statement_dates_events_in_paris(books, frozen):
    """Half past midnight in Paris is still the day before in UTC, the server's zone here."""
    frozen.move_to(datetime(2026, 9, 14, 22, 30, tzinfo=ZoneInfo("UTC")))
    first = _invoice(books, 800)
    second = _invoice(books, 100)
    cheque = _pay(books, "9,00", invoice_ids=[first.id, second.id])
    with db.transaction() as s:
        note = credits.issue_credit_note(s, actor=books["staff"][0], invoice_id=second.id, reason="Erreur")
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0], payment_id=cheque,
                                 reason="Sans provision")
    assert [(x.day, x.label) for x in _statement(books).lines] == [
        ("15/09/2026", f"Facture n°{first.number}"), ("15/09/2026", f"Facture n°{second.number}"),
        ("15/09/2026", f"Avoir n°{note.number}"), ("15/09/2026", "Chèque n° 0001"),
        ("15/09/2026", "Rejet : Chèque n° 0001")]


def test_a_payment_comes_before_the_reversal_of_an_older_one_the_same_day(books, frozen):
    _invoice(books, 5000)
    older = _pay(books, "3,00", days_ago=1)
    with db.transaction() as s:
        payments.reverse_payment(s, actor=books["staff"][0], organization_id=books["orgs"][0], payment_id=older,
                                 reason="Erreur")
    _pay(books, "2,00", method="cash", reference="")
    assert [x.label for x in _statement(books).lines] == ["Chèque n° 0001", "Facture n°20260100001", "Espèces",
                                                          "Rejet : Chèque n° 0001"]


def test_a_one_cent_invoice_is_a_debit(books):
    invoice = _invoice(books, 1)
    assert _statement(books).lines == [_line("14/09/2026", f"Facture n°{invoice.number}", "0,01", "", "0,01")]
