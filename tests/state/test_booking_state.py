"""Booking pages' handlers: the user comes from the server session, ids from the
client are checked by the services, errors become French toasts."""

from datetime import date

import pytest
from sqlmodel import func, select

from cityviz import db
from cityviz.models import Activity, ActivityRegistration, Attendance, Booking, Organization
from cityviz.services.accounts import auth
from cityviz.services.booking import rules
from cityviz.state.reservations import BulkState, CalendarState, EnrolState
from cityviz.state.staff_activities import AttendanceState
from tests import factories
from tests.state.harness import make_state, redirects, run

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]
# Now: Monday 14/09/2026 10:00; the canteen can be booked until two working days before, 12h00.
THURSDAY = date(2026, 9, 17)


def visible_weeks(state):
    """The phone list as the page draws it: (week heading, its days taken from the grid's week)."""
    return [(week, [state.view.weeks[week.week][i] for i in week.days]) for week in state.weeks]


def _visible_days(state):
    """The days the phone list shows (grouped by week on the page)."""
    return [d for _week, days in visible_weeks(state) for d in days]


def _token(email):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def toasts(events) -> list[tuple[str, str]]:
    """(level, message) of each rx.toast.* among the events."""
    found = []
    for event in events:
        for _key, value in getattr(event, "args", ()):
            call = getattr(value, "_return_expr", None)
            try:
                level = call._func._original._key._var_value
            except AttributeError:
                continue
            if "__toast" in str(value):
                found.append((level, call._args[0]))
    return found


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org, email="agent@example.org"))
        canteen = factories.make_activity(s, org, staff)
        care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care",
                                       enrolment_mode="validation", booking=rules.NoticeRule("none"))
        household, _g, _u = factories.make_household(s, email="parent@example.org", org=org)
        leo = factories.make_child(s, household, "Léo", org=org)
        zoe = factories.make_child(s, household, "Zoé", date(2020, 2, 1), org=org)
        factories.register(s, canteen, leo)
        factories.register(s, canteen, zoe)
        other, _g, _u = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        jade = factories.make_child(s, other, "Jade", org=org)
        factories.register(s, canteen, jade)
        factories.register(s, care, jade)
        elsewhere = factories.make_organization(s, name="Caen")
        factories.make_staff(s, elsewhere, email="agent-caen@example.org")
        return {"org": org.id, "canteen": canteen.id, "care": care.id, "leo": leo.id, "zoe": zoe.id,
                "jade": jade.id, "thursday": factories.session_on(s, canteen, THURSDAY).id,
                "today_care": factories.session_on(s, care, date(2026, 9, 14)).id}


def _bookings():
    with db.read() as s:
        return s.exec(select(Booking.child_id, Booking.session_id, Booking.status).order_by(Booking.id)).all()


def _cell(state, iso, child_name):
    [cell] = [c for d in _visible_days(state) if d.iso == iso for c in d.cells if c.child_name == child_name]
    return cell


# --- Calendar ---------------------------------------------------------------------------------------

