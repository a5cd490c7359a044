"""What a re-enrolment (« Campagne d'inscription ») asks, part by part, and what changed.

At opening, each family's data of the current year is copied into its campaign dossier
(`snapshot_households`): guardians' contact details and the address, each child with the
school level moved up (PS → MS → … → CM2 → collège), health and diet, this year's
authorizations, and the documents to send again for the new year (document_validity's rules:
one valid for the school year, or ending before the new year starts, is asked again; one
without limit is kept). The family confirms or corrects each part; staff read the changes
field by field (« avant / après »). Values are strings ("1"/"" for yes/no) keyed by
"<owner>.<field>": `household.city`, `g12.email` (guardian 12), `c15.level` (child 15),
`a15.image` (child 15's authorizations).
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date

from sqlmodel import Session, col, select

from cityviz.models import ChildAuthorization, Document, DocumentRequirement, Enrollment, Household, Person
from cityviz.services.errors import InvalidInput
from cityviz.services.households import authorizations
from cityviz.services.households.people import DIETS, SCHOOL_LEVELS
from cityviz.services.inputs import clean

NEXT_LEVEL = {"TPS": "PS", "PS": "MS", "MS": "GS", "GS": "CP", "CP": "CE1", "CE1": "CE2", "CE2": "CM1",
              "CM1": "CM2", "CM2": "6e", "6e": "5e", "5e": "4e", "4e": "3e", "3e": "3e"}
COLLEGE = ("6e", "5e", "4e", "3e")
PARTS = {"contacts": "Responsables et adresse", "children": "Enfants et classes", "health": "Santé et régime",
         "authorizations": "Autorisations", "documents": "Pièces justificatives"}
# field -> (label, kind, part, max length); kind: text, email, tel, select, check, time, area
FIELDS = {
    "street": ("Adresse", "text", "contacts", 200), "postal_code": ("Code postal", "text", "contacts", 5),
    "city": ("Commune", "text", "contacts", 120),
    "email": ("E-mail", "email", "contacts", 254), "phone_mobile": ("Téléphone portable", "tel", "contacts", 20),
    "phone_other": ("Autre téléphone", "tel", "contacts", 20),
    "school": ("École", "text", "children", 120), "level": ("Classe à la rentrée", "select", "children", 10),
    "diet": ("Régime à la cantine", "select", "health", 20), "has_pai": ("PAI (projet d'accueil individualisé)",
                                                                         "check", "health", 1),
    "allergies": ("Allergies", "area", "health", 1000), "medical_notes": ("Informations médicales", "area",
                                                                          "health", 2000),
    "image": ("Droit à l'image", "check", "authorizations", 1), "leave_alone": ("Sortie seul(e)", "check",
                                                                                "authorizations", 1),
    "leave_alone_from": ("Sortie seul(e) à partir de", "time", "authorizations", 5),
    "pickups": ("Personnes autorisées (une par ligne : nom ; téléphone ; lien)", "area", "authorizations", 2000),
    "emergency_care": ("Soins d'urgence", "check", "authorizations", 1),
    "transport": ("Transport", "check", "authorizations", 1),
}
_KEY = re.compile(r"^(household|[gca]\d+)\.([a-z_]+)\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


def next_level(level: str) -> str:
    return NEXT_LEVEL.get(level, "")


def leaves_primary(level: str) -> bool:
    """A child at collège leaves the périscolaire of the primary schools."""
    return level in COLLEGE


def level_label(level: str) -> str:
    return f"{level} (collège)" if level in COLLEGE else level or "Non renseignée"


def part_of(key: str) -> str:
    return FIELDS[key.split(".", 1)[1]][2]


def _yes(value: bool) -> str:
    return "1" if value else ""


def _hhmm(minutes: int | None) -> str:
    return "" if minutes is None else f"{minutes // 60:02d}:{minutes % 60:02d}"


def new_year_start(school_year: int) -> date:
    return date(school_year, 9, 1)


def snapshot_households(s: Session, organization_id: int, school_year: int) -> dict[int, dict]:
    """The current year's data of every family with a validated child dossier with the
    organization, as each family's campaign dossier starts (household id -> snapshot)."""
    enrolled = s.exec(select(Enrollment.household_id, Enrollment.person_id).join(Person, Person.id == Enrollment.person_id)
                      .where(Enrollment.organization_id == organization_id, Enrollment.status == "validated",
                             Person.role == "child")).all()
    household_ids = sorted({h for h, _p in enrolled})
    if not household_ids:
        return {}
    child_ids = {p for _h, p in enrolled}
    households = {h.id: h for h in s.exec(select(Household).where(col(Household.id).in_(household_ids),
                                                                  col(Household.anonymised_at).is_(None))).all()}
    people = s.exec(select(Person).where(col(Person.household_id).in_(list(households)))
                    .order_by(Person.household_id, Person.birth_date, Person.id)).all()
    asked = authorizations.asked_for_children(s, sorted(child_ids))
    signed = {a.child_id: a for a in s.exec(select(ChildAuthorization).where(
        col(ChildAuthorization.household_id).in_(list(households)),
        ChildAuthorization.school_year == school_year - 1)).all()}
    requirements = s.exec(select(DocumentRequirement).where(DocumentRequirement.organization_id == organization_id,
                                                            DocumentRequirement.active == True)  # noqa: E712
                          .order_by(DocumentRequirement.position, DocumentRequirement.id)).all()
    on_file = {(d.household_id, d.requirement_id, d.person_id): d for d in s.exec(select(Document).where(
        col(Document.household_id).in_(list(households)), col(Document.superseded_at).is_(None),
        col(Document.requirement_id).in_([r.id for r in requirements]))).all()} if requirements else {}
    out: dict[int, dict] = {}
    for household_id, household in households.items():
        out[household_id] = {"fields": {"household.street": household.street,
                                        "household.postal_code": household.postal_code,
                                        "household.city": household.city},
                             "names": {}, "children": [], "documents": []}
    for p in people:
        snap = out.get(p.household_id)
        if snap is None:
            continue
        fields, names = snap["fields"], snap["names"]
        if p.role == "guardian":
            names[f"g{p.id}"] = f"{p.first_name} {p.last_name}"
            fields.update({f"g{p.id}.email": p.email, f"g{p.id}.phone_mobile": p.phone_mobile,
                           f"g{p.id}.phone_other": p.phone_other})
            continue
        if p.id not in child_ids:
            continue
        names[f"c{p.id}"] = names[f"a{p.id}"] = p.first_name
        level = next_level(p.school_level)
        snap["children"].append({"id": p.id, "name": f"{p.first_name} {p.last_name}", "level": p.school_level})
        fields.update({f"c{p.id}.school": p.school, f"c{p.id}.level": level, f"c{p.id}.diet": p.diet,
                       f"c{p.id}.has_pai": _yes(p.has_pai), f"c{p.id}.allergies": p.allergies,
                       f"c{p.id}.medical_notes": p.medical_notes})
        fields.update(_authorization_fields(p.id, signed.get(p.id), asked[p.id]))
    start = new_year_start(school_year)
    for household_id, snap in out.items():
        continuing = [c["id"] for c in snap["children"] if not leaves_primary(snap["fields"][f"c{c['id']}.level"])]
        for r in requirements:
            for person_id in (continuing if r.scope == "child" else [None]):
                reason = renewal_reason(r, on_file.get((household_id, r.id, person_id)), start)
                if reason:
                    snap["documents"].append({"requirement_id": r.id, "person_id": person_id, "reason": reason})
    return out


