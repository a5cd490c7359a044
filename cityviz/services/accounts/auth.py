"""Logging in and out, sessions, password changes and resets.

bcrypt takes about a quarter of a second on purpose; holding a write
transaction that long would stall every other writer (on SQLite, the whole
database). So the functions that check or hash a password manage their own
short transactions around the bcrypt work, instead of taking a session from
the caller: read what is needed, run bcrypt outside any transaction, then
write the outcome — re-checking, in that write, what may have changed.
"""

from __future__ import annotations

import dataclasses
import hmac
import math
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from cityviz import clock, config, db
from cityviz.models import AuthSession, Invitation, LoginThrottle, PasswordReset, Person, StaffMembership, User
from cityviz.services import email as mail
from cityviz.services.accounts import passwords
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidCredentials, InvalidInput, LoginThrottled, NotAuthenticated

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
TICKET_TTL = timedelta(seconds=60)
TOUCH_EVERY = timedelta(seconds=60)
RESET_TTL = timedelta(hours=1)
MAX_RESETS_PER_HOUR = 3


@dataclasses.dataclass(frozen=True)
class ThrottlePolicy:
    """`free_failures` failures without delay, then 1 s, 2 s, 4 s … up to `max_delay`."""

    free_failures: int
    max_delay: int
    forget_after: timedelta = timedelta(minutes=15)

    def delay(self, failures: int) -> int:
        if failures <= self.free_failures:
            return 0
        return min(2 ** (failures - self.free_failures - 1), self.max_delay)


# An address may hide a whole town hall behind one NAT: more lenient.
ACCOUNT_POLICY = ThrottlePolicy(free_failures=3, max_delay=300)
ADDRESS_POLICY = ThrottlePolicy(free_failures=10, max_delay=300)


def normalize_email(value: str) -> str:
    return value.strip().lower()


def _throttle_keys(email: str, ip: str) -> list[tuple[str, ThrottlePolicy]]:
    keys = [(f"account:{email}"[:300], ACCOUNT_POLICY)]
    if ip:
        keys.append((f"ip:{ip}"[:300], ADDRESS_POLICY))
    return keys


def _check_throttle(s: Session, keys: list[tuple[str, ThrottlePolicy]], now: datetime) -> None:
    rows = s.exec(select(LoginThrottle).where(col(LoginThrottle.key).in_([k for k, _ in keys]))).all()
    wait = max((row.blocked_until - now).total_seconds() for row in rows) if rows else 0
    if wait > 0:
        raise LoginThrottled(math.ceil(wait))


