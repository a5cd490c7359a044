"""« Signaler une absence » and « Absences signalées »: handlers derive the user from the
session, errors show in the form or as toasts, and a forged child id changes nothing."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AbsenceReport
from cityviz.services.booking import bookings, rules
from cityviz.state.absences import AbsencesAdminState, AbsenceState
from tests import factories
from tests.state.harness import make_state, run
from tests.state.test_booking_state import _token, toasts

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]
THURSDAY = date(2026, 9, 17)


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org, email="agent@example.org"))
        canteen = factories.make_activity(s, org, staff, booking=rules.NoticeRule("none"))
        household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        leo = factories.make_child(s, household, "Léo", org=org)
        factories.register(s, canteen, leo)
        other, _g, _u = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        jade = factories.make_child(s, other, "Jade", org=org)
        parent = factories.actor(s, user)
        session_id = factories.session_on(s, canteen, THURSDAY).id
    with db.transaction() as s:
        bookings.book_session(s, actor=parent, child_id=leo.id, session_id=session_id)
    return {"leo": leo.id, "jade": jade.id}


def _reports():
    with db.read() as s:
        return s.exec(select(AbsenceReport.child_id, AbsenceReport.status)).all()


async def test_a_parent_reports_an_illness_and_the_agent_accepts_it(town):
    state = make_state(AbsenceState, token=_token("parent@example.org"), url="/absences")
    await run(AbsenceState.load, state)
    assert state.children == [[str(town["leo"]), "Léo"]]
    form = {"child_id": str(town["leo"]), "date_from": "2026-09-17", "date_to": "", "reason": "illness",
            "comment": "Fièvre"}
    events = await run(AbsenceState.submit, state, form)
    assert toasts(events) == [("success", "Absence signalée : votre mairie va la traiter.")]
    assert state.error == "" and [r.dates for r in state.rows] == ["le 17/09/2026"]
    assert state.attaching == state.rows[0].id  # the certificate is asked for right away

    agent = make_state(AbsencesAdminState, token=_token("agent@example.org"), url="/admin/absences")
    await run(AbsencesAdminState.load, agent)
    assert agent.total == 1 and agent.rows[0].child == "MARTIN Léo"
    events = await run(AbsencesAdminState.accept, agent, agent.rows[0].id)
    assert toasts(events) == [("success", "Absence acceptée : 0 séance(s) non facturée(s), 1 facturée(s).")]
    assert agent.total == 0 and _reports() == [(town["leo"], "accepted")]


async def test_errors_show_in_the_form_and_a_forged_child_changes_nothing(town):
    state = make_state(AbsenceState, token=_token("parent@example.org"), url="/absences")
    await run(AbsenceState.load, state)
    await run(AbsenceState.submit, state, {"child_id": str(town["leo"]), "date_from": "2026-09-19",
                                           "reason": "illness"})
    assert "n'a aucune réservation le 19/09/2026" in state.error
    await run(AbsenceState.submit, state, {"child_id": str(town["jade"]), "date_from": "2026-09-17",
                                           "reason": "illness"})
    assert state.error == "Vous n'avez pas accès à cette information."
    assert _reports() == []
    agent = make_state(AbsencesAdminState, token=_token("agent@example.org"), url="/admin/absences")
    await run(AbsencesAdminState.load, agent)
    agent.refusing = 999
    events = await run(AbsencesAdminState.refuse, agent, {"reason": "Non"})
    assert toasts(events) == [("error", "Absence introuvable dans votre organisation.")]
