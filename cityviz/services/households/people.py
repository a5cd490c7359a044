"""A household: its guardians' profile, its children, photos."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import phonenumbers
from sqlmodel import Session, col, select

from cityviz import clock, db
from cityviz.models import Household, Person, User
from cityviz.services.accounts import invitations
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from cityviz.services.households import files
from cityviz.services.inputs import bounded, clean, require_name

POSTAL_CODE = re.compile(r"^\d{5}\Z")
SCHOOL_LEVELS = ("TPS", "PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2", "6e", "5e", "4e", "3e")
MAX_CHILD_AGE = 18


def parse_phone(value: object, label: str, field: str, required: bool = False) -> str:
    """A French (or international) number stored as E.164, or a clear refusal."""
    raw = clean(value, 40)
    if not raw:
        if required:
            raise InvalidInput(f"Indiquez le {label}.", field=field)
        return ""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"Le {label} n'est pas valide (exemple : 06 12 34 56 78).", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """'+33612345678' -> '06 12 34 56 78' (international format abroad)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _own_person(s: Session, actor: Actor, person_id: int, role: str | None = None) -> Person:
    household_id = actor.require_household()
    person = s.get(Person, person_id)
    if person is None or person.household_id != household_id:
        raise AccessDenied()
    if role is not None and person.role != role:
        raise NotFound()
    return person


def profile_is_complete(person: Person, household: Household) -> bool:
    return bool(person.civility and person.first_name and person.last_name and household.street
                and household.postal_code and household.city and (person.phone_mobile or person.phone_other))


@dataclasses.dataclass(frozen=True)
class GuardianView:
    id: int
    civility: str
    first_name: str
    last_name: str
    email: str
    phone_mobile: str
    phone_other: str
    has_account: bool
    is_me: bool
    avatar_key: str


@dataclasses.dataclass(frozen=True)
class ProfileView:
    me: GuardianView
    street: str
    postal_code: str
    city: str
    complete: bool
    guardians: list[GuardianView]


def _guardian_view(person: Person, has_account: bool, me: bool) -> GuardianView:
    return GuardianView(id=person.id, civility=person.civility or "", first_name=person.first_name,
                        last_name=person.last_name, email=person.email,
                        phone_mobile=format_phone(person.phone_mobile),
                        phone_other=format_phone(person.phone_other), has_account=has_account, is_me=me,
                        avatar_key=person.avatar_key or "")


def get_profile(s: Session, *, actor: Actor) -> ProfileView:
    household_id = actor.require_household()
    household = s.get(Household, household_id)
    guardians = s.exec(select(Person).where(Person.household_id == household_id,
                                            Person.role == "guardian").order_by(Person.id)).all()
    with_account = set(s.exec(select(User.person_id).where(
        col(User.person_id).in_([g.id for g in guardians]))).all())
    views = [_guardian_view(g, g.id in with_account, g.id == actor.person_id) for g in guardians]
    me = next(v for v in views if v.is_me)
    person = next(g for g in guardians if g.id == actor.person_id)
    return ProfileView(me=me, street=household.street, postal_code=household.postal_code,
                       city=household.city, complete=profile_is_complete(person, household),
                       guardians=views)


