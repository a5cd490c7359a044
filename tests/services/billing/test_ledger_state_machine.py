"""Stateful property test of the ledger: random sequences of invoices, credit notes,
payments by every method, refunds, reversals (bounced cheques, rejected debits) and
online payments whose notifications are replayed, across two households and two
organizations. After every step, per household and organization:

- invoiced − credited = paid − refunded + due − available;
- due and available are never negative, no source gives more than it holds;
- the ledger's totals equal an independent count kept by the test;
- nothing moves between households or organizations.

Runs on SQLite, and on PostgreSQL under `make test-pg` (it uses the database fixture).
"""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import time_machine
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import DirectDebit, Invoice, InvoiceLine, Organization, Payment
from cityviz.services.billing import credits, direct_debits, ledger, online_payment, pay_online, payments
from cityviz.services.errors import DomainError
from tests import conftest, factories
from tests.services.billing.ledger_helpers import issue_invoice

METHODS = ("cash", "cheque", "cesu", "transfer")
EXAMPLES = int(os.environ.get("CITYVIZ_LEDGER_EXAMPLES", "25"))  # make mutation uses fewer
STEPS = 30
RUNS: list[int] = []  # examples run, for the closing note


def _fake_bank(monkeypatch) -> None:
    """The bank's signature check is tested with eopayment elsewhere (test_online_payment);
    here the notification says "paid, signed" for the transaction and amount it carries."""

    def read(*, kind, options, query_string, from_notification):
        fields = dict(parse_qsl(query_string))
        return online_payment.BankAnswer(transaction_id=fields["id"], order_id=fields["id"], result="paid",
                                         signed=True, amount_cents=int(fields["amount"]), bank_message="OK",
                                         bank_transaction_id=f"B{fields['id']}"[:60])
    monkeypatch.setattr(online_payment, "read_bank_answer", read)


