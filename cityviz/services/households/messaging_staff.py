"""« Messagerie », the staff's side: the threads of their organization (« Messages en attente »
first), the answer, « Marquer comme traité », a message to one family or to every family of an
activity (« Sortie annulée »: one thread per household, written to the « Journal »).

Administrateur and agent only (the « messages » capability, actor.py); see messaging.py for the
family's side and who reaches what.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Activity, ActivityRegistration, Household, MessageThread, Person
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput, NotFound
from cityviz.services.households import messaging
from cityviz.services.households.messaging import ThreadRow, ThreadView, Upload
from cityviz.services.households.scope import require_known_household, require_some_staff

FILTERS = ("waiting", "all")
MAX_BROADCAST = 2000  # families of one activity written to at once


def _staff_thread(s: Session, actor: Actor, thread_id: int) -> MessageThread:
    require_some_staff(actor, "messages")  # a role that may not: refused whatever the id
    thread = s.get(MessageThread, thread_id) if isinstance(thread_id, int) else None
    if thread is None or not actor.can(thread.organization_id, "messages"):
        raise NotFound(messaging.UNKNOWN_THREAD)  # missing or another town's: alike
    return thread


def _family_names(s: Session, household_ids: list[int]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    if household_ids:
        for household_id, last_name in s.exec(select(Person.household_id, Person.last_name).where(
                col(Person.household_id).in_(household_ids), Person.role == "guardian").order_by(Person.id)).all():
            if last_name not in names.setdefault(household_id, []):
                names[household_id].append(last_name)
    return {h: "Famille " + " / ".join(names[h]) if names.get(h) else f"Foyer n° {h}" for h in household_ids}


def staff_waiting_count(s: Session, *, actor: Actor, organization_id: int) -> int:
    """« Messages en attente »: threads whose last message is the family's, not answered nor handled."""
    actor.require_capability(organization_id, "messages")
    return s.exec(select(func.count()).select_from(MessageThread).where(
        MessageThread.organization_id == organization_id, MessageThread.awaiting_staff == True)).one()  # noqa: E712


def staff_threads(s: Session, *, actor: Actor, organization_id: int, status: str = "waiting", page: int = 0,
                  per_page: int = 20, household_id: int | None = None) -> tuple[list[ThreadRow], int]:
    """One page of the organization's threads (awaiting an answer, or all), the latest first; the total."""
    actor.require_capability(organization_id, "messages")
    conditions = [MessageThread.organization_id == organization_id]
    if status == "waiting":
        conditions.append(MessageThread.awaiting_staff == True)  # noqa: E712
    if household_id is not None:
        conditions.append(MessageThread.household_id == household_id)
    total = s.exec(select(func.count()).select_from(MessageThread).where(*conditions)).one()
    rows = s.exec(select(MessageThread, Person.first_name).outerjoin(Person, Person.id == MessageThread.child_id)
                  .where(*conditions)
                  .order_by(col(MessageThread.last_message_at).desc(), col(MessageThread.id).desc())
                  .offset(max(page, 0) * per_page).limit(per_page)).all()
    names = _family_names(s, sorted({t.household_id for t, _c in rows}))
    return [ThreadRow(id=t.id, subject=t.subject, with_whom=names[t.household_id], child=child or "",
                      last=messaging.last_label(t.last_message_at), unread=t.awaiting_staff)
            for t, child in rows], total


def staff_thread(s: Session, *, actor: Actor, thread_id: int) -> tuple[ThreadView, str]:
    """The thread and the family's name."""
    thread = _staff_thread(s, actor, thread_id)
    return messaging.thread_view(s, thread), _family_names(s, [thread.household_id])[thread.household_id]


def reply_as_staff(s: Session, *, actor: Actor, thread_id: int, body: str,
                   attachments: Sequence[Upload] = ()) -> None:
    """« Répondre »: the thread is no longer waiting; the family is told by e-mail."""
    thread = _staff_thread(s, actor, thread_id)
    body, attachments = messaging.checked_body(body), messaging.checked_uploads(attachments)
    messaging.add_message(s, thread, actor=actor, kind="staff", body=body, attachments=attachments)
    messaging.tell_family(s, thread)


def mark_handled(s: Session, *, actor: Actor, thread_id: int) -> None:
    """« Marquer comme traité »: nothing to answer (a thank-you); out of « Messages en attente »."""
    thread = _staff_thread(s, actor, thread_id)
    thread.awaiting_staff = False
    s.add(thread)