def update_profile(s: Session, *, actor: Actor, civility: str, first_name: str, last_name: str,
                   street: str, postal_code: str, city: str, phone_mobile: str,
                   phone_other: str = "") -> None:
    """The logged-in guardian's details and the household's address."""
    person = _own_person(s, actor, actor.person_id or 0, role="guardian")
    if civility not in ("Mme", "M."):
        raise InvalidInput("Choisissez une civilité.", field="civility")
    first = require_name(first_name, "prénom", "first_name")
    last = require_name(last_name, "nom", "last_name").upper()
    street = bounded(street, 200, "Adresse", "street")
    city = bounded(city, 120, "Commune", "city")
    postal_code = clean(postal_code, 10).replace(" ", "")
    if not street:
        raise InvalidInput("Indiquez votre adresse (numéro et rue).", field="street")
    if not POSTAL_CODE.match(postal_code):
        raise InvalidInput("Le code postal doit comporter 5 chiffres.", field="postal_code")
    if not city:
        raise InvalidInput("Indiquez votre commune.", field="city")
    mobile = parse_phone(phone_mobile, "numéro de portable", "phone_mobile")
    other = parse_phone(phone_other, "numéro « Autre téléphone »", "phone_other")
    if not mobile and not other:
        raise InvalidInput("Indiquez au moins un numéro de téléphone.", field="phone_mobile")
    household = s.get(Household, person.household_id)
    person.civility, person.first_name, person.last_name = civility, first, last
    person.phone_mobile, person.phone_other = mobile, other
    household.street, household.postal_code, household.city = street, postal_code, city
    s.add(person)
    s.add(household)


def add_guardian(s: Session, *, actor: Actor, civility: str, first_name: str, last_name: str,
                 email: str, phone_mobile: str = "", invite: bool = True) -> invitations.Invited | None:
    """A second guardian in the household, with their own account when invited."""
    household_id = actor.require_household()
    if civility not in ("Mme", "M."):
        raise InvalidInput("Choisissez une civilité.", field="civility")
    existing = s.exec(select(Person).where(Person.household_id == household_id,
                                           Person.role == "guardian")).all()
    if len(existing) >= 4:
        raise InvalidInput("Un foyer compte au plus quatre responsables.")
    person = Person(household_id=household_id, role="guardian", civility=civility,
                    first_name=require_name(first_name, "prénom", "first_name"),
                    last_name=require_name(last_name, "nom", "last_name").upper(),
                    email=bounded(email, 254, "Adresse e-mail", "email").lower(),
                    phone_mobile=parse_phone(phone_mobile, "numéro de portable", "phone_mobile"),
                    created_at=clock.now())
    if invite and not person.email:
        raise InvalidInput("Indiquez son adresse e-mail pour l'inviter.", field="email")
    s.add(person)
    s.flush()
    if not invite:
        return None
    return invitations.invite_household_member(s, actor=actor, person_id=person.id)


@dataclasses.dataclass(frozen=True)
class ChildView:
    id: int
    first_name: str
    last_name: str
    birth_date: str  # dd/mm/yyyy
    birth_date_iso: str
    sex: str
    school: str
    school_level: str
    allergies: str
    medical_notes: str
    authorised_pickups: str
    avatar_key: str
    diet: str
    diet_label: str
    has_pai: bool
    pai_name: str


def _child_view(p: Person) -> ChildView:
    return ChildView(id=p.id, first_name=p.first_name, last_name=p.last_name,
                     birth_date=p.birth_date.strftime("%d/%m/%Y") if p.birth_date else "",
                     birth_date_iso=p.birth_date.isoformat() if p.birth_date else "", sex=p.sex or "",
                     school=p.school, school_level=p.school_level, allergies=p.allergies,
                     medical_notes=p.medical_notes, authorised_pickups=p.authorised_pickups,
                     avatar_key=p.avatar_key or "", diet=p.diet, diet_label=DIETS.get(p.diet, ""),
                     has_pai=p.has_pai, pai_name=p.pai_name if p.pai_key else "")


def list_children(s: Session, *, actor: Actor) -> list[ChildView]:
    household_id = actor.require_household()
    children = s.exec(select(Person).where(Person.household_id == household_id, Person.role == "child")
                      .order_by(Person.birth_date, Person.id)).all()
    return [_child_view(c) for c in children]


