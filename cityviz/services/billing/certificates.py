"""« Attestations »: what a family paid and when its children came, as the town certifies it.

- « Attestation fiscale » (frais de garde des enfants de moins de 6 ans, year N): for a child
  under 6 on 1 January of N, the amounts paid in year N for that child's care, per
  organization, meals excluded (activities marked as food). A payment settles invoices
  (its allocations); the part of an invoice paid in N is spread over its lines in proportion
  to their totals, and the child's non-food lines are summed.
- « Attestation de paiement »: the payments received from the household over a period.
- « Attestation de présence »: the days a child was present over a period, per activity.

Amounts paid per invoice are the ledger's (`ledger.paid_by_invoice`); only their split by
year of payment is read here, from the same allocation rows.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import (
    Activity,
    ActivitySession,
    Attendance,
    Household,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PaymentAllocation,
    Person,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import ledger
from cityviz.services.billing.period_lines import payer_address, payer_name
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.formatting import format_date, format_money

METHODS = {"cash": "Espèces", "cheque": "Chèque", "cesu": "CESU", "transfer": "Virement", "card": "Carte bancaire",
           "payfip": "Paiement en ligne", "direct_debit": "Prélèvement"}


@dataclasses.dataclass(frozen=True)
class Issuer:
    """The organization's identity, as printed on the certificate."""

    id: int
    name: str
    legal_name: str
    address: str
    siret: str


@dataclasses.dataclass(frozen=True)
class Amount:
    issuer: Issuer
    cents: int


@dataclasses.dataclass(frozen=True)
class TaxCertificate:
    year: int
    child_name: str
    birth_date: str
    payer_name: str
    payer_address: str
    amounts: list[Amount]  # one per organization with something paid

    @property
    def total_cents(self) -> int:
        return sum(a.cents for a in self.amounts)


def _issuers(s: Session, ids) -> dict[int, Issuer]:
    return {o.id: Issuer(o.id, o.name, o.legal_name or o.name, o.legal_address or f"{o.postal_code} {o.city}",
                         o.siret) for o in s.exec(select(Organization).where(col(Organization.id).in_(list(ids))))}


def _payer(s: Session, household_id: int) -> tuple[str, str]:
    guardians = s.exec(select(Person).where(Person.household_id == household_id, Person.role == "guardian")
                       .order_by(Person.id)).all()
    return payer_name(list(guardians)), payer_address(s.get(Household, household_id))


def under_six(birth_date: date | None, year: int) -> bool:
    """Under 6 on 1 January of the year (born after 1 January six years before)."""
    return birth_date is not None and birth_date > date(year - 6, 1, 1)


def _child(s: Session, actor: Actor, child_id: int) -> Person:
    child = s.get(Person, child_id)
    if child is None or child.role != "child":
        raise AccessDenied()
    actor.require_household(child.household_id)
    return child


def _check_year(year: int) -> None:
    if not 2000 <= year <= clock.today().year:
        raise InvalidInput("Choisissez une année passée ou l'année en cours.", field="year")


def paid_in_year(s: Session, invoice_ids: list[int], year: int) -> dict[int, int]:
    """Per invoice, what payments received in `year` (not reversed) settled of it."""
    if not invoice_ids:
        return {}
    return dict(s.exec(
        select(PaymentAllocation.invoice_id, func.sum(PaymentAllocation.amount_cents))
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(col(PaymentAllocation.invoice_id).in_(invoice_ids), col(Payment.reversed_at).is_(None),
               Payment.received_on >= date(year, 1, 1), Payment.received_on <= date(year, 12, 31))
        .group_by(PaymentAllocation.invoice_id)).all())


