"""« Importer des familles »: a CSV or Excel file checked line by line (preview, nothing written),
then imported in one transaction. A family is known by its guardian's e-mail: importing the same
file again updates the families and their children (known by first name and birth date), never
duplicates them. Invitations are sent only on request."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Enrollment, EnrollmentEvent, Household, Person, User
from cityviz.models.households import fold
from cityviz.services import audit
from cityviz.services.accounts import invitations
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput
from cityviz.services.households import import_files, scope
from cityviz.services.households.people import SCHOOL_LEVELS, parse_birth_date, parse_phone
from cityviz.services.inputs import clean

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
SHOWN = 200  # lines of the preview kept for the page (errors first)
_LEVELS = {level.upper(): level for level in SCHOOL_LEVELS}  # "6E" -> "6e"


@dataclasses.dataclass
class _Line:
    number: int
    email: str
    guardian: dict
    household: dict
    child: dict | None
    errors: list[str]


@dataclasses.dataclass(frozen=True)
class LinePreview:
    line: int
    family: str
    child: str
    action: str
    errors: str


@dataclasses.dataclass(frozen=True)
class ImportPreview:
    lines: list[LinePreview]  # the lines in error first, then the others, at most SHOWN
    total: int
    new_families: int
    updated_families: int
    new_children: int
    updated_children: int
    error_lines: int


def _date(text: str) -> str:
    """JJ/MM/AAAA (or AAAA-MM-JJ) -> ISO, "" when not a date."""
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if match:
        day, month, year = (int(x) for x in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return ""
    return text if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else ""


def _check(number: int, v: dict[str, str]) -> _Line:
    errors = []

    def need(key: str) -> str:
        value = clean(v.get(key, ""), 200)
        if not value:
            errors.append(f"{import_files.COLUMNS[key].split(' (')[0]} manquant")
        elif len(value) > 80 and key not in ("street", "city"):
            errors.append(f"{import_files.COLUMNS[key].split(' (')[0]} trop long (80 caractères au plus)")
        return value

    email = clean(v.get("email", ""), 254).lower()
    if not email:
        errors.append("E-mail du responsable manquant")
    elif not EMAIL.match(email):
        errors.append(f"E-mail invalide : {email}")
    civility = v.get("civility", "").replace("Monsieur", "M.").replace("Madame", "Mme")
    if civility not in ("", "Mme", "M.", "M"):
        errors.append(f"Civilité inconnue : {civility} (Mme ou M.)")
    guardian = dict(first_name=need("first_name"), last_name=need("last_name").upper(),
                    civility={"M": "M."}.get(civility, civility) or None, phone_mobile="")
    try:
        guardian["phone_mobile"] = parse_phone(v.get("phone", ""), "numéro de portable", "phone")
    except InvalidInput as exc:
        errors.append(exc.message.rstrip("."))
    postal = v.get("postal_code", "").replace(" ", "")
    if postal.isdigit() and len(postal) == 4:
        postal = "0" + postal  # a spreadsheet drops the leading zero (01000)
    if postal and not (postal.isascii() and postal.isdigit() and len(postal) == 5):
        errors.append(f"Code postal invalide : {v.get('postal_code')} (5 chiffres)")
    household = dict(street=clean(v.get("street", ""), 200), postal_code=postal, city=clean(v.get("city", ""), 120))
    child = None
    if any(v.get(k) for k in ("child_first_name", "child_last_name", "birth_date", "sex", "school_level")):
        child = dict(first_name=need("child_first_name"),
                     last_name=(clean(v.get("child_last_name", ""), 80) or guardian["last_name"]).upper(),
                     sex=v.get("sex", "").upper()[:1], allergies=str(v.get("allergies", "")).strip()[:1000],
                     school_level=_LEVELS.get(v.get("school_level", "").upper(), v.get("school_level", "")))
        if child["sex"] not in ("F", "M"):
            errors.append("Sexe de l'enfant manquant ou inconnu (F ou M)")
        if child["school_level"] and child["school_level"] not in SCHOOL_LEVELS:
            errors.append(f"Classe inconnue : {v.get('school_level')} (attendu : {', '.join(SCHOOL_LEVELS)})")
        try:
            child["birth_date"] = parse_birth_date(_date(v.get("birth_date", "")))
        except InvalidInput as exc:
            errors.append(exc.message.rstrip(".").replace("Indiquez la date", "Date") + f" : {v.get('birth_date')}"
                          if v.get("birth_date") else "Date de naissance de l'enfant manquante")
    return _Line(number, email, guardian, household, child, errors)


@dataclasses.dataclass
class _Plan:
    lines: list[_Line]
    families: dict[str, list[_Line]]  # e-mail -> its lines
    existing: dict[str, int]  # e-mail -> household id of a family the organization knows
    children: dict[int, dict[tuple[str, date], Person]]  # household -> (first name, birth date) -> child


def _plan(s: Session, organization_id: int, filename: str, data: bytes) -> _Plan:
    lines = [_check(number, values) for number, values in import_files.read_lines(filename, data)]
    by_email: dict[str, list[_Line]] = defaultdict(list)
    for line in lines:
        if line.email and not line.errors:
            first = by_email[line.email][0] if by_email[line.email] else None
            if first and (first.guardian["first_name"], first.guardian["last_name"]) != (
                    line.guardian["first_name"], line.guardian["last_name"]):
                line.errors.append(f"E-mail déjà donné à la ligne {first.number} pour un autre responsable")
                continue
            by_email[line.email].append(line)
    emails = list(by_email)
    existing, used = {}, set()
    for chunk in (emails[i:i + 500] for i in range(0, len(emails), 500)):
        for email, household_id in s.exec(select(func.lower(Person.email), Person.household_id).where(
                func.lower(Person.email).in_(chunk), Person.role == "guardian")).all():
            existing.setdefault(email, household_id)
        used |= set(s.exec(select(User.email).where(col(User.email).in_(chunk))).all())
    known = set()
    ids = list(set(existing.values()))
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        known |= set(s.exec(select(Household.id).where(col(Household.id).in_(chunk),
                                                       scope.known_to(organization_id))).all())
    for email in [e for e in emails if (e in existing and existing[e] not in known) or (e in used and e not in existing)]:
        for line in by_email.pop(email):
            line.errors.append(f"E-mail déjà utilisé par un autre compte : {email}")
        existing.pop(email, None)
    children: dict[int, dict] = defaultdict(dict)
    ids = [existing[e] for e in by_email if e in existing]
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for child in s.exec(select(Person).where(col(Person.household_id).in_(chunk), Person.role == "child")).all():
            children[child.household_id][(child.first_name.upper(), child.birth_date)] = child
    return _Plan(lines, dict(by_email), {e: h for e, h in existing.items() if e in by_email}, children)


def _child_key(child: dict) -> tuple[str, date]:
    return child["first_name"].upper(), child["birth_date"]


def preview_import(s: Session, *, actor: Actor, organization_id: int, filename: str, data: bytes) -> ImportPreview:
    """What « Importer » would do, line by line, with each line's errors in French. Writes nothing."""
    actor.require_capability(organization_id, "families")
    plan = _plan(s, organization_id, filename, data)
    shown, new_children, updated_children = [], 0, 0
    for line in plan.lines:
        household = plan.existing.get(line.email)
        action = "Erreur" if line.errors else ("Mise à jour" if household else "Nouvelle famille")
        if line.child and not line.errors:
            found = household and _child_key(line.child) in plan.children.get(household, {})
            new_children, updated_children = new_children + (not found), updated_children + bool(found)
        shown.append(LinePreview(line.number, f"{line.guardian['last_name']} {line.guardian['first_name']}".strip(),
                                 f"{line.child['first_name']}" if line.child else "", action, " ; ".join(line.errors)))
    shown.sort(key=lambda x: (x.action != "Erreur", x.line))
    errors = sum(1 for x in plan.lines if x.errors)
    return ImportPreview(shown[:SHOWN], len(plan.lines), len(set(plan.families) - set(plan.existing)),
                         len(plan.existing), new_children, updated_children, errors)


