"""Staff « Familles » search: accents and case folded on both sides, through an index."""

import pytest
from sqlalchemy import text
from sqlmodel import select

from cityviz import db
from cityviz.models import Organization, Person
from cityviz.models.households import fold
from cityviz.services.households import families, people
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s)
        agent = factories.make_staff(s, org, email="agent@example.org")
        for name in ("Lefèvre", "LEFEBVRE", "Lé", "Martin"):
            household, _g, _u = factories.make_household(s, last_name=name, org=org)
        return {"org": org.id, "agent": factories.actor(s, agent)}


def _names(town, search):
    with db.read() as s:
        rows, total = families.list_families(s, actor=town["agent"], organization_id=town["org"], search=search)
    assert total == len(rows)
    return sorted(r.name for r in rows)


@pytest.mark.parametrize("typed", ["lefevre", "LEFEVRE", "Lefèvre", "LEFÈVRE", "  lefev ", "lefèv"])
def test_accents_and_case_are_folded_on_both_sides(town, typed):
    assert _names(town, typed) == ["Lefèvre"]


def test_a_prefix_finds_every_spelling_and_wildcards_are_literal(town):
    assert _names(town, "le") == ["LEFEBVRE", "Lefèvre", "Lé"]
    assert _names(town, "l%") == [] and _names(town, "l_") == [] and _names(town, "l*") == []
    assert _names(town, "") == ["LEFEBVRE", "Lefèvre", "Lé", "Martin"]


def test_the_folded_name_follows_every_write(town):
    assert fold("Ñúñez-ÉLODIE") == "nunez-elodie"
    with db.transaction() as s:
        person = s.exec(select(Person).where(Person.last_name == "Martin")).one()
        person.last_name = "Bérénice"
        s.add(person)
    with db.read() as s:
        assert s.exec(select(Person.last_name_folded).where(Person.id == person.id)).one() == "berenice"
    assert _names(town, "BERENICE") == ["Bérénice"]


def test_a_family_renamed_by_its_parent_is_found_under_its_new_name(town):
    with db.transaction() as s:
        household, _g, user = factories.make_household(s, last_name="Durand", email="d@example.org")
        parent = factories.actor(s, user)
        factories.enroll(s, s.get(Person, parent.person_id), s.get(Organization, town["org"]))
        people.update_profile(s, actor=parent, civility="Mme", first_name="Zoé", last_name="Lefèvre-Durand",
                              street="1 rue Haute", postal_code="14760", city="Bretteville", phone_mobile="0612345678")
    assert _names(town, "lefevre-d") == ["LEFÈVRE-DURAND"]


def test_the_search_uses_the_index():
    with db.read() as s:
        if s.get_bind().dialect.name == "sqlite":
            plan = " ".join(str(r) for r in s.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM person WHERE last_name_folded GLOB 'lef*'")).all())
        else:
            s.execute(text("SET LOCAL enable_seqscan = off"))
            plan = " ".join(str(r) for r in s.execute(text(
                "EXPLAIN SELECT id FROM person WHERE last_name_folded LIKE 'lef%'")).all())
    assert "ix_person_last_name_folded" in plan
