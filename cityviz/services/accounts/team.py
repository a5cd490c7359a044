"""« Équipe »: the organization's administrator invites colleagues, gives them a role and, to an
animateur, the activities whose attendance and daily lists they keep."""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from cityviz import clock
from cityviz.models import Activity, AuthSession, Invitation, StaffActivity, StaffMembership, User
from cityviz.services import audit
from cityviz.services.accounts import invitations
from cityviz.services.accounts.actor import ROLE_LABELS, ROLES, Actor
from cityviz.services.errors import Conflict, InvalidInput, NotFound


@dataclasses.dataclass(frozen=True)
class TeamMember:
    user_id: int
    name: str
    email: str
    role: str
    role_label: str
    activities: str  # an animateur's activities, comma separated
    activity_ids: list[str]
    status: str  # "Actif" / "Invitation envoyée"
    is_me: bool


def list_team(s: Session, *, actor: Actor, organization_id: int) -> list[TeamMember]:
    actor.require_capability(organization_id, "team")
    rows = s.exec(select(User, StaffMembership.role).join(StaffMembership, StaffMembership.user_id == User.id)
                  .where(StaffMembership.organization_id == organization_id)
                  .order_by(User.display_name, User.email)).all()
    assigned: dict[int, list[tuple[int, str]]] = {}
    for user_id, activity_id, name in s.exec(
            select(StaffActivity.user_id, Activity.id, Activity.name).join(Activity, Activity.id == StaffActivity.activity_id)
            .where(Activity.organization_id == organization_id).order_by(Activity.name)).all():
        assigned.setdefault(user_id, []).append((activity_id, name))
    return [TeamMember(user_id=u.id, name=u.display_name or u.email, email=u.email, role=role,
                       role_label=ROLE_LABELS[role], activities=", ".join(n for _i, n in assigned.get(u.id, [])),
                       activity_ids=[str(i) for i, _n in assigned.get(u.id, [])],
                       status="Invitation envoyée" if u.password_hash is None else "Actif",
                       is_me=u.id == actor.user_id) for u, role in rows]


def _role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput("Choisissez un rôle : Administrateur, Agent, Animateur ou Régisseur.", field="role")
    return role


def _activities(s: Session, organization_id: int, activity_ids: list[int]) -> list[int]:
    ids = sorted({int(i) for i in activity_ids})
    found = set(s.exec(select(Activity.id).where(col(Activity.id).in_(ids),
                                                 Activity.organization_id == organization_id)).all()) if ids else set()
    if found != set(ids):
        raise NotFound("Activité introuvable.")
    return ids


def _assign(s: Session, user_id: int, organization_id: int, activity_ids: list[int]) -> None:
    own = select(Activity.id).where(Activity.organization_id == organization_id)
    s.execute(delete(StaffActivity).where(col(StaffActivity.user_id) == user_id,
                                          col(StaffActivity.activity_id).in_(own)))
    for activity_id in activity_ids:
        s.add(StaffActivity(user_id=user_id, activity_id=activity_id, created_at=clock.now()))
    s.flush()


def invite_member(s: Session, *, actor: Actor, organization_id: int, email: str, display_name: str, role: str,
                  activity_ids: list[int] | None = None) -> invitations.Invited:
    """A new colleague: an account, the role, an animateur's activities, the invitation e-mail."""
    actor.require_capability(organization_id, "team")
    role = _role(role)
    ids = _activities(s, organization_id, activity_ids or []) if role == "animateur" else []
    invited = invitations.create_staff(s, actor=actor, organization_id=organization_id, email=email,
                                       display_name=display_name, role=role)
    _assign(s, invited.user_id, organization_id, ids)
    audit.record(s, actor=actor, action="staff.invite", organization_id=organization_id, object_type="user",
                 object_id=invited.user_id, email=invited.email, role=role, activities=ids)
    return invited


def _membership(s: Session, organization_id: int, user_id: int) -> StaffMembership:
    membership = s.exec(select(StaffMembership).where(StaffMembership.organization_id == organization_id,
                                                      StaffMembership.user_id == user_id).with_for_update()).first()
    if membership is None:
        raise NotFound("Membre de l'équipe introuvable.")
    return membership


def _keep_an_admin(s: Session, organization_id: int, membership: StaffMembership) -> None:
    if membership.role != "admin":
        return
    admins = s.exec(select(func.count()).select_from(StaffMembership).where(
        StaffMembership.organization_id == organization_id, StaffMembership.role == "admin")).one()
    if admins <= 1:
        raise Conflict("Il faut au moins un administrateur : nommez-en un autre d'abord.")


def change_member(s: Session, *, actor: Actor, organization_id: int, user_id: int, role: str,
                  activity_ids: list[int] | None = None) -> None:
    """Another role (effective at the member's next click), and an animateur's activities."""
    actor.require_capability(organization_id, "team")
    role = _role(role)
    membership = _membership(s, organization_id, user_id)
    ids = _activities(s, organization_id, activity_ids or []) if role == "animateur" else []
    before = membership.role
    if role != before:
        _keep_an_admin(s, organization_id, membership)
        membership.role = role
        s.add(membership)
    _assign(s, user_id, organization_id, ids)
    audit.record(s, actor=actor, action="staff.role", organization_id=organization_id, object_type="user",
                 object_id=user_id, before=before, role=role, activities=ids)


def remove_member(s: Session, *, actor: Actor, organization_id: int, user_id: int) -> None:
    """The colleague leaves the organization; their open sessions end (other organizations kept)."""
    actor.require_capability(organization_id, "team")
    if user_id == actor.user_id:
        raise Conflict("Vous ne pouvez pas vous retirer vous-même de l'équipe.")
    membership = _membership(s, organization_id, user_id)
    _keep_an_admin(s, organization_id, membership)
    _assign(s, user_id, organization_id, [])
    s.delete(membership)
    s.flush()
    if not s.exec(select(StaffMembership.id).where(StaffMembership.user_id == user_id)).first():
        now = clock.now()
        for session in s.exec(select(AuthSession).where(AuthSession.user_id == user_id,
                                                        col(AuthSession.ended_at).is_(None))).all():
            session.ended_at, session.ended_reason = now, "revoked"
            s.add(session)
        for invitation in s.exec(select(Invitation).where(Invitation.user_id == user_id,
                                                          col(Invitation.used_at).is_(None),
                                                          col(Invitation.revoked_at).is_(None))).all():
            invitation.revoked_at = now
            s.add(invitation)
    audit.record(s, actor=actor, action="staff.remove", organization_id=organization_id, object_type="user",
                 object_id=user_id, role=membership.role)