class LedgerMachine(RuleBasedStateMachine):
    template: str = ""

    def __init__(self):
        super().__init__()
        RUNS.append(1)
        self.travel = time_machine.travel(datetime(2026, 10, 5, 10, 0, tzinfo=clock.PARIS), tick=False)
        self.travel.start()
        self._reset_database()
        self.expected = defaultdict(lambda: defaultdict(int))  # (h, o) -> figure -> cents
        with db.transaction() as s:
            self.orgs, self.staff = [], []
            for n in range(2):
                org = factories.make_organization(s, name=f"Commune {n}")
                org.payment_backend = "systempayv2"
                org.payment_options = '{"secret_test": "1122334455667788", "vads_site_id": "12345678"}'
                org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = ("FR72ZZZ123456", "FR7630006000011234567890189",
                                                                     "AGRIFRPP")
                self.orgs.append(org.id)
                self.staff.append(factories.actor(s, factories.make_staff(s, org, role="admin")))
            self.households, self.parents = [], []
            for n in range(2):
                household, guardian, user = factories.make_household(s, f"FAMILLE{n}", f"f{n}@example.org")
                self.households.append(household.id)
                self.parents.append(factories.actor(s, user))
                for o, org_id in enumerate(self.orgs):
                    factories.enroll(s, guardian, s.get(Organization, org_id))  # the town knows the family
                    direct_debits.save_mandate(s, actor=self.staff[o], organization_id=org_id,
                                               household_id=household.id, holder_name="Camille", bic="",
                                               iban="FR76 3000 6000 0112 3456 7890 189",
                                               reference=f"RUM-{n}-{o}", signed_on=date(2026, 9, 1))
        for h in range(2):
            for o in range(2):
                self.issue(h, o, 1000)

    def _reset_database(self) -> None:
        if conftest.PG_URL:
            with db.get_engine().begin() as conn:
                conn.execute(text(f"TRUNCATE {conftest._TABLES} RESTART IDENTITY CASCADE"))
        else:
            path = Path(self.template).with_name(f"ledger-{len(RUNS)}.db")
            shutil.copyfile(self.template, path)
            db.set_engine(db.make_engine(f"sqlite:///{path}"))

    def teardown(self):
        self.travel.stop()

    # --- Steps ---------------------------------------------------------------------------------

    def _invoices(self, h=None, o=None) -> list[Invoice]:
        with db.read() as s:
            query = select(Invoice).order_by(Invoice.id)
            if h is not None:
                query = query.where(Invoice.household_id == self.households[h],
                                    Invoice.organization_id == self.orgs[o])
            return list(s.exec(query).all())

    def _key(self, household_id: int, organization_id: int) -> tuple[int, int]:
        return self.households.index(household_id), self.orgs.index(organization_id)

    @rule(h=st.integers(0, 1), o=st.integers(0, 1), cents=st.integers(1, 20000))
    def issue(self, h, o, cents):
        with db.transaction() as s:
            issue_invoice(s, self.orgs[o], self.households[h], cents)
        self.expected[(h, o)]["invoiced"] += cents

    @rule(pick=st.integers(0, 10_000), whole=st.booleans())
    def credit_note(self, pick, whole):
        invoice = (invs := self._invoices())[pick % len(invs)]
        with db.read() as s:
            line = s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)).first()
        try:
            with db.transaction() as s:
                note = credits.issue_credit_note(s, actor=self.staff[self.orgs.index(invoice.organization_id)],
                                                 invoice_id=invoice.id, reason="Correction",
                                                 line_ids=None if whole else [line.id])
        except DomainError:
            return  # already wholly credited
        self.expected[self._key(invoice.household_id, invoice.organization_id)]["credited"] += note.total_cents

    @rule(h=st.integers(0, 1), o=st.integers(0, 1), method=st.sampled_from(METHODS), cents=st.integers(1, 30000),
          targeted=st.booleans())
    def pay(self, h, o, method, cents, targeted):
        open_ids = [i.id for i in self._invoices(h, o)]
        with db.transaction() as s:
            payments.record_payment(s, actor=self.staff[o], organization_id=self.orgs[o],
                                    household_id=self.households[h], method=method,
                                    amount=f"{cents // 100},{cents % 100:02d}", received_on=clock.today(),
                                    reference="CHQ1", invoice_ids=open_ids[-1:] if targeted else None)
        self.expected[(h, o)]["paid"] += cents

    @rule(h=st.integers(0, 1), o=st.integers(0, 1), pick=st.integers(0, 10_000), cents=st.integers(1, 30000),
          other_household=st.booleans())
    def refund(self, h, o, pick, cents, other_household):
        with db.read() as s:
            every = ledger.sources(s, [self.households[h]], self.orgs[o], with_empty=True).get(self.households[h], [])
        if not every:
            return
        source = every[pick % len(every)]
        target = self.households[1 - h] if other_household else self.households[h]
        try:
            with db.transaction() as s:
                payments.refund(s, actor=self.staff[o], organization_id=self.orgs[o], household_id=target,
                                source=source.key, amount=f"{cents // 100},{cents % 100:02d}", method="transfer",
                                reason="")
        except DomainError:
            assert other_household or cents > source.left, "a refund within its source was refused"
            return
        assert not other_household, "a refund crossed households"
        assert cents <= source.left, "a refund exceeded its source"
        self.expected[(h, o)]["refunded"] += cents

    @rule(pick=st.integers(0, 10_000))
    def bounce(self, pick):
        with db.read() as s:
            live = s.exec(select(Payment).where(Payment.reversed_at.is_(None), Payment.method.in_(METHODS))
                          .order_by(Payment.id)).all()
        if not live:
            return
        payment = live[pick % len(live)]
        try:
            with db.transaction() as s:
                payments.reverse_payment(s, actor=self.staff[self.orgs.index(payment.organization_id)],
                                         organization_id=payment.organization_id, payment_id=payment.id,
                                         reason="Chèque sans provision")
        except DomainError:
            return  # already refunded from: refused
        self.expected[self._key(payment.household_id, payment.organization_id)]["paid"] -= payment.amount_cents

    @rule(pick=st.integers(0, 10_000), replays=st.integers(1, 3))
    def pay_online(self, pick, replays):
        invoice = (invs := self._invoices())[pick % len(invs)]
        h, o = self._key(invoice.household_id, invoice.organization_id)
        try:
            started = pay_online.start_online_payment(actor=self.parents[h], invoice_id=invoice.id)
        except DomainError:
            return  # nothing due
        with db.read() as s:
            due = ledger.remaining_by_invoice(s, [invoice])[invoice.id]
        for _ in range(replays):  # the bank notifies, then the same notification is replayed
            pay_online.handle_bank_answer(organization_id=self.orgs[o], from_notification=True,
                                          payload=urlencode({"id": started.transaction_id, "amount": due}))
        self.expected[(h, o)]["paid"] += due

    @rule(pick=st.integers(0, 10_000), rejected=st.booleans())
    def direct_debit(self, pick, rejected):
        invoice = (invs := self._invoices())[pick % len(invs)]
        h, o = self._key(invoice.household_id, invoice.organization_id)
        with db.read() as s:
            due = ledger.remaining_by_invoice(s, [invoice])[invoice.id]
            known = s.exec(select(DirectDebit).where(DirectDebit.invoice_id == invoice.id)).first()
            mandate = s.exec(text("SELECT id FROM sepa_mandate WHERE household_id = :h AND organization_id = :o"),
                             params={"h": invoice.household_id, "o": invoice.organization_id}).first()[0]
        if known or due == 0:
            return
        with db.transaction() as s:  # as the pain.008 export leaves it: sent to the bank
            debit = DirectDebit(organization_id=invoice.organization_id, invoice_id=invoice.id, mandate_id=mandate,
                                amount_cents=due, due_date=clock.today(), status="exported", batch_reference="B1")
            s.add(debit)
        with db.transaction() as s:
            direct_debits.settle(s, actor=self.staff[o], debit_id=debit.id, paid=True)
        self.expected[(h, o)]["paid"] += due
        if rejected:
            with db.transaction() as s:
                direct_debits.settle(s, actor=self.staff[o], debit_id=debit.id, paid=False,
                                     reason="Provision insuffisante")
            self.expected[(h, o)]["paid"] -= due

    # --- Invariants ----------------------------------------------------------------------------

    @invariant()
    def accounts_balance_and_match_the_independent_count(self):
        with db.read() as s:
            for h, household_id in enumerate(self.households):
                for o, org_id in enumerate(self.orgs):
                    balance = ledger.balance(s, household_id, org_id)
                    assert balance.holds, balance
                    assert balance.due >= 0 and balance.available >= 0, balance
                    expected = self.expected[(h, o)]
                    assert (balance.invoiced, balance.credited, balance.paid, balance.refunded) == (
                        expected["invoiced"], expected["credited"], expected["paid"], expected["refunded"])
                    for source in ledger.sources(s, [household_id], org_id, with_empty=True).get(household_id, []):
                        assert source.left >= 0, source

    @invariant()
    def nothing_crosses_households_or_organizations(self):
        with db.read() as s:
            crossings = s.exec(text("""
                SELECT count(*) FROM payment_allocation a JOIN payment p ON p.id = a.payment_id
                  JOIN invoice i ON i.id = a.invoice_id
                 WHERE p.household_id <> i.household_id OR p.organization_id <> i.organization_id
                UNION ALL
                SELECT count(*) FROM credit_allocation a JOIN credit_note n ON n.id = a.credit_note_id
                  JOIN invoice i ON i.id = a.invoice_id
                 WHERE n.household_id <> i.household_id OR n.organization_id <> i.organization_id
                UNION ALL
                SELECT count(*) FROM refund r LEFT JOIN payment p ON p.id = r.payment_id
                  LEFT JOIN credit_note n ON n.id = r.credit_note_id
                 WHERE COALESCE(p.household_id, n.household_id) <> r.household_id
                    OR COALESCE(p.organization_id, n.organization_id) <> r.organization_id""")).all()
            assert [c for (c,) in crossings] == [0, 0, 0]
            over = s.exec(text("""
                SELECT count(*) FROM invoice i WHERE i.total_cents <
                  (SELECT COALESCE(SUM(a.amount_cents), 0) FROM payment_allocation a JOIN payment p
                     ON p.id = a.payment_id WHERE a.invoice_id = i.id AND p.reversed_at IS NULL)
                + (SELECT COALESCE(SUM(c.amount_cents), 0) FROM credit_allocation c WHERE c.invoice_id = i.id)
            """)).one()[0]
            assert over == 0, "an invoice was settled beyond its total"


def test_the_ledger_holds_under_random_money_events(database, _template, monkeypatch):
    _fake_bank(monkeypatch)
    LedgerMachine.template = _template
    RUNS.clear()
    run_state_machine_as_test(LedgerMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
    assert len(RUNS) >= EXAMPLES
    print(f"ledger state machine: {len(RUNS)} examples of up to {STEPS} steps")
