"""Sessions: the one-minute login ticket traded for the session token, the
actor behind a token, idle and absolute timeouts, logout."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import AuthSession, Person, StaffMembership, User
from cityviz.services.accounts import passwords
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import NotAuthenticated

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TICKET_TTL = timedelta(seconds=60)
TOUCH_EVERY = timedelta(seconds=60)


def exchange_ticket(s: Session, *, ticket: str) -> str:
    """Trade a fresh login ticket for the session token (set as an HttpOnly cookie)."""
    now = clock.now()
    session = s.exec(
        select(AuthSession)
        .where(AuthSession.ticket_hash == passwords.token_hash(ticket))
        .with_for_update()
    ).first()
    if session is None or session.ticket_expires_at is None or session.ticket_expires_at < now:
        raise NotAuthenticated("Ce lien de connexion n'est plus valable. Veuillez vous reconnecter.")
    token = passwords.new_token()
    session.token_hash = passwords.token_hash(token)
    session.ticket_hash = None
    session.ticket_expires_at = None
    session.last_seen_at = now
    s.add(session)
    return token


def resolve_session(s: Session, *, token: str) -> tuple[Actor, bool]:
    """The actor behind a session token, and whether its idle clock needs a touch. Read-only (no
    write lock at every page event), in one query: every Reflex event resolves its user this way
    (through session_memory.resolve_token, which may remember it for a few seconds)."""
    actor, _expires_at, last_seen_at = resolve_session_window(s, token=token)
    return actor, clock.now() - last_seen_at >= TOUCH_EVERY


def resolve_session_window(s: Session, *, token: str) -> tuple[Actor, datetime, datetime]:
    """The actor behind a session token, with the session's end (12 h) and when it was last seen."""
    now = clock.now()
    rows = s.execute(select(
        AuthSession.id, AuthSession.user_id, AuthSession.ended_at, AuthSession.expires_at, AuthSession.last_seen_at,
        AuthSession.password_change_only, User.email, User.display_name, User.is_active, User.is_platform_admin,
        Person.id, Person.household_id, Person.first_name, Person.last_name, Person.avatar_key,
        StaffMembership.organization_id, StaffMembership.role,
    ).join(User, User.id == AuthSession.user_id).outerjoin(Person, Person.id == User.person_id).outerjoin(
        StaffMembership, StaffMembership.user_id == User.id,
    ).where(AuthSession.token_hash == passwords.token_hash(token))).all() if token else []
    if not rows:
        raise NotAuthenticated()
    (session_id, user_id, ended_at, expires_at, last_seen_at, change_only, email, user_name, is_active,
     is_platform_admin, person_id, household_id, first_name, last_name, avatar_key) = rows[0][:15]
    if ended_at is not None or now >= expires_at or now - last_seen_at >= IDLE_TIMEOUT or not is_active:
        raise NotAuthenticated()
    display_name = f"{first_name} {last_name}".strip() if person_id else user_name
    actor = Actor(user_id=user_id, email=email, display_name=display_name or email, person_id=person_id,
                  household_id=household_id, is_platform_admin=is_platform_admin,
                  roles={org_id: role for *_rest, org_id, role in rows if org_id is not None},
                  session_id=session_id, password_change_only=change_only, avatar_key=avatar_key or "")
    return actor, expires_at, last_seen_at


def actor_for_user(s: Session, *, user_id: int, session: AuthSession | None = None) -> Actor:
    """Build the actor of an account (its roles and household) from the database."""
    user = s.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated()
    roles = dict(
        s.exec(
            select(StaffMembership.organization_id, StaffMembership.role).where(
                StaffMembership.user_id == user.id
            )
        ).all()
    )
    person = s.get(Person, user.person_id) if user.person_id else None
    display_name = f"{person.first_name} {person.last_name}".strip() if person else user.display_name
    return Actor(
        user_id=user.id,
        email=user.email,
        display_name=display_name or user.email,
        person_id=person.id if person else None,
        household_id=person.household_id if person else None,
        is_platform_admin=user.is_platform_admin,
        roles=roles,
        session_id=session.id if session else None,
        password_change_only=session.password_change_only if session else False,
        avatar_key=(person.avatar_key or "") if person else "",
    )


def touch_session(s: Session, *, session_id: int) -> None:
    s.execute(
        update(AuthSession)
        .where(col(AuthSession.id) == session_id, col(AuthSession.ended_at).is_(None))
        .values(last_seen_at=clock.now())
    )


def logout(s: Session, *, token: str) -> None:
    """End the session on the server (the cookie alone is then worthless)."""
    if not token:
        return
    s.execute(
        update(AuthSession)
        .where(
            col(AuthSession.token_hash) == passwords.token_hash(token),
            col(AuthSession.ended_at).is_(None),
        )
        .values(ended_at=clock.now(), ended_reason="logout")
    )


def end_sessions(s: Session, user_id: int, *, except_id: int | None, reason: str) -> None:
    query = update(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.ended_at).is_(None)
    )
    if except_id is not None:
        query = query.where(col(AuthSession.id) != except_id)
    s.execute(query.values(ended_at=clock.now(), ended_reason=reason))