async def test_booking_from_the_calendar(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    assert redirects(await run(CalendarState.load, state)) == []
    assert (state.year, state.month, state.today_iso) == (2026, 9, "2026-09-14")
    assert state.children == [[str(town["leo"]), "Léo"], [str(town["zoe"]), "Zoé"]]
    assert _cell(state, "2026-09-17", "Léo").action == "book"
    events = await run(CalendarState.act, state, town["thursday"], town["leo"], "book")
    assert toasts(events) == [("success", "Réservation confirmée.")]
    assert _cell(state, "2026-09-17", "Léo").state == "booked" and state.busy_session == 0
    assert _bookings() == [(town["leo"], town["thursday"], "booked")]
    events = await run(CalendarState.act, state, town["thursday"], town["leo"], "cancel")
    assert toasts(events) == [("success", "Réservation annulée.")]
    assert _cell(state, "2026-09-17", "Léo").action == "book"


async def test_refusal_is_a_french_toast(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    with db.read() as s:
        tuesday = factories.session_on(s, s.get(Activity, town["canteen"]), date(2026, 9, 15)).id
    events = await run(CalendarState.act, state, tuesday, town["leo"], "book")
    assert toasts(events) == [("error", "Délai dépassé : réservation possible jusqu'au vendredi 11/09/2026 à 12h00")]
    assert _bookings() == [] and state.busy_session == 0


async def test_forged_child_of_another_household_changes_nothing(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    for action in ("book", "join", "cancel"):
        events = await run(CalendarState.act, state, town["thursday"], town["jade"], action)
        assert toasts(events) == [("error", "Vous n'avez pas accès à cette information.")]
    assert _bookings() == []
    assert {c.child_name for d in _visible_days(state) for c in d.cells} == {"Léo", "Zoé"}


async def test_month_and_child_change_in_one_event_each(town):
    state = make_state(CalendarState, token=_token("parent@example.org"), url="/reservations")
    await run(CalendarState.load, state)
    events = await run(CalendarState.shift_month, state, 1)
    assert (state.year, state.month, state.view.title) == (2026, 10, "Octobre 2026")
    assert not [e for e in events if "refresh" in str(getattr(e, "fn", e))]  # no second event
    await run(CalendarState.shift_month, state, -10)
    assert (state.year, state.month, state.view.title) == (2025, 12, "Décembre 2025")
    await run(CalendarState.shift_month, state, 9)
    await run(CalendarState.choose_child, state, town["zoe"])
    assert {c.child_name for d in _visible_days(state) for c in d.cells} == {"Zoé"}
    events = await run(CalendarState.choose_child, state, town["jade"])  # another household's child
    assert toasts(events) == [("error", "Vous n'avez pas accès à cette information.")]
    assert state.child_id == 0 and {c.child_name for d in _visible_days(state) for c in d.cells} == {
        "Léo", "Zoé"}


async def test_calendar_without_a_session_sends_to_login(town):
    state = make_state(CalendarState, url="/reservations")
    assert redirects(await run(CalendarState.load, state)) == ["/connexion?suite=/reservations"]
    events = await run(CalendarState.act, state, town["thursday"], town["leo"], "book")
    assert redirects(events) == ["/connexion?suite=/reservations"] and _bookings() == []


# --- Enrolment and bulk booking ------------------------------------------------------------------------

async def test_enrol_in_an_activity(town):
    with db.transaction() as s:
        other = factories.make_activity(s, s.get(Organization, town["org"]), name="Étude", kind="other")
    state = make_state(EnrolState, token=_token("parent@example.org"), url="/reservations/inscription")
    await run(EnrolState.load, state)
    assert state.child_id == town["leo"]
    assert {o.name: o.status for o in state.offered} == {"Garderie du soir": "", "Restauration scolaire": "validated",
                                                         "Étude": ""}
    events = await run(EnrolState.enrol, state, other.id)
    assert toasts(events) == [("success", "Inscription enregistrée : vous pouvez réserver des dates.")]
    events = await run(EnrolState.enrol, state, town["care"])
    assert toasts(events) == [("success", "Demande envoyée : en attente de validation par votre organisation.")]
    assert {o.name: o.status_label for o in state.offered} == {
        "Garderie du soir": "En attente de validation", "Restauration scolaire": "Inscrit", "Étude": "Inscrit"}
    events = await run(EnrolState.enrol, state, town["care"])
    assert toasts(events) == [("error", "Léo est déjà inscrit(e) : en attente de validation.")]


async def test_enrol_for_a_forged_child_is_refused(town):
    state = make_state(EnrolState, token=_token("parent@example.org"), url="/reservations/inscription")
    await run(EnrolState.load, state)
    state.child_id = town["jade"]  # what a forged client state could send
    events = await run(EnrolState.enrol, state, town["canteen"])
    assert toasts(events) == [("error", "Vous n'avez pas accès à cette information.")]
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(ActivityRegistration)
                      .where(ActivityRegistration.child_id == town["jade"])).one() == 2


async def test_bulk_preview_then_confirm(town):
    state = make_state(BulkState, token=_token("parent@example.org"), url="/reservations/plusieurs")
    await run(BulkState.load, state)
    assert state.activities == [[str(town["canteen"]), "Restauration scolaire"]]
    assert (state.date_from, state.date_to) == ("2026-10-01", "2026-10-31")  # next month by default
    form = {"activity_id": str(town["canteen"]), "date_from": "2026-09-14", "date_to": "2026-09-24",
            "child-" + str(town["leo"]): True, "child-" + str(town["zoe"]): True, "day-0": True, "day-3": True}
    await run(BulkState.show_preview, state, form)
    assert state.error == ""
    assert [(line.child_name, line.day, line.ok) for line in state.preview] == [
        ("Léo", "lun. 14/09/2026", False), ("Zoé", "lun. 14/09/2026", False),
        ("Léo", "jeu. 17/09/2026", True), ("Zoé", "jeu. 17/09/2026", True),
        ("Léo", "lun. 21/09/2026", True), ("Zoé", "lun. 21/09/2026", True),
        ("Léo", "jeu. 24/09/2026", True), ("Zoé", "jeu. 24/09/2026", True)]
    assert _bookings() == []
    events = await run(BulkState.confirm, state)
    assert toasts(events) == [("success", "6 date(s) traitée(s).")]
    assert state.preview == [] and len(state.result) == 8
    assert sorted(child for child, _s, status in _bookings() if status == "booked") == [town["leo"]] * 3 + [
        town["zoe"]] * 3
    assert await run(BulkState.confirm, state) == []  # nothing left to confirm


async def test_bulk_with_a_forged_child_previews_nothing_and_books_nothing(town):
    state = make_state(BulkState, token=_token("parent@example.org"), url="/reservations/plusieurs")
    await run(BulkState.load, state)
    form = {"activity_id": str(town["canteen"]), "date_from": "2026-09-14", "date_to": "2026-09-24",
            "child-" + str(town["jade"]): True, "day-3": True}
    await run(BulkState.show_preview, state, form)
    assert state.error == "Vous n'avez pas accès à cette information." and state.preview == []
    assert await run(BulkState.confirm, state) == [] and _bookings() == []
    await run(BulkState.show_preview, state, {**form, "child-" + str(town["jade"]): False})
    assert state.error == "Choisissez au moins un enfant."


# --- Staff attendance --------------------------------------------------------------------------------

async def _agent_roster(town):
    state = make_state(AttendanceState, token=_token("agent@example.org"), url="/admin/pointage")
    await run(AttendanceState.load, state)
    await run(AttendanceState.open_session, state, town["today_care"])
    return state


async def test_agent_marks_attendance(town):
    state = await _agent_roster(town)
    assert state.roster.others == [[str(town["jade"]), "MARTIN Jade"]]
    assert await run(AttendanceState.add_unbooked, state, {"child_id": str(town["jade"])}) == []
    assert [(line.name, line.status_label) for line in state.roster.lines] == [
        ("MARTIN Jade", "Présent sans réservation")]
    events = await run(AttendanceState.mark, state, town["jade"], "present")
    assert toasts(events) == [("error", "Sans réservation, seul « Présent sans réservation » est possible.")]
    with db.read() as s:
        assert s.exec(select(Attendance.child_id, Attendance.status)).all() == [(town["jade"], "unbooked_present")]


async def test_a_parent_cannot_mark_attendance(town):
    roster_state = await _agent_roster(town)
    state = make_state(AttendanceState, token=_token("parent@example.org"), url="/admin/pointage")
    state.roster = roster_state.roster  # forged client state
    state.is_staff = True
    events = await run(AttendanceState.mark, state, town["jade"], "unbooked_present")
    assert redirects(events) == ["/"]
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Attendance)).one() == 0


async def test_another_organizations_agent_cannot_mark_attendance(town):
    roster_state = await _agent_roster(town)
    state = make_state(AttendanceState, token=_token("agent-caen@example.org"), url="/admin/pointage")
    await run(AttendanceState.load, state)
    assert state.sessions == []
    state.roster = roster_state.roster  # forged client state
    events = await run(AttendanceState.mark, state, town["jade"], "unbooked_present")
    assert toasts(events) == [("error", "Vous n'avez pas accès à cette information.")]
    with db.read() as s:
        assert s.exec(select(func.count()).select_from(Attendance)).one() == 0