def _record_failure(s: Session, key: str, policy: ThrottlePolicy, now: datetime) -> None:
    row = s.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).first()
    if row is None:
        try:
            with s.begin_nested():
                row = LoginThrottle(key=key, failures=0, last_failure_at=now, blocked_until=now)
                s.add(row)
                s.flush()
        except IntegrityError:  # another worker created it meanwhile
            row = s.exec(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
    if now - row.last_failure_at > policy.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    row.blocked_until = now + timedelta(seconds=policy.delay(row.failures))
    s.add(row)


@dataclasses.dataclass(frozen=True)
class LoginResult:
    ticket: str  # exchanged once, within a minute, for the session cookie
    password_change_required: bool


def login(*, email: str, password: str, ip: str = "", user_agent: str = "") -> LoginResult:
    """Check the credentials and open a (pending) session. One generic error."""
    email = normalize_email(email)
    keys = _throttle_keys(email, ip)
    now = clock.now()
    with db.read() as s:
        _check_throttle(s, keys, now)
        user = s.exec(select(User).where(User.email == email, User.is_active == True)).first()  # noqa: E712
        invitations = (
            s.exec(
                select(Invitation).where(
                    Invitation.user_id == user.id,
                    col(Invitation.used_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                    Invitation.expires_at > now,
                )
            ).all()
            if user
            else []
        )
    # bcrypt outside any transaction (see module docstring).
    password_ok = passwords.verify_password(password, user.password_hash if user else None)
    offered = passwords.token_hash(password)
    invitation = next(
        (i for i in invitations if hmac.compare_digest(i.temp_password_hash, offered)), None
    )
    now = clock.now()
    with db.transaction() as s:
        if user is None or not (password_ok or invitation):
            for key, policy in keys:
                _record_failure(s, key, policy, now)
            result = None
        else:
            result = _open_session(s, user.id, invitation, ip, user_agent, now)
    if result is None:
        raise InvalidCredentials()
    return result


def _open_session(
    s: Session, user_id: int, invitation: Invitation | None, ip: str, user_agent: str, now: datetime
) -> LoginResult | None:
    if invitation is not None:
        used = s.execute(
            update(Invitation)
            .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
            .values(used_at=now)
        )
        if used.rowcount != 1:  # the same temporary password, used twice at once
            return None
    user = s.get(User, user_id)
    if invitation is not None:
        user.must_change_password = True
    user.last_login_at = now
    s.add(user)
    throttle = s.exec(
        select(LoginThrottle).where(LoginThrottle.key == f"account:{user.email}"[:300])
    ).first()
    if throttle is not None:
        s.delete(throttle)
    ticket = passwords.new_token()
    s.add(
        AuthSession(
            user_id=user.id,
            ticket_hash=passwords.token_hash(ticket),
            ticket_expires_at=now + TICKET_TTL,
            password_change_only=user.must_change_password,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
            ip_address=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return LoginResult(ticket=ticket, password_change_required=user.must_change_password)


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
    write lock at every page event), in one query: every Reflex event resolves its user this way."""
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
    return actor, now - last_seen_at >= TOUCH_EVERY


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


def _end_sessions(s: Session, user_id: int, *, except_id: int | None, reason: str) -> None:
    query = update(AuthSession).where(
        col(AuthSession.user_id) == user_id, col(AuthSession.ended_at).is_(None)
    )
    if except_id is not None:
        query = query.where(col(AuthSession.id) != except_id)
    s.execute(query.values(ended_at=clock.now(), ended_reason=reason))


def change_password(*, actor: Actor, current_password: str | None, new_password: str) -> None:
    """Change the actor's password and end their other sessions.

    After a login with a temporary password the current one is not asked
    again (it was typed a moment ago and no longer works).
    """
    if actor.user_id is None:
        raise NotAuthenticated()
    passwords.check_password_rules(new_password, email=actor.email)
    with db.read() as s:
        user = s.get(User, actor.user_id)
        old_hash = user.password_hash
    if not actor.password_change_only:
        if not current_password or not passwords.verify_password(current_password, old_hash):
            raise InvalidInput("Le mot de passe actuel est incorrect.", field="current_password")
    if old_hash and passwords.verify_password(new_password, old_hash):
        raise InvalidInput(
            "Le nouveau mot de passe doit être différent de l'ancien.", field="password"
        )
    new_hash = passwords.hash_password(new_password)
    with db.transaction() as s:
        user = s.get(User, actor.user_id)
        user.password_hash = new_hash
        user.must_change_password = False
        user.password_changed_at = clock.now()
        s.add(user)
        _end_sessions(s, user.id, except_id=actor.session_id, reason="password_changed")
        if actor.session_id is not None:
            s.execute(
                update(AuthSession)
                .where(col(AuthSession.id) == actor.session_id)
                .values(password_change_only=False)
            )
        mail.queue_email(
            s,
            to=user.email,
            subject="Votre mot de passe a été modifié",
            body=(
                "Bonjour,\n\nLe mot de passe de votre compte Cityviz Enfance vient d'être "
                "modifié. Vos autres sessions ont été fermées.\n\nSi vous n'êtes pas à "
                "l'origine de ce changement, utilisez « Mot de passe oublié » sur "
                f"{config.get().public_url}/connexion et prévenez votre mairie.\n"
            ),
        )


def request_password_reset(s: Session, *, email: str) -> None:
    """Send a one-time link if the account exists. Says nothing either way."""
    now = clock.now()
    user = s.exec(
        select(User).where(User.email == normalize_email(email), User.is_active == True)  # noqa: E712
    ).first()
    if user is None:
        return
    recent = s.exec(
        select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    ).all()
    if len(recent) >= MAX_RESETS_PER_HOUR:
        return
    token = passwords.new_token()
    s.add(
        PasswordReset(
            user_id=user.id,
            token_hash=passwords.token_hash(token),
            created_at=now,
            expires_at=now + RESET_TTL,
        )
    )
    link = f"{config.get().public_url}/nouveau-mot-de-passe?jeton={token}"
    mail.queue_email(
        s,
        to=user.email,
        subject="Réinitialisation de votre mot de passe",
        body=(
            "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, "
            f"une seule fois) :\n\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : "
            "votre mot de passe actuel reste valable.\n"
        ),
    )


def _valid_reset(s: Session, token: str, now: datetime) -> PasswordReset:
    reset = s.exec(
        select(PasswordReset).where(PasswordReset.token_hash == passwords.token_hash(token))
    ).first()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInput(
            "Ce lien n'est plus valable. Demandez un nouveau lien depuis « Mot de passe oublié »."
        )
    return reset


def check_reset_token(s: Session, *, token: str) -> None:
    _valid_reset(s, token, clock.now())


def reset_password(*, token: str, new_password: str) -> None:
    """Set a new password from a reset link; every session of the account ends."""
    with db.read() as s:
        reset = _valid_reset(s, token, clock.now())
        user = s.get(User, reset.user_id)
    passwords.check_password_rules(new_password, email=user.email)
    new_hash = passwords.hash_password(new_password)
    now = clock.now()
    with db.transaction() as s:
        used = s.execute(
            update(PasswordReset)
            .where(
                col(PasswordReset.id) == reset.id,
                col(PasswordReset.used_at).is_(None),
                col(PasswordReset.expires_at) > now,
            )
            .values(used_at=now)
        )
        if used.rowcount == 1:
            user = s.get(User, reset.user_id)
            user.password_hash = new_hash
            user.must_change_password = False
            user.password_changed_at = now
            s.add(user)
            _end_sessions(s, user.id, except_id=None, reason="password_changed")
            s.execute(
                update(Invitation)
                .where(col(Invitation.user_id) == user.id, col(Invitation.used_at).is_(None))
                .values(revoked_at=now)
            )
    if used.rowcount != 1:
        raise InvalidInput(
            "Ce lien n'est plus valable. Demandez un nouveau lien depuis « Mot de passe oublié »."
        )
