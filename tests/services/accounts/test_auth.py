import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AuthSession, LoginThrottle, OutboxEmail, PasswordReset, StaffMembership, User
from cityviz.services import email as mail
from cityviz.services.accounts import auth, invitations
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidCredentials, InvalidInput, LoginThrottled, NotAuthenticated
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _user(email="camille@example.org"):
    with db.transaction() as s:
        _household, _guardian, user = factories.make_household(s, email=email)
        return user


def _login(email="camille@example.org", password=factories.PASSWORD, ip="10.0.0.1"):
    result = auth.login(email=email, password=password, ip=ip)
    with db.transaction() as s:
        token = auth.exchange_ticket(s, ticket=result.ticket)
    return result, token


def _resolve(token):
    with db.read() as s:
        return auth.resolve_session(s, token=token)[0]


def test_login_opens_a_session_known_only_by_its_hash():
    user = _user()
    result, token = _login(email="  Camille@Example.org ")
    assert not result.password_change_required
    actor = _resolve(token)
    assert actor.user_id == user.id and actor.household_id is not None
    with db.read() as s:
        stored = s.exec(select(AuthSession)).one()
    assert stored.token_hash != token and len(token) >= 43
    assert stored.ticket_hash is None


def test_resolve_session_gives_the_same_actor_as_the_account():
    with db.transaction() as s:
        first, second = factories.make_organization(s), factories.make_organization(s)
        staff = factories.make_staff(s, first, role="admin", email="agent@example.org")
        s.add(StaffMembership(user_id=staff.id, organization_id=second.id, role="agent",
                              created_at=staff.created_at))
        household, guardian, parent_user = factories.make_household(s, email="camille@example.org")
    agent, parent = _resolve(_login("agent@example.org")[1]), _resolve(_login()[1])
    assert dict(agent.roles) == {first.id: "admin", second.id: "agent"} and agent.household_id is None
    assert (parent.household_id, parent.person_id, parent.display_name, dict(parent.roles)) == (
        household.id, guardian.id, "Camille MARTIN", {})
    with db.read() as s:
        for actor, user in ((agent, staff), (parent, parent_user)):
            assert actor.session_id is not None
            assert dataclasses.replace(actor, session_id=None) == auth.actor_for_user(s, user_id=user.id)


def test_ticket_works_once_and_for_one_minute(frozen):
    _user()
    result = auth.login(email="camille@example.org", password=factories.PASSWORD)
    frozen.shift(61)
    with pytest.raises(NotAuthenticated), db.transaction() as s:
        auth.exchange_ticket(s, ticket=result.ticket)
    result = auth.login(email="camille@example.org", password=factories.PASSWORD)
    with db.transaction() as s:
        auth.exchange_ticket(s, ticket=result.ticket)
    with pytest.raises(NotAuthenticated), db.transaction() as s:
        auth.exchange_ticket(s, ticket=result.ticket)


def test_wrong_password_and_unknown_account_get_the_same_message():
    _user()
    with pytest.raises(InvalidCredentials) as wrong:
        auth.login(email="camille@example.org", password="pas le bon mot de passe")
    with pytest.raises(InvalidCredentials) as unknown:
        auth.login(email="personne@example.org", password="pas le bon mot de passe", ip="10.0.0.9")
    assert wrong.value.message == unknown.value.message == "Adresse e-mail ou mot de passe incorrect."


def test_failed_logins_slow_down_per_account(frozen):
    _user()
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            auth.login(email="camille@example.org", password="mauvais mot de passe", ip=f"10.0.0.{_}")
    # Three free failures; the fourth blocks 1 s, the fifth 2 s… even the right password.
    with pytest.raises(InvalidCredentials):
        auth.login(email="camille@example.org", password="mauvais mot de passe", ip="10.0.0.7")
    with pytest.raises(LoginThrottled) as blocked:
        auth.login(email="camille@example.org", password=factories.PASSWORD, ip="10.0.0.8")
    assert "Réessayez dans 1 seconde." in blocked.value.message
    frozen.shift(1)
    with pytest.raises(InvalidCredentials):
        auth.login(email="camille@example.org", password="encore mauvais", ip="10.0.0.8")
    with pytest.raises(LoginThrottled, match="2 secondes"):
        auth.login(email="camille@example.org", password=factories.PASSWORD, ip="10.0.0.8")
    frozen.shift(2)
    _login(ip="10.0.0.8")  # success clears the account's counter
    with db.read() as s:
        keys = [t.key for t in s.exec(select(LoginThrottle)).all()]
    assert "account:camille@example.org" not in keys


def test_unknown_accounts_are_throttled_too():
    """Otherwise the slow-down would reveal which addresses exist."""
    for _ in range(4):  # 3 free, the 4th blocks
        with pytest.raises(InvalidCredentials):
            auth.login(email="inconnu@example.org", password="mauvais mot de passe", ip=f"10.1.0.{_}")
    with pytest.raises(LoginThrottled):
        auth.login(email="inconnu@example.org", password="mauvais mot de passe", ip="10.1.0.9")


