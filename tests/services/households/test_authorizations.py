"""« Autorisations »: a guardian answers and signs for the school year; staff read them on the
child's dossier and on the daily lists; a new school year asks again; who may do what."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import CampaignDossier, ChildAuthorization, Enrollment, Organization
from cityviz.services.booking import attendance, bookings, campaigns, rules
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.households import authorizations, dossier_review, reenrolment
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
THURSDAY = date(2026, 9, 17)
ANSWERS = dict(image=True, leave_alone=True, leave_alone_from="17:15",
               pickups=[("Jeanne Martin", "06 11 22 33 44", "Grand-mère"), ("", "", "")], emergency_care=True,
               transport=False)


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        agent = factories.actor(s, factories.make_staff(s, org, email="agent@example.org"))
        admin = factories.actor(s, factories.make_staff(s, org, role="admin", email="admin@example.org"))
        elsewhere = factories.make_organization(s, name="Ailleurs", postal_code="14000")
        foreign = factories.actor(s, factories.make_staff(s, elsewhere, role="admin", email="ailleurs@example.org"))
        canteen = factories.make_activity(s, org, agent, booking=rules.NoticeRule("none"))
        household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        child = factories.make_child(s, household, "Léa", org=org)
        factories.register(s, canteen, child)
        other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        w = {"agent": agent, "parent": factories.actor(s, user), "other": factories.actor(s, other_user),
             "admin": admin, "foreign": foreign, "org": org.id, "elsewhere": elsewhere.id, "household": household.id,
             "child": child.id, "session": factories.session_on(s, canteen, THURSDAY).id}
        w["enrollment"] = s.exec(select(Enrollment.id).where(Enrollment.person_id == child.id)).one()
    with db.transaction() as s:
        bookings.book_session(s, actor=w["parent"], child_id=w["child"], session_id=w["session"])
    return w


def _sign(town, who="parent", **changes):
    with db.transaction() as s:
        authorizations.sign_authorizations(s, actor=town[who], child_id=town["child"], **{**ANSWERS, **changes})


def test_signed_authorizations_reach_the_dossier_and_the_daily_list(town, frozen):
    with db.read() as s:
        [unsigned] = authorizations.household_authorizations(s, actor=town["parent"])
    assert not unsigned.signed and unsigned.year == "2026-2027"
    _sign(town)
    with db.read() as s:
        [view] = authorizations.household_authorizations(s, actor=town["parent"])
        dossier = dossier_review.staff_dossier(s, actor=town["agent"], enrollment_id=town["enrollment"])
        roster = attendance.roster(s, actor=town["agent"], session_id=town["session"])
    assert view.signature == "Signé par Camille MARTIN le 14/09/2026 à 10:00"
    assert view.pickups == [["Jeanne Martin", "06 11 22 33 44", "Grand-mère"]] and view.leave_alone_from == "17:15"
    line = ("Image : oui · Sortie seul(e) dès 17h15 · Autorisés : Jeanne Martin · Soins d'urgence : oui · "
            "Transport : non")
    assert roster.lines[0].authorizations == line
    assert ["Autorisations", f"{line} (Camille MARTIN, 14/09/2026 à 10:00)"] in dossier.details
    frozen.move_to(datetime(2027, 8, 20, 9, 0, tzinfo=clock.PARIS))  # a new school year: asked again
    with db.read() as s:
        assert not authorizations.household_authorizations(s, actor=town["parent"])[0].signed
    _sign(town, image=False)
    with db.read() as s:
        assert len(s.exec(select(ChildAuthorization)).all()) == 2


def test_answers_are_checked_and_only_the_household_signs(town):
    with pytest.raises(InvalidInput, match="à partir de quelle heure"):
        _sign(town, leave_alone_from="")
    with pytest.raises(InvalidInput, match="nom, téléphone et lien"):
        _sign(town, pickups=[("Jeanne", "", "")])
    for who in ("other", "agent"):
        with pytest.raises(AccessDenied):
            _sign(town, who=who)
    with db.read() as s:
        assert s.exec(select(ChildAuthorization)).all() == []


# --- The town's list ---------------------------------------------------------------------------

def _ask(town, asked, who="admin", org="org"):
    with db.transaction() as s:
        authorizations.save_organization_asked(s, actor=town[who], organization_id=town[org], asked=asked)


def test_a_town_asks_all_five_by_default(town):
    with db.read() as s:
        assert authorizations.organization_asked(s, actor=town["agent"], organization_id=town["org"]) == \
            authorizations.AskedView(list(authorizations.KINDS), editable=False)
        assert authorizations.organization_asked(s, actor=town["admin"], organization_id=town["org"]).editable
        [view] = authorizations.household_authorizations(s, actor=town["parent"])
    assert view.asked == ["image", "leave_alone", "pickups", "emergency_care", "transport"]


def test_a_town_asking_only_image_and_pickups_shows_only_those(town):
    _ask(town, ["pickups", "image"])
    with db.read() as s:
        [view] = authorizations.household_authorizations(s, actor=town["parent"])
        assert s.get(Organization, town["org"]).asked_authorizations == "image,pickups"
    assert view.asked == ["image", "pickups"]
    _sign(town)  # every answer sent: those not asked are stored as "no"/empty
    with db.read() as s:
        row = s.exec(select(ChildAuthorization)).one()
        [view] = authorizations.household_authorizations(s, actor=town["parent"])
        roster = attendance.roster(s, actor=town["agent"], session_id=town["session"])
        dossier = dossier_review.staff_dossier(s, actor=town["agent"], enrollment_id=town["enrollment"])
    assert (row.image, row.leave_alone, row.leave_alone_from, row.emergency_care, row.transport) == \
        (True, False, None, False, False)
    assert row.pickups == "Jeanne Martin ; 06 11 22 33 44 ; Grand-mère"
    assert view.summary == roster.lines[0].authorizations == "Image : oui · Autorisés : Jeanne Martin"
    assert ["Autorisations", "Image : oui · Autorisés : Jeanne Martin (Camille MARTIN, 14/09/2026 à 10:00)"] \
        in dossier.details
    _sign(town, leave_alone_from="")  # sortie seul(e) not asked: no time required


def test_a_child_is_asked_what_each_of_its_towns_asks_staff_read_their_own(town):
    _ask(town, ["image"])
    _ask(town, ["transport"], who="foreign", org="elsewhere")
    with db.transaction() as s:
        s.add(Enrollment(person_id=town["child"], household_id=town["household"],
                         organization_id=town["elsewhere"], status="submitted", created_at=clock.now(),
                         updated_at=clock.now()))
    with db.read() as s:
        assert authorizations.household_authorizations(s, actor=town["parent"])[0].asked == ["image", "transport"]
    _sign(town, transport=True)
    with db.read() as s:
        roster = attendance.roster(s, actor=town["agent"], session_id=town["session"])
    assert roster.lines[0].authorizations == "Image : oui"


def test_the_campaign_asks_the_town_s_list_again(town):
    _ask(town, ["image", "pickups"])
    _sign(town)
    with db.transaction() as s:
        campaigns.open_campaign(s, actor=town["agent"], organization_id=town["org"], school_year=2027,
                                opens_on=date(2026, 9, 14), closes_on=date(2027, 6, 30))
    a = f"a{town['child']}"
    with db.read() as s:
        dossier_id = s.exec(select(CampaignDossier.id).where(CampaignDossier.household_id == town["household"])).one()
        fields = reenrolment.part_fields(s, actor=town["parent"], dossier_id=dossier_id, part="authorizations")
    assert {f.key: f.value for f in fields} == {f"{a}.image": "1",
                                                f"{a}.pickups": "Jeanne Martin ; 06 11 22 33 44 ; Grand-mère"}


def test_only_the_town_s_administrators_choose_the_list(town):
    for who in ("agent", "foreign", "parent", "other"):
        with pytest.raises(AccessDenied):
            _ask(town, ["image"], who=who)
    for who in ("foreign", "parent"):
        with pytest.raises(AccessDenied), db.read() as s:
            authorizations.organization_asked(s, actor=town[who], organization_id=town["org"])
    with pytest.raises(InvalidInput, match="inconnue"):
        _ask(town, ["image", "piscine"])
    with db.read() as s:
        assert authorizations.asked_by(s, town["org"]) == authorizations.ALL_ASKED