def _new_thread(s: Session, actor: Actor, organization_id: int, household_id: int, subject: str, body: str,
                child_id: int | None = None, activity_id: int | None = None,
                attachments: Sequence[Upload] = ()) -> MessageThread:
    now = clock.now()
    thread = MessageThread(organization_id=organization_id, household_id=household_id, child_id=child_id,
                           activity_id=activity_id, subject=subject, started_by="staff", created_at=now,
                           last_message_at=now)
    s.add(thread)
    s.flush()
    messaging.add_message(s, thread, actor=actor, kind="staff", body=body, attachments=attachments)
    messaging.tell_family(s, thread)
    return thread


@dataclasses.dataclass(frozen=True)
class ComposeChoices:
    family: str  # "" when writing to an activity
    children: list[list[str]]  # [id, first name]
    activities: list[list[str]]  # [id, "name (N familles)"]


def compose_choices(s: Session, *, actor: Actor, organization_id: int,
                    household_id: int | None = None) -> ComposeChoices:
    """What « Nouveau message » offers: the family and its children, or the activities and their families."""
    actor.require_capability(organization_id, "messages")
    if household_id is not None:
        require_known_household(s, actor, organization_id, household_id, capability="messages")
        children = s.exec(select(Person.id, Person.first_name).where(Person.household_id == household_id,
                                                                     Person.role == "child").order_by(Person.id)).all()
        return ComposeChoices(family=_family_names(s, [household_id])[household_id],
                              children=[[str(i), n] for i, n in children], activities=[])
    counts = dict(s.exec(select(ActivityRegistration.activity_id, func.count(func.distinct(ActivityRegistration.household_id)))
                         .join(Activity, Activity.id == ActivityRegistration.activity_id)
                         .where(Activity.organization_id == organization_id,
                                col(ActivityRegistration.status).in_(["validated", "pending", "waiting"]))
                         .group_by(ActivityRegistration.activity_id)).all())
    activities = s.exec(select(Activity.id, Activity.name).where(Activity.organization_id == organization_id)
                        .order_by(Activity.name)).all()
    return ComposeChoices(family="", children=[], activities=[
        [str(i), f"{name} ({counts.get(i, 0)} famille{'s' if counts.get(i, 0) > 1 else ''})"] for i, name in activities])


def write_to_family(s: Session, *, actor: Actor, organization_id: int, household_id: int, subject: str, body: str,
                    child_id: int | None = None, attachments: Sequence[Upload] = ()) -> int:
    """A message to one family the organization knows; the new thread's id."""
    household = require_known_household(s, actor, organization_id, household_id, capability="messages")
    if child_id is not None:
        child = s.get(Person, child_id) if isinstance(child_id, int) else None
        if child is None or child.household_id != household.id or child.role != "child":
            raise InvalidInput("Choisissez un enfant de cette famille, ou « Sujet général ».", field="child_id")
    subject, body = messaging.checked_subject(subject), messaging.checked_body(body)
    attachments = messaging.checked_uploads(attachments)
    return _new_thread(s, actor, organization_id, household.id, subject, body, child_id=child_id,
                       attachments=attachments).id


def write_to_activity(s: Session, *, actor: Actor, organization_id: int, activity_id: int, subject: str,
                      body: str) -> int:
    """The same message to every family with a child registered (validated, pending or waiting) in the
    activity: one thread per household, each told by e-mail; written to the « Journal ». How many."""
    actor.require_capability(organization_id, "messages")
    if not activity_id:
        raise InvalidInput("Choisissez l'activité dont les familles recevront le message.", field="activity_id")
    activity = s.get(Activity, activity_id) if isinstance(activity_id, int) else None
    if activity is None or activity.organization_id != organization_id:
        raise NotFound("Activité introuvable dans votre organisation.")
    subject, body = messaging.checked_subject(subject), messaging.checked_body(body)
    household_ids = list(s.exec(select(ActivityRegistration.household_id).distinct()
                                .join(Household, Household.id == ActivityRegistration.household_id)
                                .where(ActivityRegistration.activity_id == activity.id,
                                       col(ActivityRegistration.status).in_(["validated", "pending", "waiting"]),
                                       col(Household.anonymised_at).is_(None))
                                .order_by(ActivityRegistration.household_id)).all())
    if not household_ids:
        raise InvalidInput(f"Aucune famille n'est inscrite à « {activity.name} » : il n'y a personne à qui écrire.",
                           field="activity_id")
    if len(household_ids) > MAX_BROADCAST:
        raise InvalidInput(f"Plus de {MAX_BROADCAST} familles : écrivez-leur en plusieurs fois.", field="activity_id")
    for household_id in household_ids:
        _new_thread(s, actor, organization_id, household_id, subject, body, activity_id=activity.id)
    audit.record(s, actor=actor, action="message.activity", organization_id=organization_id, object_type="activity",
                 object_id=activity.id, activity=activity.name, subject=subject, families=len(household_ids))
    return len(household_ids)
