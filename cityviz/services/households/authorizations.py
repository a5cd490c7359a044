"""« Autorisations » per child and school year: droit à l'image, sortie seul(e) (from what time),
personnes autorisées à venir chercher l'enfant (name, phone, relation), soins d'urgence,
transport. A guardian answers and signs (name, date and time); a new school year asks again.
Staff see them on the child's dossier and on the daily lists."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import ChildAuthorization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.formatting import format_datetime
from cityviz.services.inputs import clean

MAX_PICKUPS = 6


def school_year(day: date) -> int:
    """The school year a day belongs to, by the year it starts (from August on: the new one)."""
    return day.year if day.month >= 8 else day.year - 1


def parse_time(text: str) -> int | None:
    text = str(text or "").strip()
    if not text:
        return None
    try:
        hours, minutes = (int(part) for part in text.split(":")[:2])
    except ValueError as exc:
        raise InvalidInput("Heure invalide (exemple : 16:30).", field="leave_alone_from") from exc
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise InvalidInput("Heure invalide (exemple : 16:30).", field="leave_alone_from")
    return hours * 60 + minutes


def parse_pickups(rows: list[tuple[str, str, str]]) -> str:
    lines = []
    for name, phone, relation in rows:
        name, phone, relation = clean(name, 80), clean(phone, 20), clean(relation, 40)
        if not (name or phone or relation):
            continue
        if not (name and phone and relation):
            raise InvalidInput("Pour chaque personne autorisée : nom, téléphone et lien avec l'enfant.",
                               field="pickups")
        lines.append(f"{name} ; {phone} ; {relation}")
    if len(lines) > MAX_PICKUPS:
        raise InvalidInput(f"{MAX_PICKUPS} personnes autorisées au plus.", field="pickups")
    return "\n".join(lines)


def sign_authorizations(s: Session, *, actor: Actor, child_id: int, image: bool, leave_alone: bool,
                        leave_alone_from: str, pickups: list[tuple[str, str, str]], emergency_care: bool,
                        transport: bool) -> None:
    """A guardian answers and signs for the current school year (signing again replaces the answers)."""
    household_id = actor.require_household()
    child = s.get(Person, child_id)
    if child is None or child.household_id != household_id or child.role != "child":
        raise AccessDenied()
    guardian = s.get(Person, actor.person_id) if actor.person_id else None
    if guardian is None or guardian.role != "guardian":
        raise AccessDenied()
    start = parse_time(leave_alone_from) if leave_alone else None
    if leave_alone and start is None:
        raise InvalidInput("Indiquez à partir de quelle heure l'enfant peut sortir seul(e).", field="leave_alone_from")
    year = school_year(clock.today())
    row = s.exec(select(ChildAuthorization).where(ChildAuthorization.child_id == child.id,
                                                  ChildAuthorization.school_year == year)).first()
    row = row or ChildAuthorization(child_id=child.id, household_id=household_id, school_year=year,
                                    signed_by_name="", signed_at=clock.now())
    row.image, row.leave_alone, row.leave_alone_from = bool(image), bool(leave_alone), start
    row.pickups, row.emergency_care, row.transport = parse_pickups(pickups), bool(emergency_care), bool(transport)
    row.signed_by_name = f"{guardian.first_name} {guardian.last_name}"
    row.signed_by_id, row.signed_at = actor.user_id, clock.now()
    s.add(row)


@dataclasses.dataclass(frozen=True)
class AuthorizationView:
    child_id: int
    year: str  # "2026-2027"
    signed: bool
    image: bool
    leave_alone: bool
    leave_alone_from: str  # "16:30"
    pickups: list[list[str]]  # [name, phone, relation]
    emergency_care: bool
    transport: bool
    signature: str  # "Signé par Audrey NOIRET le 05/10/2026 à 10:00"
    summary: str


def _hhmm(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def summary(row: ChildAuthorization | None) -> str:
    """One line for the daily lists."""
    if row is None:
        return "Autorisations non signées"
    parts = [("Image : oui" if row.image else "Image : non"),
             (f"Sortie seul(e) dès {_hhmm(row.leave_alone_from).replace(':', 'h')}" if row.leave_alone
              else "Ne sort pas seul(e)")]
    people = [line.split(" ; ")[0] for line in row.pickups.splitlines() if line]
    if people:
        parts.append("Autorisés : " + ", ".join(people))
    parts.append("Soins d'urgence : " + ("oui" if row.emergency_care else "non"))
    parts.append("Transport : " + ("oui" if row.transport else "non"))
    return " · ".join(parts)


def _view(child_id: int, year: int, row: ChildAuthorization | None) -> AuthorizationView:
    return AuthorizationView(
        child_id=child_id, year=f"{year}-{year + 1}", signed=row is not None, image=bool(row and row.image),
        leave_alone=bool(row and row.leave_alone), leave_alone_from=_hhmm(row.leave_alone_from) if row else "",
        pickups=[line.split(" ; ") for line in row.pickups.splitlines() if line] if row else [],
        emergency_care=bool(row and row.emergency_care), transport=bool(row and row.transport),
        signature=f"Signé par {row.signed_by_name} le {format_datetime(row.signed_at)}" if row else "",
        summary=summary(row))


def household_authorizations(s: Session, *, actor: Actor) -> list[AuthorizationView]:
    """The parent's children, with this school year's answers (unsigned ones included)."""
    household_id = actor.require_household()
    year = school_year(clock.today())
    children = s.exec(select(Person.id).where(Person.household_id == household_id, Person.role == "child")
                      .order_by(Person.birth_date, Person.id)).all()
    rows = current(s, list(children))
    return [_view(c, year, rows.get(c)) for c in children]


def current(s: Session, child_ids: list[int]) -> dict[int, ChildAuthorization]:
    """This school year's signed authorizations of the children (callers check access)."""
    if not child_ids:
        return {}
    year = school_year(clock.today())
    return {r.child_id: r for r in s.exec(select(ChildAuthorization).where(
        col(ChildAuthorization.child_id).in_(child_ids), ChildAuthorization.school_year == year)).all()}
