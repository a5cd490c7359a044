"""Health and diet: the canteen diet and the PAI with its document, on the daily lists and counted
per diet for each canteen day (the kitchen orders by these counts); who reads the PAI."""

from datetime import date

import pytest

from cityviz import db
from cityviz.models import Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import attendance, bookings, rules
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.households import files, health, people
from cityviz.services.operations import maintenance
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
THURSDAY = date(2026, 9, 17)
CHILD = dict(last_name="Martin", birth_date="2019-03-14", sex="F", school_level="CE1")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        agent = factories.actor(s, factories.make_staff(s, org, email="agent@example.org"))
        canteen = factories.make_activity(s, org, agent, booking=rules.NoticeRule("none"))
        care = factories.make_activity(s, org, agent, name="Garderie du soir", kind="evening_care",
                                       booking=rules.NoticeRule("none"))
        _household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        _other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        elsewhere = factories.make_organization(s, name="Ailleurs")
        w = {"org": org.id, "agent": agent, "parent": factories.actor(s, user), "other": factories.actor(s, other_user),
             "stranger": factories.actor(s, factories.make_staff(s, elsewhere)), "canteen": canteen.id,
             "session": factories.session_on(s, canteen, THURSDAY).id,
             "care_session": factories.session_on(s, care, THURSDAY).id, "care": care.id}
    with db.transaction() as s:
        w["lea"] = people.save_child(s, actor=w["parent"], first_name="Léa", diet="no_pork", has_pai=False, **CHILD)
        w["tom"] = people.save_child(s, actor=w["parent"], first_name="Tom", diet="packed_lunch", has_pai=True, **CHILD)
        w["zoe"] = people.save_child(s, actor=w["parent"], first_name="Zoé", diet="", has_pai=False, **CHILD)
    with db.transaction() as s:
        org = s.get(Organization, w["org"])
        for name in ("lea", "tom", "zoe"):
            child = s.get(Person, w[name])
            factories.enroll(s, child, org)
            factories.register(s, s.get(type(canteen), w["canteen"]), child)
            factories.register(s, s.get(type(care), w["care"]), child)
    with db.transaction() as s:
        for name in ("lea", "tom", "zoe"):
            for session in (w["session"], w["care_session"]):
                bookings.book_session(s, actor=w["parent"], child_id=w[name], session_id=session)
    return w


def test_diets_and_pai_on_the_daily_list_and_counted_per_canteen_day(town):
    with db.read() as s:
        roster = attendance.roster(s, actor=town["agent"], session_id=town["session"])
        canteen = attendance.occupancy(s, actor=town["agent"], activity_id=town["canteen"], start=THURSDAY, days=1)
        care = attendance.occupancy(s, actor=town["agent"], activity_id=town["care"], start=THURSDAY, days=1)
    assert [(x.name, x.diet, x.pai) for x in roster.lines] == [
        ("MARTIN Léa", "Sans porc", False), ("MARTIN Tom", "Panier repas (PAI)", True), ("MARTIN Zoé", "", False)]
    assert canteen[0].diets == "Sans porc : 1 · Panier repas (PAI) : 1 · PAI : 1"
    assert care[0].diets == ""  # counted for the canteen only


def test_diet_rules_and_a_staff_edit_keeps_them(town):
    with pytest.raises(InvalidInput, match="Régime alimentaire inconnu"), db.transaction() as s:
        people.save_child(s, actor=town["parent"], child_id=town["zoe"], first_name="Zoé", diet="halal", **CHILD)
    with pytest.raises(InvalidInput, match="réservé aux enfants qui ont un PAI"), db.transaction() as s:
        people.save_child(s, actor=town["parent"], child_id=town["zoe"], first_name="Zoé", diet="packed_lunch",
                          has_pai=False, **CHILD)
    with db.transaction() as s:  # a form without the health fields (staff) leaves them
        people.save_child(s, actor=town["parent"], child_id=town["lea"], first_name="Léa", **CHILD)
    with db.read() as s:
        assert s.get(Person, town["lea"]).diet == "no_pork"


def test_the_pai_document_and_who_reads_it(town):
    with db.transaction() as s:
        people.attach_pai(s, actor=town["parent"], child_id=town["tom"], filename="pai.pdf",
                          data=factories.pdf_bytes("PAI"))
    with db.read() as s:
        first = s.get(Person, town["tom"]).pai_key
        assert health.pai_content(s, actor=town["agent"], child_id=town["tom"]).data[:4] == b"%PDF"
        assert health.pai_content(s, actor=town["parent"], child_id=town["tom"]).filename == "pai.pdf"
    assert first in maintenance.referenced_files()
    with db.transaction() as s:
        people.attach_pai(s, actor=town["parent"], child_id=town["tom"], filename="pai-2027.png",
                          data=factories.png_bytes())
    assert not files._path(first).exists()  # the replaced file goes once the new one is committed
    animateur = Actor(user_id=town["agent"].user_id, roles={town["org"]: "animateur"})
    for who in (town["other"], town["stranger"], animateur):
        with pytest.raises(AccessDenied), db.read() as s:
            health.pai_content(s, actor=who, child_id=town["tom"])
    for who in (town["other"], town["agent"]):
        with pytest.raises(AccessDenied), db.transaction() as s:
            people.attach_pai(s, actor=who, child_id=town["tom"], filename="x.pdf", data=factories.pdf_bytes())
