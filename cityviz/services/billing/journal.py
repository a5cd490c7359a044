"""Writing the régie's journal: one row per money event, in the transaction that makes it.

Every writer of money (invoices issued, credit notes, payments of every kind,
refunds, reversals, SEPA files, régie settings) calls `record` (or `record_many`
for a batch) before its transaction commits, so the journal and the money never
disagree. The database refuses to change or delete a row (migration 0008).
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session, select

from cityviz import clock
from cityviz.models import Person, RegieJournalEntry, User
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing.period_lines import payer_name as _format_payer

METHOD_LABELS = {"cash": "Espèces", "cheque": "Chèque", "cesu": "CESU", "transfer": "Virement",
                 "card": "Carte bancaire (en ligne)", "payfip": "PayFiP (en ligne)", "direct_debit": "Prélèvement"}
KIND_LABELS = {
    "invoice": "Facture",
    "credit_note": "Avoir",
    "payment": "Encaissement",
    "refund": "Remboursement",
    "reversal": "Rejet / annulation d'encaissement",
    "direct_debit_file": "Fichier de prélèvements",
    "settings": "Paramètres de la régie",
}


def actor_name(s: Session, actor: Actor) -> str:
    if actor.display_name:
        return actor.display_name[:200]
    if actor.user_id is None:
        return "Système"
    user = s.get(User, actor.user_id)
    return (user.email if user else f"Utilisateur {actor.user_id}")[:200]


def household_payer(s: Session, household_id: int) -> str:
    """The household's guardians, as an invoice names its payer."""
    guardians = s.exec(select(Person).where(Person.household_id == household_id, Person.role == "guardian")
                       .order_by(Person.id)).all()
    return _format_payer(list(guardians))[:200]


def _row(s: Session, actor: Actor, organization_id: int, kind: str, *, amount_cents: int = 0,
         household_id: int | None = None, payer: str | None = None, method: str = "", reference: str = "",
         label: str = "") -> dict:
    if payer is None:
        payer = household_payer(s, household_id) if household_id else ""
    return dict(organization_id=organization_id, at=clock.now(), actor_id=actor.user_id,
                actor_name=actor_name(s, actor), kind=kind, household_id=household_id, payer=payer[:200],
                method=method, reference=reference[:100], amount_cents=amount_cents, label=label[:300])


def record(s: Session, *, actor: Actor, organization_id: int, kind: str, amount_cents: int = 0,
           household_id: int | None = None, payer: str | None = None, method: str = "", reference: str = "",
           label: str = "") -> None:
    s.execute(insert(RegieJournalEntry.__table__),
              [_row(s, actor, organization_id, kind, amount_cents=amount_cents, household_id=household_id,
                    payer=payer, method=method, reference=reference, label=label)])


def record_many(s: Session, *, actor: Actor, organization_id: int, kind: str, entries: list[dict]) -> None:
    """A batch of events of one kind (an invoice run): each dict gives amount_cents,
    household_id, payer, reference and label."""
    if not entries:
        return
    name, now = actor_name(s, actor), clock.now()
    s.execute(insert(RegieJournalEntry.__table__), [
        dict(organization_id=organization_id, at=now, actor_id=actor.user_id, actor_name=name, kind=kind,
             household_id=e.get("household_id"), payer=e.get("payer", "")[:200], method=e.get("method", ""),
             reference=e.get("reference", "")[:100], amount_cents=e.get("amount_cents", 0),
             label=e.get("label", "")[:300]) for e in entries])
