"""Logging in, password changes and resets (sessions: accounts/sessions.py,
slowing down guessing: accounts/throttle.py).

bcrypt takes about a quarter of a second on purpose; holding a write
transaction that long would stall every other writer (on SQLite, the whole
database). So the functions that check or hash a password manage their own
short transactions around the bcrypt work, instead of taking a session from
the caller: count the attempt, read what is needed, run bcrypt outside any
transaction, then write the outcome — re-checking, in that write, what may
have changed.
"""

from __future__ import annotations

import dataclasses
import hmac
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock, config, db
from cityviz.models import AuthSession, Invitation, PasswordReset, User
from cityviz.services import email as mail
from cityviz.services.accounts import passwords, sessions, throttle
from cityviz.services.accounts.actor import Actor
from cityviz.services.accounts.sessions import (  # noqa: F401 - the session API, also reached as auth.*
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    TICKET_TTL,
    TOUCH_EVERY,
    actor_for_user,
    exchange_ticket,
    logout,
    resolve_session,
    touch_session,
)
from cityviz.services.errors import InvalidCredentials, InvalidInput, NotAuthenticated

RESET_TTL = timedelta(hours=1)
MAX_RESETS_PER_HOUR = 3


def normalize_email(value: str) -> str:
    return value.strip().lower()


@dataclasses.dataclass(frozen=True)
class LoginResult:
    ticket: str  # exchanged once, within a minute, for the session cookie
    password_change_required: bool


def login(*, email: str, password: str, ip: str = "", user_agent: str = "") -> LoginResult:
    """Check the credentials and open a (pending) session. One generic error.

    The attempt is counted (or refused as throttled) and committed before
    bcrypt runs, so parallel attempts cannot overtake the throttle.
    """
    email = normalize_email(email)
    keys = throttle.throttle_keys(email, ip)
    with db.transaction() as s:
        throttle.count_attempt(s, keys, clock.now())
    now = clock.now()
    with db.read() as s:
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
    if user is None or not (password_ok or invitation):
        raise InvalidCredentials()  # already counted
    with db.transaction() as s:
        result = _open_session(s, user.id, invitation, ip, user_agent, clock.now())
        if result is not None:
            throttle.forgive(s, keys, email=user.email)
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
        sessions.end_sessions(s, user.id, except_id=actor.session_id, reason="password_changed")
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
            action_label="Ouvrir la page de connexion",
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
        action_label="Choisir un nouveau mot de passe",
        body=(
            "Bonjour,\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable une heure, "
            f"une seule fois) :\n\n{mail.secret(link)}\n\nSi vous n'avez rien demandé, ignorez ce message : "
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
            sessions.end_sessions(s, user.id, except_id=None, reason="password_changed")
            s.execute(
                update(Invitation)
                .where(col(Invitation.user_id) == user.id, col(Invitation.used_at).is_(None))
                .values(revoked_at=now)
            )
    if used.rowcount != 1:
        raise InvalidInput(
            "Ce lien n'est plus valable. Demandez un nouveau lien depuis « Mot de passe oublié »."
        )
