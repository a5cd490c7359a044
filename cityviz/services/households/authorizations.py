"""« Autorisations » per child and school year: droit à l'image, sortie seul(e) (from what time),
personnes autorisées à venir chercher l'enfant (name, phone, relation), soins d'urgence,
transport. A guardian answers and signs (name, date and time); a new school year asks again.
Staff see them on the child's dossier and on the daily lists.

Each town chooses which of the five it asks (`Organization.asked_authorizations`, all five by
default). A parent is asked, for each child, those asked by the organizations the child is
registered with (`asked_for_children`, also used by the re-enrolment campaign); an answer to an
item nobody asks is stored as "no"/empty. Staff read only the items their own town asks."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import ChildAuthorization, Enrollment, Organization, Person
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.formatting import format_datetime
from cityviz.services.inputs import clean

MAX_PICKUPS = 6
# The town's list: what each organization may ask (the labels of its settings page).
KINDS = {"image": "Droit à l'image", "leave_alone": "Sortie seul(e), à partir d'une heure",
         "pickups": "Personnes autorisées à venir chercher l'enfant", "emergency_care": "Soins d'urgence",
         "transport": "Transport"}
ALL_ASKED = tuple(KINDS)
# The answers each item fills (`ChildAuthorization` columns, and the re-enrolment's fields).
ANSWER_FIELDS = {"image": ("image",), "leave_alone": ("leave_alone", "leave_alone_from"), "pickups": ("pickups",),
                 "emergency_care": ("emergency_care",), "transport": ("transport",)}


def _parse_asked(text: str) -> tuple[str, ...]:
    chosen = set(text.split(","))
    return tuple(k for k in ALL_ASKED if k in chosen)


def asked_by(s: Session, organization_id: int) -> tuple[str, ...]:
    """The items an organization asks, in the list's order (callers check access)."""
    org = s.get(Organization, organization_id)
    return _parse_asked(org.asked_authorizations) if org else ALL_ASKED


def asked_for_children(s: Session, child_ids: list[int]) -> dict[int, tuple[str, ...]]:
    """Per child, the items asked by the organizations the child is registered with (their union;
    all five for a child registered nowhere yet). Callers check access."""
    if not child_ids:
        return {}
    rows = s.exec(select(Enrollment.person_id, Organization.asked_authorizations)
                  .join(Organization, Organization.id == Enrollment.organization_id)
                  .where(col(Enrollment.person_id).in_(child_ids), Enrollment.status != "rejected")).all()
    union: dict[int, set[str]] = {}
    for child_id, text in rows:
        union.setdefault(child_id, set()).update(_parse_asked(text))
    return {c: tuple(k for k in ALL_ASKED if k in union[c]) if c in union else ALL_ASKED for c in child_ids}


def answer_fields(asked: tuple[str, ...]) -> set[str]:
    """The answers the asked items fill (the others are stored as "no"/empty)."""
    return {f for kind in asked for f in ANSWER_FIELDS[kind]}


@dataclasses.dataclass(frozen=True)
class AskedView:
    asked: list[str]  # KINDS' keys
    editable: bool  # the actor is an administrator of the town


def organization_asked(s: Session, *, actor: Actor, organization_id: int) -> AskedView:
    """The items the town asks, for its settings page (« Pièces demandées »)."""
    role = actor.require_capability(organization_id, "documents")
    return AskedView(list(asked_by(s, organization_id)), role == "admin")


def save_organization_asked(s: Session, *, actor: Actor, organization_id: int, asked: list[str]) -> None:
    """The town chooses which authorizations it asks families (its administrators only)."""
    actor.require_staff(organization_id, "admin")
    unknown = set(asked) - set(ALL_ASKED)
    if unknown:
        raise InvalidInput("Autorisation inconnue.", field="asked")
    org = s.get(Organization, organization_id)
    org.asked_authorizations = ",".join(k for k in ALL_ASKED if k in set(asked))
    s.add(org)
    audit.record(s, actor=actor, action="authorizations.asked", organization_id=organization_id,
                 object_type="organization", object_id=organization_id, asked=org.asked_authorizations)


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
    asked = answer_fields(asked_for_children(s, [child.id])[child.id])
    image, leave_alone = "image" in asked and image, "leave_alone" in asked and leave_alone
    pickups = pickups if "pickups" in asked else []
    emergency_care, transport = "emergency_care" in asked and emergency_care, "transport" in asked and transport
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
    asked: list[str]  # the items asked for this child (KINDS' keys)


def _hhmm(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def summary(row: ChildAuthorization | None, asked: tuple[str, ...] = ALL_ASKED) -> str:
    """One line for the daily lists: the items `asked` (by the organization reading them)."""
    if not asked:
        return ""
    if row is None:
        return "Autorisations non signées"
    parts = []
    if "image" in asked:
        parts.append("Image : oui" if row.image else "Image : non")
    if "leave_alone" in asked:
        parts.append(f"Sortie seul(e) dès {_hhmm(row.leave_alone_from).replace(':', 'h')}" if row.leave_alone
                     else "Ne sort pas seul(e)")
    people = [line.split(" ; ")[0] for line in row.pickups.splitlines() if line]
    if "pickups" in asked and people:
        parts.append("Autorisés : " + ", ".join(people))
    if "emergency_care" in asked:
        parts.append("Soins d'urgence : " + ("oui" if row.emergency_care else "non"))
    if "transport" in asked:
        parts.append("Transport : " + ("oui" if row.transport else "non"))
    return " · ".join(parts)


def _view(child_id: int, year: int, row: ChildAuthorization | None, asked: tuple[str, ...]) -> AuthorizationView:
    return AuthorizationView(
        child_id=child_id, year=f"{year}-{year + 1}", signed=row is not None, image=bool(row and row.image),
        leave_alone=bool(row and row.leave_alone), leave_alone_from=_hhmm(row.leave_alone_from) if row else "",
        pickups=[line.split(" ; ") for line in row.pickups.splitlines() if line] if row else [],
        emergency_care=bool(row and row.emergency_care), transport=bool(row and row.transport),
        signature=f"Signé par {row.signed_by_name} le {format_datetime(row.signed_at)}" if row else "",
        summary=summary(row, asked), asked=list(asked))


def household_authorizations(s: Session, *, actor: Actor) -> list[AuthorizationView]:
    """The parent's children, with this school year's answers (unsigned ones included)."""
    household_id = actor.require_household()
    year = school_year(clock.today())
    children = s.exec(select(Person.id).where(Person.household_id == household_id, Person.role == "child")
                      .order_by(Person.birth_date, Person.id)).all()
    rows, asked = current(s, list(children)), asked_for_children(s, list(children))
    return [_view(c, year, rows.get(c), asked[c]) for c in children]


def current(s: Session, child_ids: list[int]) -> dict[int, ChildAuthorization]:
    """This school year's signed authorizations of the children (callers check access)."""
    if not child_ids:
        return {}
    year = school_year(clock.today())
    return {r.child_id: r for r in s.exec(select(ChildAuthorization).where(
        col(ChildAuthorization.child_id).in_(child_ids), ChildAuthorization.school_year == year)).all()}
