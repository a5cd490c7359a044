"""« Supprimer mon compte »: a parent asks, the staff of one of the household's
organizations confirm (the household is then anonymised, anonymisation.py) or
refuse with a reason (the parent is told by e-mail).

A household no organization knows has nobody to confirm: it is anonymised at
once. The audit log keeps who asked, who decided and when (ids and dates, no
personal data). The retention setting of an organization lives here too: both
are what the organization decides about its families' personal data.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import AccountDeletionRequest, Invoice, Organization, Person, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import ledger
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_datetime, format_money
from cityviz.services.households.scope import knows_household, organizations_knowing
from cityviz.services.inputs import bounded
from cityviz.services.operations import anonymisation


def _pending(s: Session, household_id: int) -> AccountDeletionRequest | None:
    return s.exec(select(AccountDeletionRequest).where(AccountDeletionRequest.household_id == household_id,
                                                       AccountDeletionRequest.status == "pending")).first()


@dataclasses.dataclass(frozen=True)
class MyRequest:
    status: str  # "", pending, refused
    requested_at: str
    refusal_reason: str


def my_request(s: Session, *, actor: Actor) -> MyRequest:
    household_id = actor.require_household()
    last = s.exec(select(AccountDeletionRequest).where(AccountDeletionRequest.household_id == household_id)
                  .order_by(col(AccountDeletionRequest.id).desc())).first()
    if last is None or last.status not in ("pending", "refused"):
        return MyRequest("", "", "")
    return MyRequest(last.status, format_datetime(last.requested_at), last.refusal_reason)


def request_deletion(s: Session, *, actor: Actor) -> str:
    """The parent's request; "pending" (staff will confirm) or "done" (no organization: erased now)."""
    household_id = actor.require_household()
    if _pending(s, household_id) is not None:
        raise Conflict("Votre demande de suppression est déjà enregistrée.")
    request = AccountDeletionRequest(household_id=household_id, requested_by_id=actor.user_id,
                                     requested_at=clock.now())
    s.add(request)
    s.flush()
    audit.record(s, actor=actor, action="account.deletion_requested", object_type="account_deletion_request",
                 object_id=request.id, household_id=household_id)
    if organizations_knowing(s, household_id):
        return "pending"
    request.status, request.decided_at = "confirmed", clock.now()
    s.add(request)
    anonymisation.anonymise_household(s, actor=actor, household_id=household_id, reason="request")
    return "done"


def cancel_request(s: Session, *, actor: Actor) -> None:
    household_id = actor.require_household()
    request = _pending(s, household_id)
    if request is None:
        raise Conflict("Aucune demande de suppression en cours.")
    request.status, request.decided_at, request.decided_by_id = "cancelled", clock.now(), actor.user_id
    s.add(request)
    audit.record(s, actor=actor, action="account.deletion_cancelled", object_type="account_deletion_request",
                 object_id=request.id)


@dataclasses.dataclass(frozen=True)
class DeletionRow:
    id: int
    family: str  # the guardians' names, as staff know them
    requested_at: str
    balance: str  # "" when nothing is owed to this organization


def list_requests(s: Session, *, actor: Actor, organization_id: int) -> list[DeletionRow]:
    """Pending requests of households this organization knows, oldest first."""
    actor.require_capability(organization_id, "families")
    rows = []
    for request in s.exec(select(AccountDeletionRequest).where(AccountDeletionRequest.status == "pending")
                          .order_by(AccountDeletionRequest.requested_at)).all():
        if not knows_household(s, organization_id, request.household_id):
            continue
        guardians = s.exec(select(Person).where(Person.household_id == request.household_id,
                                                Person.role == "guardian").order_by(Person.id)).all()
        invoices = s.exec(select(Invoice).where(Invoice.household_id == request.household_id,
                                                Invoice.organization_id == organization_id)).all()
        owed = sum(ledger.remaining_by_invoice(s, invoices).values())
        rows.append(DeletionRow(request.id, " et ".join(f"{p.first_name} {p.last_name}" for p in guardians)
                                or f"Foyer n° {request.household_id}", format_datetime(request.requested_at),
                                format_money(owed) if owed else ""))
    return rows


def _request_for(s: Session, actor: Actor, organization_id: int, request_id: int) -> AccountDeletionRequest:
    actor.require_capability(organization_id, "families")
    request = s.exec(select(AccountDeletionRequest).where(AccountDeletionRequest.id == request_id)
                     .with_for_update()).first()
    if request is None or not knows_household(s, organization_id, request.household_id):
        raise NotFound("Demande introuvable.")
    if request.status != "pending":
        raise Conflict("Cette demande a déjà été traitée.")
    return request


def confirm(s: Session, *, actor: Actor, organization_id: int, request_id: int) -> None:
    """Anonymise the household now (its invoices keep the payer copy, as the law requires)."""
    request = _request_for(s, actor, organization_id, request_id)
    request.status, request.decided_at = "confirmed", clock.now()
    request.decided_by_id, request.organization_id = actor.user_id, organization_id
    s.add(request)
    audit.record(s, actor=actor, action="account.deletion_confirmed", organization_id=organization_id,
                 object_type="account_deletion_request", object_id=request.id, requested_by_id=request.requested_by_id,
                 requested_at=request.requested_at.isoformat(), household_id=request.household_id)
    anonymisation.anonymise_household(s, actor=actor, household_id=request.household_id, reason="request",
                                      organization_id=organization_id)


def refuse(s: Session, *, actor: Actor, organization_id: int, request_id: int, reason: str) -> None:
    reason = bounded(reason, 500, "Raison du refus", "reason")
    if not reason:
        raise InvalidInput("Indiquez la raison du refus : elle est envoyée à la famille.", field="reason")
    request = _request_for(s, actor, organization_id, request_id)
    request.status, request.decided_at, request.refusal_reason = "refused", clock.now(), reason
    request.decided_by_id, request.organization_id = actor.user_id, organization_id
    s.add(request)
    audit.record(s, actor=actor, action="account.deletion_refused", organization_id=organization_id,
                 object_type="account_deletion_request", object_id=request.id, household_id=request.household_id)
    org = s.get(Organization, organization_id)
    for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                          .where(Person.household_id == request.household_id)).all():
        mail.queue_email(s, to=address, organization_id=organization_id, action_label="Ouvrir mon profil",
                         subject="Votre demande de suppression de compte",
                         body=(f"Bonjour,\n\n{org.name} ne peut pas supprimer votre compte pour le moment : {reason}\n\n"
                               f"Vous pouvez renouveler votre demande depuis votre profil : "
                               f"{config.get().public_url}/profil\n"))


def retention_years(s: Session, *, actor: Actor, organization_id: int) -> int:
    actor.require_capability(organization_id, "families")
    return s.get(Organization, organization_id).retention_years


def save_retention_years(s: Session, *, actor: Actor, organization_id: int, years: int) -> None:
    """How long the data of an inactive household is kept (its administrators only)."""
    actor.require_staff(organization_id, "admin")
    if not 1 <= years <= 10:
        raise InvalidInput("La durée de conservation est comprise entre 1 et 10 ans.", field="years")
    org = s.get(Organization, organization_id)
    org.retention_years = years
    s.add(org)
    audit.record(s, actor=actor, action="retention.save", organization_id=organization_id,
                 object_type="organization", object_id=organization_id, years=years)
