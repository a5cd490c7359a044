"""Accounts are created by invitation only: staff by the platform
administrator (or an organization's admin), families by staff or the CLI."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import Enrollment, Household, Invitation, Organization, Person, StaffMembership, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts import passwords
from cityviz.services.accounts.actor import ROLES, Actor
from cityviz.services.accounts.auth import normalize_email
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from cityviz.services.formatting import format_datetime

INVITATION_TTL = timedelta(days=7)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclasses.dataclass(frozen=True)
class Invited:
    user_id: int
    email: str
    temporary_password: str  # shown by the CLI when no SMTP is configured


def _check_email(email: str) -> str:
    email = normalize_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("Adresse e-mail invalide.", field="email")
    return email


def _check_name(value: str, label: str, field: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > 80:
        raise InvalidInput(f"Indiquez le {label} (80 caractères au plus).", field=field)
    return value


def _new_user(s: Session, email: str, **fields) -> User:
    if s.exec(select(User).where(User.email == email)).first():
        raise InvalidInput("Un compte existe déjà avec cette adresse e-mail.", field="email")
    user = User(email=email, created_at=clock.now(), **fields)
    s.add(user)
    s.flush()
    return user


def _invite(s: Session, *, actor: Actor, user: User, organization: Organization | None, staff: bool,
            fresh: bool = False) -> Invited:
    """Revoke earlier invitations (none for a `fresh` account), make a temporary password, mail it."""
    now = clock.now()
    if not fresh:
        s.execute(
            update(Invitation)
            .where(col(Invitation.user_id) == user.id, col(Invitation.used_at).is_(None),
                   col(Invitation.revoked_at).is_(None))
            .values(revoked_at=now)
        )
    temporary = passwords.new_temporary_password()
    invitation = Invitation(
        user_id=user.id,
        temp_password_hash=passwords.token_hash(temporary),
        organization_id=organization.id if organization else None,
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    s.add(invitation)
    user.must_change_password = True
    s.add(user)
    who = organization.name if organization else "Cityviz Enfance"
    space = "à l'espace agents" if staff else "au portail familles"
    mail.queue_email(
        s,
        to=user.email,
        subject=f"Votre accès {space} Cityviz Enfance",
        organization_id=organization.id if organization else None,
        action_label="Me connecter",
        body=(
            f"Bonjour,\n\n{who} vous donne accès {space} Cityviz Enfance.\n\n"
            f"Adresse : {config.get().public_url}/connexion\n"
            f"Identifiant : {user.email}\n"
            f"Mot de passe temporaire : {mail.secret(temporary)}\n\n"
            "Ce mot de passe ne fonctionne qu'une seule fois et expire le "
            f"{format_datetime(invitation.expires_at)}. À votre première connexion, vous "
            "choisirez votre propre mot de passe.\n\n"
            "Si vous n'attendiez pas ce message, vous pouvez l'ignorer.\n"
        ),
    )
    household_id = None
    if not staff and user.person_id is not None:
        person = s.get(Person, user.person_id)
        household_id = person.household_id if person else None
    audit.record(s, actor=actor, action="account.invite", organization_id=invitation.organization_id,
                 object_type="user", object_id=user.id, email=user.email, household_id=household_id)
    return Invited(user_id=user.id, email=user.email, temporary_password=temporary)


def create_staff(
    s: Session, *, actor: Actor, organization_id: int, email: str, display_name: str, role: str = "agent"
) -> Invited:
    """A staff account for an organization (platform admin, or that organization's admin)."""
    if not actor.is_platform_admin:
        actor.require_capability(organization_id, "team")
    if role not in ROLES:
        raise InvalidInput("Rôle inconnu.", field="role")
    organization = s.get(Organization, organization_id)
    if organization is None:
        raise NotFound("Organisation introuvable.")
    email = _check_email(email)
    display_name = _check_name(display_name, "nom", "display_name")
    user = _new_user(s, email, display_name=display_name)
    s.add(StaffMembership(user_id=user.id, organization_id=organization.id, role=role,
                          created_at=clock.now()))
    return _invite(s, actor=actor, user=user, organization=organization, staff=True)


def invite_guardian(
    s: Session,
    *,
    actor: Actor,
    email: str,
    first_name: str,
    last_name: str,
    organization_id: int | None = None,
    household_id: int | None = None,
) -> Invited:
    """Invite a parent: into an existing household, or a new one.

    Staff invite on behalf of their organization (which then knows the
    household); the platform (CLI) may invite with or without one.
    """
    if not actor.is_platform_admin:
        if organization_id is None:
            raise AccessDenied()
        actor.require_capability(organization_id, "families")
    organization = s.get(Organization, organization_id) if organization_id else None
    if organization_id is not None and organization is None:
        raise NotFound("Organisation introuvable.")
    email = _check_email(email)
    first_name = _check_name(first_name, "prénom", "first_name")
    last_name = _check_name(last_name, "nom", "last_name").upper()
    now = clock.now()
    if household_id is None:
        household = Household(created_at=now, created_by_organization_id=organization_id)
        s.add(household)
        s.flush()
        household_id = household.id
    elif s.get(Household, household_id) is None:
        raise NotFound("Foyer introuvable.")
    person = Person(household_id=household_id, role="guardian", first_name=first_name,
                    last_name=last_name, email=email, created_at=now)
    s.add(person)
    s.flush()
    user = _new_user(s, email, person_id=person.id)
    return _invite(s, actor=actor, user=user, organization=organization, staff=False)


def send_invitation(s: Session, *, actor: Actor, user: User, organization_id: int) -> Invited:
    """Staff (re)invite a family's guardian on behalf of their organization."""
    actor.require_capability(organization_id, "families")
    organization = s.get(Organization, organization_id)
    return _invite(s, actor=actor, user=user, organization=organization, staff=False)


def invite_new_guardians(s: Session, *, actor: Actor, users: list[User], organization_id: int) -> int:
    """Invite accounts just created for families (an import): one invitation and one e-mail each,
    written in one go (no query per account)."""
    actor.require_capability(organization_id, "families")
    organization = s.get(Organization, organization_id)
    with s.no_autoflush:
        for user in users:
            _invite(s, actor=actor, user=user, organization=organization, staff=False, fresh=True)
    s.flush()
    return len(users)


def invite_household_member(s: Session, *, actor: Actor, person_id: int) -> Invited:
    """A parent invites another guardian of their own household."""
    person = s.get(Person, person_id)
    if person is None:
        raise NotFound("Personne introuvable.")
    actor.require_household(person.household_id)
    if person.role != "guardian":
        raise InvalidInput("Seuls les responsables du foyer peuvent avoir un compte.")
    email = _check_email(person.email)
    user = s.exec(select(User).where(User.person_id == person.id)).first()
    if user is None:
        user = _new_user(s, email, person_id=person.id)
    elif user.password_hash is not None:
        raise InvalidInput("Cette personne a déjà un compte actif.")
    return _invite(s, actor=actor, user=user, organization=None, staff=False)


def _user_known_to(s: Session, user: User, organization_id: int) -> bool:
    """Staff of the organization, or a guardian of a household it knows."""
    if user.person_id is None:
        return s.exec(select(StaffMembership).where(
            StaffMembership.user_id == user.id,
            StaffMembership.organization_id == organization_id)).first() is not None
    person = s.get(Person, user.person_id)
    household = s.get(Household, person.household_id)
    if household.created_by_organization_id == organization_id:
        return True
    return s.exec(select(Enrollment.id).where(
        Enrollment.household_id == household.id,
        Enrollment.organization_id == organization_id)).first() is not None


def reinvite(s: Session, *, actor: Actor, user_id: int, organization_id: int | None = None) -> Invited:
    """A new temporary password (the previous one stops working)."""
    if organization_id is not None:
        if organization_id not in actor.roles:
            raise AccessDenied()
    else:
        actor.require_platform_admin()
    user = s.get(User, user_id)
    # Another organization's account is refused like a missing one: ids cannot be probed.
    if user is None or (organization_id is not None and not _user_known_to(s, user, organization_id)):
        raise NotFound("Compte introuvable.")
    if organization_id is not None:  # a colleague's access is the team's business; a family's, the families'
        actor.require_capability(organization_id, "team" if user.person_id is None else "families")
    organization = s.get(Organization, organization_id) if organization_id else None
    return _invite(s, actor=actor, user=user, organization=organization,
                   staff=user.person_id is None)