def _spread(paid: int, totals: list[int]) -> list[int]:
    """`paid` split over lines in proportion to their totals, in whole cents summing to `paid`."""
    whole = sum(totals)
    if not whole:
        return [0] * len(totals)
    shares = [paid * t // whole for t in totals]
    order = sorted(range(len(totals)), key=lambda i: -((paid * totals[i]) % whole))
    for i in order[:paid - sum(shares)]:
        shares[i] += 1
    return shares


def care_paid(s: Session, household_id: int, year: int) -> dict[tuple[int, int], int]:
    """{(child id, organization id): cents paid in `year` for that child's care, meals excluded}."""
    return care_paid_by_household(s, [household_id], year).get(household_id, {})


def care_paid_by_household(s: Session, household_ids: list[int], year: int) -> dict[int, dict[tuple[int, int], int]]:
    """`care_paid` for many households at once (a few queries whatever their number)."""
    invoices = s.exec(select(Invoice.id, Invoice.organization_id, Invoice.household_id)
                      .where(col(Invoice.household_id).in_(household_ids))).all()
    paid = paid_in_year(s, [i for i, _o, _h in invoices], year)
    if not paid:
        return {}
    paid_in_all = ledger.paid_by_invoice(s, list(paid))
    owner = {i: (o, h) for i, o, h in invoices}
    lines = s.exec(select(InvoiceLine.invoice_id, InvoiceLine.child_id, InvoiceLine.total_cents, Activity.is_food)
                   .outerjoin(Activity, Activity.id == InvoiceLine.activity_id)
                   .where(col(InvoiceLine.invoice_id).in_(list(paid)))
                   .order_by(InvoiceLine.invoice_id, InvoiceLine.position)).all()
    by_invoice: dict[int, list] = defaultdict(list)
    for line in lines:
        by_invoice[line[0]].append(line)
    out: dict[int, dict[tuple[int, int], int]] = defaultdict(lambda: defaultdict(int))
    for invoice_id, amount in paid.items():
        amount = min(amount, paid_in_all.get(invoice_id, 0))  # the year's part of what the ledger says is paid
        organization_id, household_id = owner[invoice_id]
        rows = by_invoice[invoice_id]
        for (_i, child_id, _total, is_food), share in zip(rows, _spread(amount, [r[2] for r in rows]), strict=True):
            if child_id is not None and not is_food and share:
                out[household_id][(child_id, organization_id)] += share
    return {h: dict(v) for h, v in out.items()}


def tax_certificate(s: Session, *, actor: Actor, child_id: int, year: int) -> TaxCertificate:
    """The parent's « Attestation fiscale » for one child and one year."""
    _check_year(year)
    child = _child(s, actor, child_id)
    return _tax_certificate(s, child, year)


def _tax_certificate(s: Session, child: Person, year: int) -> TaxCertificate:
    if not under_six(child.birth_date, year):
        raise InvalidInput(f"L'attestation fiscale de frais de garde concerne les enfants de moins de 6 ans au "
                           f"1er janvier {year}.", field="child_id")
    paid = {org: cents for (c, org), cents in care_paid(s, child.household_id, year).items() if c == child.id}
    issuers = _issuers(s, paid)
    name, address = _payer(s, child.household_id)
    return TaxCertificate(year=year, child_name=f"{child.first_name} {child.last_name}",
                          birth_date=format_date(child.birth_date), payer_name=name, payer_address=address,
                          amounts=[Amount(issuers[o], c) for o, c in sorted(paid.items()) if c > 0])


@dataclasses.dataclass(frozen=True)
class TaxRow:
    child_id: int
    child: str
    eligible: bool
    amount: str  # all organizations
    cents: int


def tax_summary(s: Session, *, actor: Actor, year: int) -> list[TaxRow]:
    """The household's children and, for those under 6 on 1 January, what was paid for their care."""
    _check_year(year)
    household_id = actor.require_household()
    children = s.exec(select(Person).where(Person.household_id == household_id, Person.role == "child")
                      .order_by(Person.birth_date, Person.id)).all()
    paid = care_paid(s, household_id, year)
    rows = []
    for child in children:
        cents = sum(c for (child_id, _o), c in paid.items() if child_id == child.id)
        eligible = under_six(child.birth_date, year)
        rows.append(TaxRow(child.id, child.first_name, eligible, format_money(cents) if eligible else "",
                           cents if eligible else 0))
    return rows


# --- For any period ------------------------------------------------------------------------------

def _check_period(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("La date de fin doit suivre la date de début.", field="end")
    if (end - start).days > 3 * 366:
        raise InvalidInput("Choisissez une période de trois ans au plus.", field="end")


@dataclasses.dataclass(frozen=True)
class PaymentLine:
    day: str
    method: str
    cents: int


@dataclasses.dataclass(frozen=True)
class PaymentCertificate:
    start: str
    end: str
    payer_name: str
    payer_address: str
    by_issuer: list[tuple[Issuer, list[PaymentLine]]]

    @property
    def total_cents(self) -> int:
        return sum(line.cents for _i, lines in self.by_issuer for line in lines)


def payment_certificate(s: Session, *, actor: Actor, start: date, end: date) -> PaymentCertificate:
    """The payments received from the household between the dates (reversed ones left out)."""
    household_id = actor.require_household()
    _check_period(start, end)
    payments = s.exec(select(Payment).where(Payment.household_id == household_id, col(Payment.reversed_at).is_(None),
                                            Payment.received_on >= start, Payment.received_on <= end)
                      .order_by(Payment.organization_id, Payment.received_on, Payment.id)).all()
    issuers = _issuers(s, {p.organization_id for p in payments})
    grouped: dict[int, list[PaymentLine]] = defaultdict(list)
    for p in payments:
        grouped[p.organization_id].append(PaymentLine(format_date(p.received_on), METHODS.get(p.method, p.method),
                                                      p.amount_cents))
    name, address = _payer(s, household_id)
    return PaymentCertificate(format_date(start), format_date(end), name, address,
                              [(issuers[o], lines) for o, lines in grouped.items()])


@dataclasses.dataclass(frozen=True)
class PresenceLine:
    activity: str
    days: int
    first: str
    last: str


@dataclasses.dataclass(frozen=True)
class PresenceCertificate:
    start: str
    end: str
    child_name: str
    birth_date: str
    payer_name: str
    by_issuer: list[tuple[Issuer, list[PresenceLine]]]


def presence_certificate(s: Session, *, actor: Actor, child_id: int, start: date, end: date) -> PresenceCertificate:
    """The days the child was present (pointed present, with or without booking), per activity."""
    child = _child(s, actor, child_id)
    _check_period(start, end)
    rows = s.exec(select(Activity.organization_id, Activity.name, func.count(), func.min(ActivitySession.date),
                         func.max(ActivitySession.date))
                  .select_from(Attendance).join(ActivitySession, ActivitySession.id == Attendance.session_id)
                  .join(Activity, Activity.id == ActivitySession.activity_id)
                  .where(Attendance.child_id == child.id, col(Attendance.status).in_(["present", "unbooked_present"]),
                         ActivitySession.date >= start, ActivitySession.date <= end)
                  .group_by(Activity.organization_id, Activity.name)
                  .order_by(Activity.organization_id, Activity.name)).all()
    issuers = _issuers(s, {r[0] for r in rows})
    grouped: dict[int, list[PresenceLine]] = defaultdict(list)
    for organization_id, name, days, first, last in rows:
        grouped[organization_id].append(PresenceLine(name, days, format_date(first), format_date(last)))
    payer, _address = _payer(s, child.household_id)
    return PresenceCertificate(format_date(start), format_date(end), f"{child.first_name} {child.last_name}",
                               format_date(child.birth_date) if child.birth_date else "", payer,
                               [(issuers[o], lines) for o, lines in grouped.items()])
