"""« Journal »: the staff's decisions from the audit log, by role, filtered, exported; a family's
history on its page."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Person, User
from cityviz.services import audit
from cityviz.services.backoffice import journal
from cityviz.services.billing import direct_debits
from cityviz.services.booking import closures
from cityviz.services.errors import AccessDenied, InvalidInput, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database")


@pytest.fixture
def town(frozen):
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        people = {role: factories.actor(s, factories.make_staff(s, org, role=role))
                  for role in ("admin", "agent", "animateur", "regisseur")}
        household, _g, _u = factories.make_household(s, last_name="MARTIN", org=org)
        elsewhere, _g2, _u2 = factories.make_household(s, last_name="DURAND", org=factories.make_organization(s))
    frozen.move_to(datetime(2026, 9, 10, 9, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:  # an agent validates the dossier (as dossier_review writes it)
        audit.record(s, actor=people["agent"], action="enrollment.validate", organization_id=org.id,
                     object_type="enrollment", object_id=1, reason="", household_id=household.id)
    frozen.move_to(datetime(2026, 9, 12, 9, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        closures.create_closure(s, actor=people["admin"], organization_id=org.id, start=date(2026, 10, 1),
                                end=date(2026, 10, 2), reason="Grève")
    frozen.move_to(datetime(2026, 9, 14, 10, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        direct_debits.save_mandate(s, actor=people["regisseur"], organization_id=org.id, household_id=household.id,
                                   holder_name="Camille Martin", iban="FR76 3000 6000 0112 3456 7890 189", bic="",
                                   reference="RUM-MARTIN", signed_on=date(2026, 9, 1))
    return {"org": org.id, "household": household.id, "elsewhere": elsewhere.id, **people}


def _entries(town, role="admin", **filters):
    with db.read() as s:
        rows, total = journal.list_entries(s, actor=town[role], organization_id=town["org"], **filters)
    assert total == len(rows)
    return [(r.what, r.category, r.who, r.family) for r in rows]


def test_the_administrator_reads_every_decision_newest_first(town):
    assert _entries(town) == [
        ("Mandat SEPA enregistré", "Argent", town["regisseur"].display_name, "MARTIN"),
        ("Fermeture", "Activités et fermetures", town["admin"].display_name, ""),
        ("Dossier validé", "Dossiers et familles", town["agent"].display_name, "MARTIN")]
    with db.read() as s:
        rows, _total = journal.list_entries(s, actor=town["admin"], organization_id=town["org"])
    assert rows[0].at == "14/09/2026 à 10:00" and rows[0].details == "référence : RUM-MARTIN"
    assert "motif : Grève" in rows[1].details


def test_filters_by_category_period_and_author(town):
    assert [w for w, *_ in _entries(town, category="argent")] == ["Mandat SEPA enregistré"]
    assert [w for w, *_ in _entries(town, start=date(2026, 9, 11), end=date(2026, 9, 13))] == ["Fermeture"]
    assert [w for w, *_ in _entries(town, who=town["agent"].user_id)] == ["Dossier validé"]
    with pytest.raises(InvalidInput, match="La date de fin doit suivre"):
        _entries(town, start=date(2026, 9, 13), end=date(2026, 9, 11))
    with pytest.raises(InvalidInput, match="Catégorie inconnue"):
        _entries(town, category="tout")


def test_each_role_reads_only_its_own_kind_of_decisions(town):
    assert [c for _w, c, *_ in _entries(town, "regisseur")] == ["Argent"]
    with pytest.raises(InvalidInput):  # money only: a dossier filter is not for the régisseur
        _entries(town, "regisseur", category="dossier")
    for role in ("agent", "animateur"):
        with db.read() as s, pytest.raises(AccessDenied):
            journal.list_entries(s, actor=town[role], organization_id=town["org"])


def test_csv_goes_through_the_shared_export(town):
    with db.read() as s:
        data = journal.entries_csv(s, actor=town["admin"], organization_id=town["org"], category="argent")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Qui;Catégorie;Décision;Famille;Détails"
    assert lines[1].startswith("14/09/2026 à 10:00;") and "Mandat SEPA enregistré;MARTIN" in lines[1]
    assert len(lines) == 2


def test_a_family_history_shows_what_the_role_may_read(town):
    with db.read() as s:
        for_admin = journal.household_history(s, actor=town["admin"], organization_id=town["org"],
                                              household_id=town["household"])
        for_agent = journal.household_history(s, actor=town["agent"], organization_id=town["org"],
                                              household_id=town["household"])
    assert [r.what for r in for_admin] == ["Mandat SEPA enregistré", "Dossier validé"]
    assert [r.what for r in for_agent] == ["Dossier validé"]  # no money for an agent
    with db.read() as s, pytest.raises(NotFound):  # a family this town does not know
        journal.household_history(s, actor=town["admin"], organization_id=town["org"], household_id=town["elsewhere"])
    with db.read() as s, pytest.raises(AccessDenied):
        journal.household_history(s, actor=town["regisseur"], organization_id=town["org"],
                                  household_id=town["household"])


def test_an_invitation_belongs_to_the_family_or_to_the_team(town):
    from cityviz.services.accounts import team
    from cityviz.services.households import families

    with db.transaction() as s:
        guardian = s.exec(select(Person).where(Person.household_id == town["household"])).first()
        user = s.exec(select(User).where(User.person_id == guardian.id)).one()
        user.password_hash, guardian.email = None, user.email  # not activated yet: may be invited again
        families.invite_guardian(s, actor=town["agent"], organization_id=town["org"], person_id=guardian.id)
        team.invite_member(s, actor=town["admin"], organization_id=town["org"], email="nouvelle@example.org",
                           display_name="Nouvelle Agente", role="agent")
    with db.read() as s:
        history = journal.household_history(s, actor=town["agent"], organization_id=town["org"],
                                            household_id=town["household"])
    assert history[0].what == "Invitation envoyée" and history[0].category == "Dossiers et familles"
    team_rows = _entries(town, category="role")
    assert [(w, c) for w, c, *_ in team_rows] == [("Collègue invité", "Équipe"), ("Invitation envoyée", "Équipe")]
    assert "Invitation envoyée" in [w for w, *_ in _entries(town, category="dossier")]
    assert len([w for w, *_ in _entries(town, category="dossier") if w == "Invitation envoyée"]) == 1
