"""The one gate for staff: which households an organization knows, and a refusal that
never tells a missing id from another town's."""

from datetime import date

import pytest

from cityviz import clock, db
from cityviz.models import BillingPeriod, Household, Invoice
from cityviz.services.errors import AccessDenied, NotFound
from cityviz.services.households import scope
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _bare_household(s, **fields):
    household = Household(created_at=clock.now(), **fields)
    s.add(household)
    s.flush()
    return household


def test_each_link_makes_a_household_known_and_nothing_else_does():
    with db.transaction() as s:
        town, other = factories.make_organization(s), factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, town))
        created = _bare_household(s, created_by_organization_id=town.id)
        enrolled, _g, _u = factories.make_household(s, org=town)
        registered, _g, _u = factories.make_household(s)
        child = factories.make_child(s, registered)
        factories.register(s, factories.make_activity(s, town, staff), child, status="pending")
        invoiced = _bare_household(s)
        period = BillingPeriod(organization_id=town.id, start_date=date(2026, 9, 1), end_date=date(2026, 9, 30))
        s.add(period)
        s.flush()
        s.add(Invoice(organization_id=town.id, household_id=invoiced.id, number="F1", issued_at=clock.now(),
                      billing_period_id=period.id,
                      label="Facture", due_date=clock.today(), total_cents=0, payer_name="X", payer_address="",
                      counter_year=2026, counter_value=1))
        elsewhere, _g, _u = factories.make_household(s, org=other)
        s.flush()
        for household in (created, enrolled, registered, invoiced):
            assert scope.knows_household(s, town.id, household.id)
            assert scope.require_known_household(s, staff, town.id, household.id).id == household.id
        assert not scope.knows_household(s, town.id, elsewhere.id)
        assert scope.knows_household(s, other.id, elsewhere.id)


def test_missing_and_foreign_ids_get_the_same_refusal():
    with db.transaction() as s:
        town, other = factories.make_organization(s), factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, town))
        household, guardian, _u = factories.make_household(s, org=other)
        child = factories.make_child(s, household, org=other)
        enrollment_id = factories.enroll(s, guardian, factories.make_organization(s)).id
        missing = 10_000_000
        cases = [
            (lambda i: scope.require_known_household(s, staff, town.id, i), household.id),
            (lambda i: scope.require_known_person(s, staff, town.id, i), child.id),
            (lambda i: scope.require_staff_dossier(s, staff, i), enrollment_id),
        ]
        for call, foreign in cases:
            with pytest.raises(NotFound) as gone:
                call(missing)
            with pytest.raises(NotFound) as elsewhere:
                call(foreign)
            assert type(gone.value) is type(elsewhere.value) and gone.value.message == elsewhere.value.message
            assert "introuvable" in gone.value.message


def test_staff_of_another_town_or_a_parent_are_refused_before_any_lookup():
    with db.transaction() as s:
        town, other = factories.make_organization(s), factories.make_organization(s)
        household, _g, user = factories.make_household(s, org=town)
        stranger = factories.actor(s, factories.make_staff(s, other))
        for actor in (stranger, factories.actor(s, user)):
            with pytest.raises(AccessDenied):
                scope.require_known_household(s, actor, town.id, household.id)


def test_organizations_knowing_reads_the_same_rule_the_other_way():
    with db.transaction() as s:
        town, other, third = (factories.make_organization(s) for _ in range(3))
        household, guardian, _u = factories.make_household(s, org=town)
        child = factories.make_child(s, household)
        factories.register(s, factories.make_activity(s, other), child, status="pending")
        factories.make_organization(s)
        assert scope.organizations_knowing(s, household.id) == {town.id, other.id}
        assert third.id not in scope.organizations_knowing(s, household.id)
        assert scope.organizations_knowing(s, _bare_household(s).id) == set()
        for org in (town, other, third):
            assert scope.knows_household(s, org.id, household.id) == (org.id in scope.organizations_knowing(
                s, household.id))