def test_failed_logins_slow_down_per_address():
    for n in range(11):
        with pytest.raises(InvalidCredentials):
            auth.login(email=f"x{n}@example.org", password="mauvais mot de passe", ip="192.0.2.1")
    with pytest.raises(LoginThrottled):
        auth.login(email="autre@example.org", password="mauvais mot de passe", ip="192.0.2.1")


def test_idle_and_absolute_timeouts(frozen):
    _user()
    _, token = _login()
    frozen.shift(29 * 60)
    actor = _resolve(token)  # still alive after 29 minutes
    with db.transaction() as s:
        auth.touch_session(s, session_id=actor.session_id)
    frozen.shift(29 * 60)
    _resolve(token)  # idle clock restarted by the touch
    frozen.shift(30 * 60)
    with pytest.raises(NotAuthenticated):
        _resolve(token)
    # Absolute: 12 hours even when active.
    _, token = _login()
    for _ in range(12 * 2):
        frozen.shift(30 * 60 - 1)
        actor = _resolve(token) if _ < 23 else None
        if actor:
            with db.transaction() as s:
                auth.touch_session(s, session_id=actor.session_id)
    frozen.shift(120)
    with pytest.raises(NotAuthenticated):
        _resolve(token)


def test_logout_ends_the_session_on_the_server():
    _user()
    _, token = _login()
    with db.transaction() as s:
        auth.logout(s, token=token)
    with pytest.raises(NotAuthenticated):
        _resolve(token)


def test_each_login_gets_a_new_token():
    _user()
    _, first = _login()
    _, second = _login()
    assert first != second
    assert _resolve(first).user_id == _resolve(second).user_id


def test_invitation_password_works_once_then_forces_a_change(frozen):
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.make_staff(s, org)
        invited = invitations.invite_guardian(s, actor=factories.actor(s, staff), email="new@example.org",
                                           first_name="Nina", last_name="Durand", organization_id=org.id)
    result, token = _login(email="new@example.org", password=invited.temporary_password)
    assert result.password_change_required
    actor = _resolve(token)
    assert actor.password_change_only
    with pytest.raises(InvalidCredentials):
        auth.login(email="new@example.org", password=invited.temporary_password)
    auth.change_password(actor=actor, current_password=None, new_password="ma nouvelle phrase secrète")
    assert not _resolve(token).password_change_only
    _login(email="new@example.org", password="ma nouvelle phrase secrète")


def test_invitation_expires_after_seven_days(frozen):
    with db.transaction() as s:
        invited = invitations.invite_guardian(s, actor=Actor.system(), email="late@example.org",
                                           first_name="Léa", last_name="Petit")
    frozen.shift(timedelta(days=7, seconds=1))
    with pytest.raises(InvalidCredentials):
        auth.login(email="late@example.org", password=invited.temporary_password)


def test_changing_the_password_ends_the_other_sessions():
    _user()
    _, token_phone = _login()
    _, token_laptop = _login()
    actor = _resolve(token_laptop)
    with pytest.raises(InvalidInput, match="actuel est incorrect"):
        auth.change_password(actor=actor, current_password="faux", new_password="une autre phrase longue")
    auth.change_password(actor=actor, current_password=factories.PASSWORD,
                         new_password="une autre phrase longue")
    _resolve(token_laptop)
    with pytest.raises(NotAuthenticated):
        _resolve(token_phone)
    with db.read() as s:
        subjects = [m.subject for m in s.exec(select(OutboxEmail)).all()]
    assert "Votre mot de passe a été modifié" in subjects


def test_bad_new_password_changes_nothing():
    user = _user()
    _, token = _login()
    with pytest.raises(InvalidInput):
        auth.change_password(actor=_resolve(token), current_password=factories.PASSWORD,
                             new_password="trop court")
    with db.read() as s:
        assert s.get(User, user.id).password_changed_at is None


def test_password_reset_link_is_single_use_and_expires(frozen):
    _user()
    with db.transaction() as s:
        auth.request_password_reset(s, email="camille@example.org")
        auth.request_password_reset(s, email="nobody@example.org")  # silently nothing
    with db.read() as s:
        mails = s.exec(select(OutboxEmail)).all()
    assert len(mails) == 1
    token = mail.revealed(mails[0].body).split("jeton=")[1].split()[0]
    _, session_token = _login()
    auth.reset_password(token=token, new_password="phrase de secours assez longue")
    with pytest.raises(NotAuthenticated):
        _resolve(session_token)  # every session ended
    with pytest.raises(InvalidInput, match="plus valable"):
        auth.reset_password(token=token, new_password="encore une autre phrase")
    _login(password="phrase de secours assez longue")
    with db.transaction() as s:
        auth.request_password_reset(s, email="camille@example.org")
    with db.read() as s:
        reset = s.exec(select(PasswordReset).order_by(PasswordReset.id.desc())).first()
    frozen.shift(3601)
    with db.read() as s, pytest.raises(InvalidInput):
        auth.check_reset_token(s, token="inconnu")
    assert reset.used_at is None