def _authorization_fields(child_id: int, a: ChildAuthorization | None, asked: tuple[str, ...]) -> dict[str, str]:
    """Last year's answers to the items asked for the child (the town's list: the same as the
    « Autorisations » page)."""
    values = {"image": _yes(a and a.image), "leave_alone": _yes(a and a.leave_alone),
              "leave_alone_from": _hhmm(a.leave_alone_from) if a else "", "pickups": a.pickups if a else "",
              "emergency_care": _yes(a and a.emergency_care), "transport": _yes(a and a.transport)}
    wanted = authorizations.answer_fields(asked)
    return {f"a{child_id}.{field}": value for field, value in values.items() if field in wanted}


def renewal_reason(requirement: DocumentRequirement, document: Document | None, start: date) -> str:
    """Why the document is asked again for the year starting on `start` ("" : the one on file stays)."""
    if document is None or document.status != "accepted":
        return "Pièce à fournir"
    if requirement.validity == "school_year":
        return "Valable une année scolaire : à renouveler"
    if document.valid_until is not None and document.valid_until < start:
        return f"Expire le {document.valid_until.strftime('%d/%m/%Y')}, avant la rentrée"
    return ""


def family_name(snapshot: dict) -> str:
    guardians = [name for key, name in snapshot["names"].items() if key.startswith("g")]
    return " et ".join(guardians[:2])[:170]


def dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# --- Values the family sends ---------------------------------------------------------------------

def checked_values(before: dict, part: str, values: dict[str, str]) -> dict[str, str]:
    """The part's fields, from what the family sent (keys outside the dossier's part are ignored;
    a checkbox left out is "no")."""
    out = {}
    for key, old in before["fields"].items():
        if part_of(key) != part:
            continue
        label, kind, _part, size = FIELDS[key.split(".", 1)[1]]
        raw = values.get(key, "")
        if kind == "check":
            out[key] = _yes(str(raw).lower() in ("1", "on", "true", "oui"))
            continue
        value = str(raw or "").replace("\r\n", "\n").strip() if kind == "area" else clean(raw, size + 1)
        if len(value) > size:
            raise InvalidInput(f"{label} : {size} caractères au plus.", field=key)
        field = key.split(".", 1)[1]
        if field == "level" and value not in ("", *SCHOOL_LEVELS):
            raise InvalidInput("Classe inconnue.", field=key)
        if field == "diet" and value not in ("", *DIETS):
            raise InvalidInput("Régime alimentaire inconnu.", field=key)
        if field == "email" and value and not _EMAIL.match(value):
            raise InvalidInput("Adresse e-mail invalide.", field=key)
        if field == "postal_code" and value and not (value.isdigit() and len(value) == 5):
            raise InvalidInput("Code postal : 5 chiffres.", field=key)
        if field == "leave_alone_from":
            value = _hhmm(authorizations.parse_time(value))
        if field == "pickups":
            value = authorizations.parse_pickups([tuple((line.split(";") + ["", ""])[:3])
                                                  for line in value.splitlines() if line.strip()])
        out[key] = value
    for key, value in out.items():
        if key.endswith(".leave_alone") and value and not out.get(key + "_from"):
            raise InvalidInput("Indiquez à partir de quelle heure l'enfant peut sortir seul(e).", field=key + "_from")
    return out


# --- What changed ---------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Change:
    part: str  # its French title
    field: str  # « Audrey NOIRET — Téléphone portable »
    before: str
    after: str


def label(snapshot: dict, key: str) -> str:
    owner, field = key.split(".", 1)
    who = "Adresse du foyer" if owner == "household" else snapshot["names"].get(owner, "")
    return f"{who} — {FIELDS[field][0]}"


def shown(key: str, value: str) -> str:
    field = key.split(".", 1)[1]
    kind = FIELDS[field][1]
    if kind == "check":
        return "Oui" if value else "Non"
    if field == "diet":
        return DIETS.get(value, "Aucun")
    if field == "level":
        return level_label(value)
    return value.replace("\n", " · ") or "—"


def changes(before: dict, after: dict) -> list[Change]:
    return [Change(PARTS[part_of(key)], label(before, key), shown(key, old), shown(key, after[key]))
            for key, old in before["fields"].items() if key in after and after[key] != old]
