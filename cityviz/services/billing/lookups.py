"""Billing objects staff send by id (invoices, credit notes, payments, refunds,
mandates, direct debits): found only in an organization where the actor may
bill, and only for a household that organization knows (`households/scope.py`).

As there, a missing id and another organization's id get the same `NotFound`
and the same sentence, so ids cannot be probed.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, SQLModel, select

from cityviz.models import CreditNote, DirectDebit, Invoice, Payment, Refund, SepaMandate
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import NotFound
from cityviz.services.households.scope import knows_household, require_some_staff

T = TypeVar("T", bound=SQLModel)

MESSAGES: dict[type, str] = {
    Invoice: "Facture introuvable dans votre organisation.",
    CreditNote: "Avoir introuvable dans votre organisation.",
    Payment: "Paiement introuvable dans votre organisation.",
    Refund: "Remboursement introuvable dans votre organisation.",
    SepaMandate: "Mandat introuvable dans votre organisation.",
    DirectDebit: "Prélèvement introuvable dans votre organisation.",
}

def require_billing_object(s: Session, actor: Actor, model: type[T], object_id: int, *,
                           organization_id: int | None = None, capability: str = "billing",
                           lock: bool = False) -> T:
    """The row of `model` (one of MESSAGES) with this id, for staff allowed `capability` in its
    organization (and in `organization_id`, when the page names one); `lock`: FOR UPDATE."""
    require_some_staff(actor, capability)
    if organization_id is not None:
        actor.require_capability(organization_id, capability)
    row = None
    if isinstance(object_id, int) and not isinstance(object_id, bool):
        query = select(model).where(model.id == object_id)
        row = s.exec(query.with_for_update() if lock else query).first()
    if (row is None or organization_id not in (None, row.organization_id)
            or not actor.can(row.organization_id, capability)
            or (getattr(row, "household_id", None) is not None
                and not knows_household(s, row.organization_id, row.household_id))):
        raise NotFound(MESSAGES[model])
    return row