@dataclasses.dataclass(frozen=True)
class ImportResult:
    new_families: int
    updated_families: int
    new_children: int
    updated_children: int
    invited: int


def _insert(s: Session, model, rows: list[dict]) -> list[int]:
    """One multi-row INSERT … RETURNING id; the new ids in the rows' order."""
    if not rows:
        return []
    table = model.__table__
    keys = {k for row in rows for k in row}  # one executemany needs the same columns in every row
    missing = {k: (table.c[k].default.arg if table.c[k].default is not None else None) for k in keys}
    rows = [{**missing, **row} for row in rows]
    return [r[0] for r in s.connection().execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)]


def import_families(s: Session, *, actor: Actor, organization_id: int, filename: str, data: bytes,
                    invite: bool = False) -> ImportResult:
    """Import the file (only when no line is in error); `invite`: e-mail an invitation to each
    guardian without an account yet."""
    actor.require_capability(organization_id, "families")
    plan = _plan(s, organization_id, filename, data)
    errors = [x for x in plan.lines if x.errors]
    if errors:
        raise InvalidInput(f"{len(errors)} ligne(s) en erreur (ligne {errors[0].number} : {errors[0].errors[0]}) : "
                           "corrigez le fichier puis prévisualisez-le de nouveau. Rien n'a été importé.", field="file")
    now, new_people, updated = clock.now(), [], 0
    fresh = [e for e in plan.families if e not in plan.existing]
    # New rows by plain multi-row INSERTs (thousands of families: no ORM object per row).
    new_homes = _insert(s, Household, [dict(created_at=now, created_by_organization_id=organization_id,
                                            **plan.families[e][0].household) for e in fresh])
    household_ids = {**plan.existing, **dict(zip(fresh, new_homes))}
    guardians = {g.email.lower(): g for g in s.exec(select(Person).where(
        col(Person.household_id).in_(list(plan.existing.values())), Person.role == "guardian"))} \
        if plan.existing else {}
    for email, household_id in plan.existing.items():
        household = s.get(Household, household_id)
        for key, value in plan.families[email][0].household.items():
            if value:
                setattr(household, key, value)
        s.add(household)
    for email, lines in plan.families.items():
        values = lines[0].guardian
        guardian = guardians.get(email)
        if guardian is None:
            new_people.append(dict(household_id=household_ids[email], role="guardian", email=email, created_at=now,
                                   **values))
        else:
            for key, value in values.items():
                if value or key in ("first_name", "last_name"):
                    setattr(guardian, key, value)
            s.add(guardian)
        seen: dict = dict(plan.children.get(household_ids[email], {}))
        for line in (x for x in lines if x.child):
            child = seen.get(_child_key(line.child))
            if child is None:
                seen[_child_key(line.child)] = row = dict(household_id=household_ids[email], role="child",
                                                          created_at=now, **line.child)
                new_people.append(row)
            elif isinstance(child, dict):  # the same child twice in the file
                child.update({k: v for k, v in line.child.items() if v})
            else:
                updated += 1
                for key, value in line.child.items():
                    if value:
                        setattr(child, key, value)
                s.add(child)
    s.flush()
    for row in new_people:  # the staff search's folded name (the ORM fills it on its own writes, not here)
        row["last_name_folded"] = fold(row["last_name"])[:80]
    people = _insert(s, Person, new_people)
    dossiers = _insert(s, Enrollment, [dict(person_id=p, household_id=row["household_id"],
                                            organization_id=organization_id, status="draft", created_at=now,
                                            updated_at=now) for p, row in zip(people, new_people)])
    if dossiers:
        s.connection().execute(insert(EnrollmentEvent.__table__), [
            dict(enrollment_id=d, at=now, actor_id=actor.user_id, to_status="draft") for d in dossiers])
    invited = _invite(s, actor, organization_id, plan, household_ids, now) if invite else 0
    result = ImportResult(len(fresh), len(plan.existing), sum(1 for p in new_people if p["role"] == "child"),
                          updated, invited)
    audit.record(s, actor=actor, action="import.families", organization_id=organization_id, object_type="import",
                 filename=clean(filename, 120), lines=len(plan.lines), created=result.new_families,
                 updated=result.updated_families, invited=invited)
    return result


def _invite(s: Session, actor: Actor, organization_id: int, plan: _Plan, household_ids: dict, now) -> int:
    guardians = s.exec(select(Person).where(col(Person.household_id).in_(list(household_ids.values())),
                                            Person.role == "guardian", col(Person.email).in_(list(plan.families)))).all()
    with_account = set(s.exec(select(User.person_id).where(col(User.person_id).in_([g.id for g in guardians]))).all())
    users = [User(email=g.email, person_id=g.id, created_at=now) for g in guardians if g.id not in with_account]
    s.add_all(users)
    s.flush()
    return invitations.invite_new_guardians(s, actor=actor, users=users, organization_id=organization_id)


def template(s: Session, *, actor: Actor, organization_id: int, kind: str) -> tuple[bytes, str]:
    """The file to fill in (CSV or Excel)."""
    actor.require_capability(organization_id, "families")
    return import_files.template(kind)
