"""« Équipe »: the administrator invites colleagues with a role; an animateur gets activities."""

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AuditEntry, AuthSession, OutboxEmail, StaffActivity, StaffMembership
from cityviz.services.accounts import auth, team
from cityviz.services.accounts.actor import CAPABILITIES
from cityviz.services.booking import attendance
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def test_the_roles_are_those_of_the_domain():
    """DOMAIN.md, « Staff roles »: the access matrix derives its expectations from this table."""
    assert CAPABILITIES == {
        "admin": {"team", "families", "documents", "activities", "bookings", "attendance", "news", "billing",
                  "regie", "journal", "messages"},
        "agent": {"families", "documents", "activities", "bookings", "attendance", "news", "messages"},
        "animateur": {"attendance"},
        "regisseur": {"billing", "regie", "journal"},
    }


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        admin = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, admin)
        judo = factories.make_activity(s, org, admin, name="Judo", kind="leisure")
        other = factories.make_organization(s)
        foreign = factories.make_activity(s, other, name="Piscine")
        return {"org": org.id, "admin": admin, "canteen": canteen.id, "judo": judo.id, "foreign": foreign.id}


def _invite(town, role="animateur", activity_ids=None, email="leo.animateur@example.org", actor=None):
    with db.transaction() as s:
        return team.invite_member(s, actor=actor or town["admin"], organization_id=town["org"], email=email,
                                  display_name="Léo Animateur", role=role,
                                  activity_ids=[town["canteen"]] if activity_ids is None else activity_ids)


def _members(town):
    with db.read() as s:
        return team.list_team(s, actor=town["admin"], organization_id=town["org"])


def test_invite_an_animateur_with_activities_who_then_sees_only_those(town):
    invited = _invite(town)
    members = _members(town)
    leo = next(m for m in members if m.user_id == invited.user_id)
    assert (leo.role_label, leo.activities, leo.status) == ("Animateur", "Restauration scolaire", "Invitation envoyée")
    with db.read() as s:
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "leo.animateur@example.org")).one()
        animateur = auth.actor_for_user(s, user_id=invited.user_id)
        choices = attendance.attendance_activities(s, actor=animateur, organization_id=town["org"])
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "staff.invite")).one()
    assert "espace agents" in mail.subject and mail.body.count("Mot de passe temporaire") == 1
    assert [name for _i, name in choices] == ["Restauration scolaire"]
    assert '"role": "animateur"' in audited.details
    with db.read() as s, pytest.raises(AccessDenied):
        team.list_team(s, actor=animateur, organization_id=town["org"])


def test_bad_invitations_change_nothing(town):
    with pytest.raises(InvalidInput, match="Choisissez un rôle"):
        _invite(town, role="chef")
    with pytest.raises(NotFound, match="Activité introuvable"):
        _invite(town, activity_ids=[town["foreign"]])  # another town's activity
    with pytest.raises(InvalidInput, match="Adresse e-mail invalide"):
        _invite(town, email="pas-une-adresse")
    assert len(_members(town)) == 1


def test_change_role_and_activities_then_remove(town):
    invited = _invite(town)
    with db.transaction() as s:
        team.change_member(s, actor=town["admin"], organization_id=town["org"], user_id=invited.user_id,
                           role="animateur", activity_ids=[town["judo"], town["canteen"]])
    leo = next(m for m in _members(town) if m.user_id == invited.user_id)
    assert leo.activities == "Judo, Restauration scolaire"
    with db.transaction() as s:
        team.change_member(s, actor=town["admin"], organization_id=town["org"], user_id=invited.user_id,
                           role="regisseur", activity_ids=[town["judo"]])  # activities only for an animateur
    with db.read() as s:
        assert s.exec(select(StaffActivity)).all() == []
        regisseur = auth.actor_for_user(s, user_id=invited.user_id)
    assert regisseur.roles == {town["org"]: "regisseur"}
    with db.transaction() as s:
        team.remove_member(s, actor=town["admin"], organization_id=town["org"], user_id=invited.user_id)
    with db.read() as s:
        assert s.exec(select(StaffMembership).where(StaffMembership.user_id == invited.user_id)).all() == []
        assert all(x.ended_at for x in s.exec(select(AuthSession).where(AuthSession.user_id == invited.user_id)))
        actions = [e.action for e in s.exec(select(AuditEntry).order_by(AuditEntry.id)).all()]
    assert actions.count("staff.role") == 2 and "staff.remove" in actions


def test_the_last_administrator_stays(town):
    with db.transaction() as s, pytest.raises(Conflict, match="au moins un administrateur"):
        team.change_member(s, actor=town["admin"], organization_id=town["org"], user_id=town["admin"].user_id,
                           role="agent")
    with db.transaction() as s, pytest.raises(Conflict, match="vous-même"):
        team.remove_member(s, actor=town["admin"], organization_id=town["org"], user_id=town["admin"].user_id)
    second = _invite(town, role="admin", email="seconde@example.org")
    with db.transaction() as s:  # with a second administrator, the first may step down
        team.change_member(s, actor=town["admin"], organization_id=town["org"], user_id=town["admin"].user_id,
                           role="agent")
    assert {m.user_id: m.role for m in _members_as(town, second.user_id)}[town["admin"].user_id] == "agent"


def _members_as(town, user_id):
    with db.read() as s:
        return team.list_team(s, actor=auth.actor_for_user(s, user_id=user_id), organization_id=town["org"])


def test_another_organization_cannot_touch_the_team(town):
    with db.transaction() as s:
        stranger = factories.actor(s, factories.make_staff(s, factories.make_organization(s), role="admin"))
    with pytest.raises(AccessDenied):
        _invite(town, actor=stranger)
    with db.read() as s, pytest.raises(AccessDenied):
        team.list_team(s, actor=stranger, organization_id=town["org"])
