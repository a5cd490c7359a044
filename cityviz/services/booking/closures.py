"""Closures (fermetures): days without activity. Bookings held on those
days are cancelled (never billed) and the families are told."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Activity, ActivitySession, Booking, Closure, Person, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import bookings
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date
from cityviz.services.inputs import bounded


@dataclasses.dataclass(frozen=True)
class ClosureResult:
    closure_id: int
    sessions: int
    cancelled: int
    households: int


def create_closure(s: Session, *, actor: Actor, organization_id: int, start: date, end: date, reason: str,
                   activity_id: int | None = None) -> ClosureResult:
    actor.require_capability(organization_id, "activities")
    reason = bounded(reason, 300, "Motif de la fermeture", "reason")
    if not reason:
        raise InvalidInput("Indiquez le motif de la fermeture : les familles le liront.", field="reason")
    if end < start:
        raise InvalidInput("La date de fin doit suivre la date de début.", field="end")
    if (end - start).days > 120:
        raise InvalidInput("Une fermeture dure au plus 120 jours.", field="end")
    if activity_id is not None:
        activity = s.get(Activity, activity_id)
        if activity is None or activity.organization_id != organization_id:
            raise NotFound("Activité introuvable.")
    now = clock.now()
    closure = Closure(organization_id=organization_id, activity_id=activity_id, start_date=start, end_date=end,
                      reason=reason, created_at=now, created_by_id=actor.user_id)
    s.add(closure)
    s.flush()
    query = (select(ActivitySession).join(Activity, Activity.id == ActivitySession.activity_id)
             .where(Activity.organization_id == organization_id, ActivitySession.date >= start,
                    ActivitySession.date <= end, col(ActivitySession.closure_id).is_(None))
             .order_by(ActivitySession.id).with_for_update())
    if activity_id is not None:
        query = query.where(ActivitySession.activity_id == activity_id)
    sessions = list(s.exec(query).all())
    cancelled: list[tuple[Row, ActivitySession]] = []
    for session in sessions:
        cancelled += [(b, session) for b in bookings.cancel_for_closure(s, session.id, closure.id, now)]
    households = _notify(s, cancelled, reason)
    audit.record(s, actor=actor, action="closure.create", organization_id=organization_id,
                 object_type="closure", object_id=closure.id, start=start, end=end, reason=reason,
                 cancelled=len(cancelled))
    return ClosureResult(closure.id, len(sessions), len(cancelled), households)


def _notify(s: Session, cancelled: list[tuple[Row, ActivitySession]], reason: str, *, lifted: bool = False) -> int:
    """One e-mail per household listing its cancelled dates (or, once the closure is lifted, the
    dates that open again, whose bookings stay cancelled)."""
    if not cancelled:
        return 0
    activities = {a.id: a.name for a in s.exec(select(Activity).where(
        col(Activity.id).in_({x.activity_id for _b, x in cancelled}))).all()}
    children = {p.id: p.first_name for p in s.exec(select(Person).where(
        col(Person.id).in_({b.child_id for b, _x in cancelled}))).all()}
    lines_by_household: dict[int, list[str]] = {}
    for booking, session in sorted(cancelled, key=lambda item: item[1].date):
        lines_by_household.setdefault(booking.household_id, []).append(
            f"- {format_date(session.date)} : {activities[session.activity_id]} ({children[booking.child_id]})")
    emails = s.exec(select(Person.household_id, User.email).join(User, User.person_id == Person.id)
                    .where(col(Person.household_id).in_(list(lines_by_household)))).all()
    for household_id, address in emails:
        if lifted:
            mail.queue_email(
                s, to=address, subject="Fermeture levée : vous pouvez réserver de nouveau",
                body=("Bonjour,\n\nLa fermeture annoncée (" + reason + ") est levée : ces dates sont de nouveau "
                      "ouvertes. Vos réservations annulées ne sont pas rétablies ; réservez de nouveau si besoin :\n"
                      + "\n".join(lines_by_household[household_id]) + "\n"))
            continue
        mail.queue_email(
            s, to=address, subject="Fermeture : réservations annulées",
            body=("Bonjour,\n\nEn raison d'une fermeture (" + reason + "), ces réservations sont annulées et "
                  "ne seront pas facturées :\n" + "\n".join(lines_by_household[household_id]) + "\n"))
    return len(lines_by_household)


def _dates(closure: Closure) -> str:
    if closure.start_date == closure.end_date:
        return format_date(closure.start_date)
    return f"du {format_date(closure.start_date)} au {format_date(closure.end_date)}"


@dataclasses.dataclass(frozen=True)
class LiftResult:
    sessions: int
    households: int


def lift_closure(s: Session, *, actor: Actor, closure_id: int) -> LiftResult:
    """Lift a closure: its dates open again (unless another closure covers them). The bookings
    it cancelled stay cancelled (families book again if they wish); those families are told."""
    closure = s.exec(select(Closure).where(Closure.id == closure_id).with_for_update()).first()
    if closure is None:
        raise NotFound("Fermeture introuvable.")
    actor.require_capability(closure.organization_id, "activities")
    if closure.lifted_at is not None:
        raise Conflict("Cette fermeture est déjà levée.")
    closure.lifted_at, closure.lifted_by_id = clock.now(), actor.user_id
    s.add(closure)
    others = s.exec(select(Closure).where(
        Closure.organization_id == closure.organization_id, Closure.id != closure.id,
        col(Closure.lifted_at).is_(None), Closure.start_date <= closure.end_date,
        Closure.end_date >= closure.start_date)).all()
    sessions = list(s.exec(select(ActivitySession).where(ActivitySession.closure_id == closure.id)
                           .order_by(ActivitySession.id).with_for_update()).all())
    for session in sessions:
        session.closure_id = next((o.id for o in others if o.start_date <= session.date <= o.end_date
                                   and o.activity_id in (None, session.activity_id)), None)
        s.add(session)
    reopened = [x for x in sessions if x.closure_id is None]
    s.flush()
    cancelled = s.exec(select(Booking, ActivitySession).join(ActivitySession, ActivitySession.id == Booking.session_id)
                       .where(col(Booking.session_id).in_([x.id for x in reopened]), Booking.status == "cancelled",
                              Booking.cancel_reason == "closure")).all() if reopened else []
    households = _notify(s, list(cancelled), closure.reason, lifted=True)
    audit.record(s, actor=actor, action="closure.lift", organization_id=closure.organization_id,
                 object_type="closure", object_id=closure.id, dates=_dates(closure), reopened=len(reopened),
                 households=households)
    return LiftResult(len(reopened), households)


@dataclasses.dataclass(frozen=True)
class ClosureRow:
    id: int
    dates: str
    scope: str
    reason: str
    lifted: str  # "" while in force, else "Levée le …"


def list_closures(s: Session, *, actor: Actor, organization_id: int) -> list[ClosureRow]:
    actor.require_capability(organization_id, "activities")
    rows = s.exec(select(Closure, Activity.name).outerjoin(Activity, Activity.id == Closure.activity_id)
                  .where(Closure.organization_id == organization_id)
                  .order_by(col(Closure.start_date).desc()).limit(100)).all()
    return [ClosureRow(id=c.id, dates=_dates(c), scope=name or "Toutes les activités", reason=c.reason,
                       lifted=f"Levée le {format_date(c.lifted_at.astimezone(clock.PARIS).date())}"
                       if c.lifted_at else "") for c, name in rows]
