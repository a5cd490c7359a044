import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AuditEntry, Invitation, StaffMembership, User
from cityviz.services.accounts import invitations, organizations
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories
from tests.services.access import assert_refused_alike

pytestmark = pytest.mark.usefixtures("database", "frozen")


def test_platform_admin_creates_an_organization_and_its_first_agent():
    with db.transaction() as s:
        org = organizations.create_organization(s, actor=Actor.system(), name="Bretteville-sur-Odon",
                                                postal_code="14760", city="Bretteville-sur-Odon")
        invited = invitations.create_staff(s, actor=Actor.system(), organization_id=org.id,
                                        email="Agent@Bretteville.fr", display_name="Agent", role="admin")
    with db.read() as s:
        user = s.get(User, invited.user_id)
        assert user.email == "agent@bretteville.fr" and user.must_change_password
        assert s.exec(select(StaffMembership)).one().role == "admin"
        assert {a.action for a in s.exec(select(AuditEntry)).all()} == {
            "organization.create", "account.invite"}


@pytest.mark.parametrize("postal_code", ["1476", "147600", "ABCDE", ""])
def test_bad_postal_code_is_refused_in_french(postal_code):
    with pytest.raises(InvalidInput, match="5 chiffres"), db.transaction() as s:
        organizations.create_organization(s, actor=Actor.system(), name="X", postal_code=postal_code,
                                          city="X")


def test_parents_and_agents_cannot_create_organizations_or_foreign_staff():
    with db.transaction() as s:
        org, other = factories.make_organization(s), factories.make_organization(s)
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
        admin = factories.actor(s, factories.make_staff(s, org, role="admin"))
        _h, _g, parent_user = factories.make_household(s, org=org)
        parent = factories.actor(s, parent_user)
    for who in (agent, admin, parent):
        with pytest.raises(AccessDenied), db.transaction() as s:
            organizations.create_organization(s, actor=who, name="Y", postal_code="12345", city="Y")
    with pytest.raises(AccessDenied), db.transaction() as s:
        invitations.create_staff(s, actor=agent, organization_id=org.id, email="a@b.fr", display_name="A")
    with pytest.raises(AccessDenied), db.transaction() as s:
        invitations.create_staff(s, actor=admin, organization_id=other.id, email="a@b.fr", display_name="A")
    with db.transaction() as s:  # an organization's admin may add agents to it
        invitations.create_staff(s, actor=admin, organization_id=org.id, email="a@b.fr", display_name="A")


def test_duplicate_email_is_refused_and_nothing_is_created():
    with db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="x@example.org", first_name="A",
                                 last_name="B")
    with pytest.raises(InvalidInput, match="existe déjà"), db.transaction() as s:
        invitations.invite_guardian(s, actor=Actor.system(), email="X@example.org", first_name="C",
                                 last_name="D")
    with db.read() as s:
        assert len(s.exec(select(User)).all()) == 1


def test_staff_invite_families_only_for_their_organization():
    with db.transaction() as s:
        org, other = factories.make_organization(s), factories.make_organization(s)
        agent = factories.actor(s, factories.make_staff(s, org))
        _h, _g, known = factories.make_household(s, org=org)
        _h, _g, unknown = factories.make_household(s, org=other)
    with pytest.raises(AccessDenied), db.transaction() as s:
        invitations.invite_guardian(s, actor=agent, email="n@example.org", first_name="N", last_name="N",
                                 organization_id=other.id)
    assert_refused_alike(lambda s, i: invitations.reinvite(s, actor=agent, user_id=i, organization_id=org.id),
                         unknown.id)
    with db.transaction() as s:
        first = invitations.reinvite(s, actor=agent, user_id=known.id, organization_id=org.id)
        second = invitations.reinvite(s, actor=agent, user_id=known.id, organization_id=org.id)
    assert first.temporary_password != second.temporary_password
    with db.read() as s:
        sent = s.exec(select(Invitation).where(Invitation.user_id == known.id)).all()
    assert [i.revoked_at is None for i in sent] == [False, True]
