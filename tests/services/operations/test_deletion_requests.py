"""« Supprimer mon compte »: the parent asks, the organization's staff confirm or refuse."""

import json

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AccountDeletionRequest, AuditEntry, Household, OutboxEmail
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.operations import deletion_requests as requests
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _ask(family):
    with db.transaction() as s:
        return requests.request_deletion(s, actor=family["parent"])


def _pending_rows(actor, org_id):
    with db.read() as s:
        return requests.list_requests(s, actor=actor, organization_id=org_id)


def test_the_parent_asks_and_the_organization_confirms(family):
    assert _ask(family) == "pending"
    with db.read() as s:
        assert requests.my_request(s, actor=family["parent"]).status == "pending"
        assert s.get(Household, family["household"]).anonymised_at is None  # not before staff confirm
    [row] = _pending_rows(family["staff"], family["org"].id)
    assert row.family == "Camille MARTIN" and row.balance == ""  # the invoice is paid
    with pytest.raises(Conflict, match="déjà enregistrée"):
        _ask(family)
    with db.transaction() as s:
        requests.confirm(s, actor=family["staff"], organization_id=family["org"].id, request_id=row.id)
    with db.read() as s:
        assert s.get(Household, family["household"]).anonymised_at is not None
        request = s.get(AccountDeletionRequest, row.id)
        trail = s.exec(select(AuditEntry).where(AuditEntry.action.like("account.deletion%"))
                       .order_by(AuditEntry.id)).all()
    assert (request.status, request.decided_by_id, request.organization_id) == (
        "confirmed", family["staff"].user_id, family["org"].id)
    assert [(a.action, a.actor_id) for a in trail] == [("account.deletion_requested", family["user"]),
                                                       ("account.deletion_confirmed", family["staff"].user_id)]
    details = json.loads(trail[1].details)
    assert set(details) == {"requested_by_id", "requested_at"}  # who and when, nothing personal
    assert _pending_rows(family["staff"], family["org"].id) == []
    with pytest.raises(Conflict, match="déjà été traitée"), db.transaction() as s:
        requests.confirm(s, actor=family["staff"], organization_id=family["org"].id, request_id=row.id)


def test_staff_may_refuse_with_a_reason_sent_to_the_family(family):
    _ask(family)
    [row] = _pending_rows(family["staff"], family["org"].id)
    with pytest.raises(InvalidInput), db.transaction() as s:
        requests.refuse(s, actor=family["staff"], organization_id=family["org"].id, request_id=row.id, reason=" ")
    with db.transaction() as s:
        requests.refuse(s, actor=family["staff"], organization_id=family["org"].id, request_id=row.id,
                        reason="Une inscription à la cantine est en cours jusqu'en juillet.")
    with db.read() as s:
        mine = requests.my_request(s, actor=family["parent"])
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.subject == "Votre demande de suppression de compte")).one()
    assert (mine.status, mine.refusal_reason) == ("refused", "Une inscription à la cantine est en cours jusqu'en juillet.")
    assert mail.to_address == "camille@example.org" and "cantine est en cours" in mail.body
    assert _ask(family) == "pending"  # and ask again later


def test_the_parent_may_cancel_the_request(family):
    _ask(family)
    with db.transaction() as s:
        requests.cancel_request(s, actor=family["parent"])
    with db.read() as s:
        assert requests.my_request(s, actor=family["parent"]).status == ""
    assert _pending_rows(family["staff"], family["org"].id) == []


def test_only_staff_of_the_households_organizations_see_and_decide(family):
    _ask(family)
    with db.transaction() as s:
        other = factories.make_organization(s)
        stranger = factories.actor(s, factories.make_staff(s, other, role="admin"))
    assert _pending_rows(stranger, other.id) == []
    [row] = _pending_rows(family["staff"], family["org"].id)
    with pytest.raises(NotFound), db.transaction() as s:
        requests.confirm(s, actor=stranger, organization_id=other.id, request_id=row.id)
    with pytest.raises(AccessDenied), db.transaction() as s:
        requests.confirm(s, actor=stranger, organization_id=family["org"].id, request_id=row.id)
    with pytest.raises(AccessDenied), db.read() as s:
        requests.list_requests(s, actor=family["parent"], organization_id=family["org"].id)


def test_a_household_no_organization_knows_is_erased_at_once():
    with db.transaction() as s:
        household, _g, user = factories.make_household(s, email="seul@example.org")
        parent = factories.actor(s, user)
    with db.transaction() as s:
        assert requests.request_deletion(s, actor=parent) == "done"
    with db.read() as s:
        assert s.get(Household, household.id).anonymised_at is not None
