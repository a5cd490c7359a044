"""Organizations and their staff."""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, select

from cityviz import clock
from cityviz.models import Organization, StaffMembership
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput
from cityviz.services.inputs import bounded

POSTAL_CODE = re.compile(r"^\d{5}\Z")


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def create_organization(
    s: Session, *, actor: Actor, name: str, postal_code: str, city: str, is_demo: bool = False
) -> Organization:
    actor.require_platform_admin()
    name, postal_code = bounded(name, 120, "Nom de l'organisation", "name"), str(postal_code or "").strip()
    city = bounded(city, 120, "Commune", "city")
    if not name:
        raise InvalidInput("Indiquez le nom de l'organisation (120 caractères au plus).", field="name")
    if not POSTAL_CODE.match(postal_code):
        raise InvalidInput("Le code postal doit comporter 5 chiffres.", field="postal_code")
    if not city:
        raise InvalidInput("Indiquez la commune.", field="city")
    slug = slugify(name)
    if s.exec(select(Organization).where(Organization.slug == slug)).first():
        raise InvalidInput("Une organisation porte déjà ce nom.", field="name")
    org = Organization(
        name=name,
        slug=slug,
        postal_code=postal_code,
        city=city,
        legal_name=name,
        is_demo=is_demo,
        created_at=clock.now(),
    )
    s.add(org)
    s.flush()
    audit.record(s, actor=actor, action="organization.create", organization_id=org.id,
                 object_type="organization", object_id=org.id, name=name)
    return org


def get_by_slug(s: Session, slug: str) -> Organization | None:
    return s.exec(select(Organization).where(Organization.slug == slug)).first()


def staff_organizations(s: Session, *, actor: Actor) -> list[tuple[int, str, str]]:
    """(id, name, role) of the organizations the actor works for."""
    if not actor.roles:
        return []
    rows = s.exec(
        select(Organization.id, Organization.name, StaffMembership.role)
        .join(StaffMembership, StaffMembership.organization_id == Organization.id)
        .where(StaffMembership.user_id == actor.user_id)
        .order_by(Organization.name)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]
