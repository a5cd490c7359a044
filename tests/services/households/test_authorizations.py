"""« Autorisations »: a guardian answers and signs for the school year; staff read them on the
child's dossier and on the daily lists; a new school year asks again; who may do what."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import ChildAuthorization, Enrollment
from cityviz.services.booking import attendance, bookings, rules
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.households import authorizations, dossier_review
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
        canteen = factories.make_activity(s, org, agent, booking=rules.NoticeRule("none"))
        household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        child = factories.make_child(s, household, "Léa", org=org)
        factories.register(s, canteen, child)
        other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        w = {"agent": agent, "parent": factories.actor(s, user), "other": factories.actor(s, other_user),
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
