"""Fixtures shared by the billing tests."""

from datetime import date, datetime

import pytest

from cityviz import clock, db
from cityviz.models import Booking, FamilyQuotient
from tests import factories


def _booked(s, activity, child, day):
    session = factories.session_on(s, activity, day)
    now = clock.now()
    s.add(Booking(session_id=session.id, child_id=child.id, household_id=child.household_id, status="booked",
                  is_late=False, created_at=now, updated_at=now))
    session.booked_count += 1
    s.add(session)


@pytest.fixture
def towns(frozen):
    """Two towns' canteens (2,50 € a meal at QF 720, 3,60 € without QF). NOIRET eats in both towns
    in September; DURAND only in the first town, in October."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        orgs, staff, canteens = [], [], []
        for name in ("Démostars", "Bretteville"):
            org = factories.make_organization(s, name=name)
            actor = factories.actor(s, factories.make_staff(s, org, role="admin"))
            orgs.append(org)
            staff.append(actor)
            canteens.append(factories.make_activity(s, org, actor, capacity=50))
        noiret, guardian, _u = factories.make_household(s, last_name="NOIRET", org=orgs[0])
        factories.enroll(s, guardian, orgs[1])
        s.add(FamilyQuotient(household_id=noiret.id, value=720, valid_from=date(2026, 1, 1), created_at=clock.now()))
        lea = factories.make_child(s, noiret, first_name="Léa", org=orgs[0])
        durand, _g, _u = factories.make_household(s, last_name="DURAND", org=orgs[0])
        tom = factories.make_child(s, durand, first_name="Tom", org=orgs[0])
        _booked(s, canteens[0], lea, date(2026, 9, 14))
        _booked(s, canteens[0], lea, date(2026, 9, 15))
        _booked(s, canteens[1], lea, date(2026, 9, 17))
        _booked(s, canteens[0], lea, date(2026, 10, 1))
        _booked(s, canteens[0], tom, date(2026, 10, 1))
        org1 = orgs[0]
        org1.sepa_creditor_id, org1.sepa_iban, org1.sepa_bic = "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP"
    frozen.move_to(datetime(2026, 11, 5, 10, 0, tzinfo=clock.PARIS))
    return {"orgs": [o.id for o in orgs], "staff": staff, "noiret": noiret.id, "durand": durand.id}