def parse_birth_date(value: object) -> date:
    try:
        born = date.fromisoformat(str(value or "").strip())
    except ValueError as exc:
        raise InvalidInput("Indiquez la date de naissance (jj/mm/aaaa).", field="birth_date") from exc
    today = clock.today()
    if born > today:
        raise InvalidInput("La date de naissance ne peut pas être dans le futur.", field="birth_date")
    if born < date(today.year - MAX_CHILD_AGE, today.month, 1):
        raise InvalidInput(f"Un enfant inscrit a moins de {MAX_CHILD_AGE} ans : vérifiez l'année de "
                           "naissance.", field="birth_date")
    return born


DIETS = {"no_pork": "Sans porc", "vegetarian": "Végétarien", "gluten_free": "Sans gluten",
         "packed_lunch": "Panier repas (PAI)"}


def child_fields(*, first_name: str, last_name: str, birth_date: str, sex: str, school: str = "",
                 school_level: str = "", allergies: str = "", medical_notes: str = "",
                 authorised_pickups: str = "", diet: str | None = None, has_pai: bool | None = None) -> dict:
    """Checked values of a child record (shared by parents and staff). `diet` and `has_pai` are
    changed only when given (a form without them leaves them as they are)."""
    health = {}
    if diet is not None:
        if diet and diet not in DIETS:
            raise InvalidInput("Régime alimentaire inconnu.", field="diet")
        health["diet"] = diet
    if has_pai is not None:
        health["has_pai"] = bool(has_pai)
    if health.get("diet") == "packed_lunch" and health.get("has_pai") is False:
        raise InvalidInput("Le panier repas est réservé aux enfants qui ont un PAI : cochez « PAI ».", field="diet")
    if sex not in ("F", "M"):
        raise InvalidInput("Indiquez s'il s'agit d'une fille ou d'un garçon.", field="sex")
    if school_level and school_level not in SCHOOL_LEVELS:
        raise InvalidInput("Classe inconnue.", field="school_level")
    return dict(first_name=require_name(first_name, "prénom", "first_name"),
                last_name=require_name(last_name, "nom", "last_name").upper(),
                birth_date=parse_birth_date(birth_date), sex=sex, school=bounded(school, 120, "École", "school"), school_level=school_level,
                allergies=bounded(allergies, 1000, "Allergies", "allergies", multiline=True),
                medical_notes=bounded(medical_notes, 2000, "Informations médicales", "medical_notes",
                                      multiline=True),
                authorised_pickups=bounded(authorised_pickups, 1000, "Personnes autorisées", "authorised_pickups",
                                           multiline=True), **health)


def save_child(s: Session, *, actor: Actor, child_id: int | None = None, **fields) -> int:
    """Add a child to the actor's household, or edit one of its children."""
    household_id = actor.require_household()
    values = child_fields(**fields)
    if child_id:
        child = _own_person(s, actor, child_id, role="child")
    else:
        child = Person(household_id=household_id, role="child", created_at=clock.now(), first_name="",
                       last_name="")
    for key, value in values.items():
        setattr(child, key, value)
    s.add(child)
    s.flush()
    return child.id


def attach_pai(s: Session, *, actor: Actor, child_id: int, filename: str, data: bytes) -> None:
    """The PAI document of a child (PDF, JPEG or PNG, 10 MB at most); a new one replaces the old."""
    child = _own_person(s, actor, child_id, role="child")
    with files.stored(data) as stored:
        old = child.pai_key
        child.pai_key, child.pai_type, child.pai_name = stored.key, stored.content_type, clean(filename, 200) or "pai"
        child.has_pai = True
        s.add(child)
        s.flush()
    if old:
        db.after_commit(s, lambda: files.delete(old))


def set_avatar(s: Session, *, actor: Actor, person_id: int, data: bytes) -> None:
    """A photo for a household member (square, small, metadata removed)."""
    person = _own_person(s, actor, person_id)
    picture = files.avatar_bytes(data)
    with files.stored(picture, files.IMAGE_TYPES) as stored:
        old = person.avatar_key
        person.avatar_key = stored.key
        s.add(person)
        s.flush()
    if old:
        db.after_commit(s, lambda: files.delete(old))
