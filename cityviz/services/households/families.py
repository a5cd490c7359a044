"""Families seen by an organization's staff: create a known family before
inviting it, list and search families, invite their guardians."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Enrollment, EnrollmentEvent, Household, Person, User
from cityviz.models.households import fold
from cityviz.services import audit
from cityviz.services.accounts import invitations
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from cityviz.services.households import files, scope
from cityviz.services.households.people import child_fields, parse_phone
from cityviz.services.inputs import bounded, require_name

PER_PAGE = 20


def _open_dossier(s: Session, actor: Actor, person: Person, organization_id: int) -> None:
    now = clock.now()
    enrollment = Enrollment(person_id=person.id, household_id=person.household_id,
                            organization_id=organization_id, status="draft", created_at=now, updated_at=now)
    s.add(enrollment)
    s.flush()
    s.add(EnrollmentEvent(enrollment_id=enrollment.id, at=now, actor_id=actor.user_id, to_status="draft"))


def create_family(s: Session, *, actor: Actor, organization_id: int, civility: str, first_name: str,
                  last_name: str, email: str, phone_mobile: str = "", children: list[dict] | None = None,
                  invite: bool = True) -> int:
    """A household already known to the organization (the guardian and the
    children), with a dossier to finalise for each child; the guardian is
    invited when asked (and when an e-mail address is given)."""
    actor.require_capability(organization_id, "families")
    if civility not in ("Mme", "M."):
        raise InvalidInput("Choisissez la civilité du responsable.", field="civility")
    now = clock.now()
    guardian = Person(household_id=0, role="guardian", civility=civility,
                      first_name=require_name(first_name, "prénom du responsable", "first_name"),
                      last_name=require_name(last_name, "nom du responsable", "last_name").upper(),
                      email=bounded(email, 254, "Adresse e-mail", "email").lower(),
                      phone_mobile=parse_phone(phone_mobile, "numéro de portable", "phone_mobile"),
                      created_at=now)
    kids = [child_fields(**child) for child in (children or []) if any(str(v).strip() for v in child.values())]
    if invite and not guardian.email:
        raise InvalidInput("Indiquez l'adresse e-mail du responsable pour l'inviter.", field="email")
    household = Household(created_at=now, created_by_organization_id=organization_id)
    s.add(household)
    s.flush()
    guardian.household_id = household.id
    s.add(guardian)
    s.flush()
    _open_dossier(s, actor, guardian, organization_id)
    for values in kids:
        child = Person(household_id=household.id, role="child", created_at=now, **values)
        s.add(child)
        s.flush()
        _open_dossier(s, actor, child, organization_id)
    audit.record(s, actor=actor, action="family.create", organization_id=organization_id,
                 object_type="household", object_id=household.id, guardian=guardian.last_name,
                 children=len(kids))
    if invite:
        user = User(email=guardian.email, person_id=guardian.id, created_at=now)
        if s.exec(select(User.id).where(User.email == guardian.email)).first():
            raise InvalidInput("Un compte existe déjà avec cette adresse e-mail.", field="email")
        s.add(user)
        s.flush()
        invitations.send_invitation(s, actor=actor, user=user, organization_id=organization_id)
    return household.id


def _starts_with(s: Session, column, prefix: str):
    """`column` starts with `prefix`, in a form the column's index serves: LIKE on
    PostgreSQL (a varchar_pattern_ops index), GLOB on SQLite (whose LIKE ignores case and
    so skips a plain index). What staff type is literal, never a wildcard."""
    if s.get_bind().dialect.name == "sqlite":
        return column.op("GLOB")("".join(f"[{c}]" if c in "*?[" else c for c in prefix) + "*")
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")


@dataclasses.dataclass(frozen=True)
class FamilyRow:
    household_id: int
    name: str
    guardians: str
    children: str
    account: str  # "Actif", "Invité", "Sans compte"
    guardian_id: int  # the first guardian (to invite)
    can_invite: bool


def list_families(s: Session, *, actor: Actor, organization_id: int, search: str = "",
                  page: int = 0) -> tuple[list[FamilyRow], int]:
    actor.require_capability(organization_id, "families")
    conditions = [scope.known_to(organization_id)]
    needle = fold(" ".join(str(search or "").split()))
    if needle:  # both sides folded: « lefevre », « LEFÈVRE » find « Lefèvre »
        matching = select(Person.household_id).where(_starts_with(s, col(Person.last_name_folded), needle))
        conditions.append(col(Household.id).in_(matching))
    total = s.exec(select(func.count()).select_from(Household).where(*conditions)).one()
    households = s.exec(select(Household.id).where(*conditions).order_by(col(Household.id).desc())
                        .offset(max(page, 0) * PER_PAGE).limit(PER_PAGE)).all()
    people = s.exec(select(Person).where(col(Person.household_id).in_(households))
                    .order_by(Person.id)).all()
    accounts_by_person = {u.person_id: u for u in s.exec(select(User).where(
        col(User.person_id).in_([p.id for p in people]))).all()}
    rows = []
    for household_id in households:
        members = [p for p in people if p.household_id == household_id]
        guardians = [p for p in members if p.role == "guardian"]
        kids = [p for p in members if p.role == "child"]
        users = [accounts_by_person.get(g.id) for g in guardians]
        account = ("Actif" if any(u and u.password_hash for u in users)
                   else "Invité" if any(users) else "Sans compte")
        first = guardians[0] if guardians else None
        rows.append(FamilyRow(
            household_id=household_id, name=first.last_name if first else "",
            guardians=", ".join(f"{g.first_name} {g.last_name}" for g in guardians),
            children=", ".join(k.first_name for k in kids) or "—", account=account,
            guardian_id=first.id if first else 0,
            can_invite=bool(first and first.email) and account != "Actif"))
    return rows, total


def invite_guardian(s: Session, *, actor: Actor, organization_id: int, person_id: int) -> invitations.Invited:
    """(Re)send the invitation of a family's guardian."""
    person = scope.require_known_person(s, actor, organization_id, person_id, role="guardian")
    if not person.email:
        raise InvalidInput("Ce responsable n'a pas d'adresse e-mail.")
    user = s.exec(select(User).where(User.person_id == person.id)).first()
    if user is None:
        if s.exec(select(User.id).where(User.email == person.email)).first():
            raise InvalidInput("Un compte existe déjà avec cette adresse e-mail.")
        user = User(email=person.email, person_id=person.id, created_at=clock.now())
        s.add(user)
        s.flush()
    elif user.password_hash is not None:
        raise InvalidInput("Ce responsable utilise déjà son compte.")
    return invitations.send_invitation(s, actor=actor, user=user, organization_id=organization_id)


def person_photo(s: Session, *, actor: Actor, person_id: int) -> bytes:
    """A member's photo: for their household, or staff of an organization that knows it."""
    if actor.household_id is None and not actor.is_staff:
        raise AccessDenied()  # neither a family nor a town's staff (the platform administrator)
    person = s.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None or not person.avatar_key or (
            actor.household_id != person.household_id
            and not any(scope.knows_household(s, org_id, person.household_id) for org_id in actor.roles)):
        raise NotFound(scope.UNKNOWN_PERSON)
    return files.read(person.avatar_key)


def family_name(s: Session, *, actor: Actor, organization_id: int, household_id: int) -> str:
    """« Famille MARTIN » for a household this organization knows (its page's title)."""
    scope.require_known_household(s, actor, organization_id, household_id)
    names = s.exec(select(Person.last_name).where(Person.household_id == household_id, Person.role == "guardian")
                   .order_by(Person.id)).all()
    return "Famille " + " / ".join(dict.fromkeys(names)) if names else f"Foyer n° {household_id}"
