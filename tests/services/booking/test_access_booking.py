"""Booking area: a parent never reaches another household's children, bookings,
calendar or feed; staff never reach another organization's activities,
enrolments, rosters, attendance, closures or counts; parents never reach staff services."""

from datetime import date, datetime

import pytest
from sqlmodel import func, select
from starlette.testclient import TestClient

from cityviz import clock, db, routes
from cityviz.api import build_api
from cityviz.models import ActivityRegistration, Attendance, Booking, Closure
from cityviz.services.accounts import auth
from cityviz.services.booking import (
    activities,
    activity_form,
    attendance,
    bookings,
    calendar,
    closures,
    feeds,
    registrations,
)
from cityviz.services.booking.calendar import BulkRequest
from cityviz.services.errors import AccessDenied, NotFound
from tests import factories
from tests.services.access import assert_refused_alike

pytestmark = pytest.mark.usefixtures("database", "frozen")
THURSDAY = date(2026, 9, 17)


@pytest.fixture
def world():
    """Two towns; in each a canteen (one validated, one pending enrolment), a family
    whose child booked Thursday, a closure and an agent."""
    out = {}
    for name in ("A", "B"):
        with db.transaction() as s:
            org = factories.make_organization(s, name=f"Ville {name}")
            agent = factories.make_staff(s, org, email=f"agent{name}@example.org")
            staff = factories.actor(s, agent)
            canteen = factories.make_activity(s, org, staff, capacity=5)
            care = factories.make_activity(s, org, staff, name="Garderie", kind="evening_care",
                                           enrolment_mode="validation")
            household, _g, user = factories.make_household(s, email=f"parent{name}@example.org", org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            pending = factories.register(s, care, child, status="pending")
            session = factories.session_on(s, canteen, THURSDAY)
            w = {"org": org.id, "canteen": canteen.id, "care": care.id, "child": child.id, "session": session.id,
                 "registration": pending.id, "parent": factories.actor(s, user), "agent": staff}
        with db.transaction() as s:
            bookings.book_session(s, actor=w["parent"], child_id=w["child"], session_id=w["session"])
            closures.create_closure(s, actor=w["agent"], organization_id=w["org"], start=date(2026, 11, 2),
                                    end=date(2026, 11, 2), reason="Pont")
            w["feed"] = feeds.create_feed(s, actor=w["parent"]).rsplit("/", 1)[1]
        out[name] = w
    return out


FORM = {"name": "Pirate", "kind": "canteen", "unit": "meal", "start_date": "2026-09-01", "end_date": "2026-09-30",
        "day-0": "on", "start_time": "11:45", "end_time": "13:30", "capacity": "1", "band0_price": "1"}


def _request(child, activity):
    return BulkRequest(child_ids=[child], activity_id=activity, date_from=date(2026, 9, 14),
                       date_to=date(2026, 10, 1), weekdays=[0, 1, 3, 4])


def _snapshot():
    with db.read() as s:
        return (s.exec(select(Booking.child_id, Booking.session_id, Booking.status).order_by(Booking.id)).all(),
                s.exec(select(ActivityRegistration.id, ActivityRegistration.status)
                       .order_by(ActivityRegistration.id)).all(),
                s.exec(select(func.count()).select_from(Attendance)).one(),
                s.exec(select(func.count()).select_from(Closure)).one())


def test_parent_never_reaches_another_households_child(world):
    me, other = world["A"]["parent"], world["B"]
    before = _snapshot()
    calls = [
        lambda s: registrations.offered_activities(s, actor=me, child_id=other["child"]),
        lambda s: registrations.register_child(s, actor=me, activity_id=other["care"], child_id=other["child"]),
        lambda s: bookings.book_session(s, actor=me, child_id=other["child"], session_id=other["session"]),
        lambda s: bookings.book_session(s, actor=me, child_id=other["child"], session_id=other["session"],
                                        join_waiting_list=True),
        lambda s: bookings.cancel_booking(s, actor=me, child_id=other["child"], session_id=other["session"]),
        lambda s: calendar.month_view(s, actor=me, year=2026, month=9, child_id=other["child"]),
        lambda s: calendar.preview_bulk(s, actor=me, request=_request(other["child"], other["canteen"])),
        lambda s: calendar.apply_bulk(s, actor=me, request=_request(other["child"], other["canteen"])),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)
    assert _snapshot() == before


def test_parent_sees_only_their_own_calendar_activities_and_feed(world):
    me, mine, other = world["A"]["parent"], world["A"], world["B"]
    with db.read() as s:
        view = calendar.month_view(s, actor=me, year=2026, month=9)
        assert {(c.child_id, c.session_id) for d in view.days_with_sessions for c in d.cells
                if c.state == "booked"} == {(mine["child"], mine["session"])}
        # Asked for the other household's child, the page opens on one's own children only.
        page = calendar.open_calendar(s, actor=me, year=2026, month=9, child_id=other["child"])
        assert page.child_id == 0 and [c for c, _name in page.children] == [mine["child"]]
        assert {c.child_id for d in page.month.days_with_sessions for c in d.cells} == {mine["child"]}
        assert calendar.household_activities(s, actor=me) == [(mine["canteen"], "Restauration scolaire")]
        assert [a.organization for a in registrations.offered_activities(s, actor=me, child_id=mine["child"])] \
            == ["Ville A", "Ville A"]
        mine_ics = feeds.render_feed(s, token=mine["feed"].removesuffix(".ics"))
    assert b"Ville A" in mine_ics and b"Ville B" not in mine_ics
    # The other household's link is their own secret; revoking mine leaves theirs alone.
    with db.transaction() as s:
        feeds.revoke_feed(s, actor=me)
    with db.read() as s:
        assert b"Ville B" in feeds.render_feed(s, token=other["feed"].removesuffix(".ics"))


def test_parent_cannot_use_staff_services(world):
    me, mine = world["A"]["parent"], world["A"]
    before = _snapshot()
    org, form = mine["org"], activity_form.parse_activity_form(FORM)
    calls = [
        lambda s: activities.list_activities(s, actor=me, organization_id=org),
        lambda s: activities.get_activity(s, me, mine["canteen"]),
        lambda s: activity_form.activity_form_values(s, actor=me, activity_id=mine["canteen"], organization_id=org),
        lambda s: activities.save_activity(s, actor=me, organization_id=org, activity_id=mine["canteen"], data=form),
        lambda s: registrations.list_registrations(s, actor=me, organization_id=org),
        lambda s: registrations.decide_registration(s, actor=me, registration_id=mine["registration"], accept=True),
        lambda s: attendance.roster(s, actor=me, session_id=mine["session"]),
        lambda s: attendance.mark_attendance(s, actor=me, session_id=mine["session"], child_id=mine["child"],
                                             status="present"),
        lambda s: attendance.sessions_of_day(s, actor=me, organization_id=org, day=THURSDAY),
        lambda s: attendance.occupancy(s, actor=me, activity_id=mine["canteen"], start=THURSDAY),
        lambda s: attendance.daily_counts_csv(s, actor=me, organization_id=org, start=THURSDAY, end=THURSDAY),
        lambda s: closures.create_closure(s, actor=me, organization_id=org, start=THURSDAY, end=THURSDAY,
                                          reason="Grève"),
        lambda s: closures.list_closures(s, actor=me, organization_id=org),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)
    assert _snapshot() == before


def test_staff_cannot_act_as_a_parent(world):
    agent, mine = world["A"]["agent"], world["A"]
    calls = [
        lambda s: bookings.book_session(s, actor=agent, child_id=mine["child"], session_id=mine["session"]),
        lambda s: calendar.month_view(s, actor=agent, year=2026, month=9),
        lambda s: calendar.open_calendar(s, actor=agent, year=2026, month=9),
        lambda s: registrations.offered_activities(s, actor=agent, child_id=mine["child"]),
        lambda s: feeds.create_feed(s, actor=agent),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)


def test_staff_never_reach_another_organization(world):
    agent, mine, other = world["A"]["agent"], world["A"], world["B"]
    before = _snapshot()
    form = activity_form.parse_activity_form(FORM)
    calls = [
        lambda s: activities.list_activities(s, actor=agent, organization_id=other["org"]),
        lambda s: activities.get_activity(s, agent, other["canteen"]),
        lambda s: activity_form.activity_form_values(s, actor=agent, activity_id=other["canteen"],
                                                     organization_id=mine["org"]),
        lambda s: activities.save_activity(s, actor=agent, organization_id=mine["org"], activity_id=other["canteen"],
                                           data=form),
        lambda s: activities.save_activity(s, actor=agent, organization_id=other["org"], activity_id=None, data=form),
        lambda s: registrations.list_registrations(s, actor=agent, organization_id=other["org"]),
        lambda s: attendance.roster(s, actor=agent, session_id=other["session"]),
        lambda s: attendance.mark_attendance(s, actor=agent, session_id=other["session"], child_id=other["child"],
                                             status="present"),
        lambda s: attendance.sessions_of_day(s, actor=agent, organization_id=other["org"], day=THURSDAY),
        lambda s: attendance.occupancy(s, actor=agent, activity_id=other["canteen"], start=THURSDAY),
        lambda s: attendance.daily_counts_csv(s, actor=agent, organization_id=other["org"], start=THURSDAY,
                                              end=THURSDAY),
        lambda s: closures.create_closure(s, actor=agent, organization_id=other["org"], start=THURSDAY,
                                          end=THURSDAY, reason="Grève"),
        lambda s: closures.list_closures(s, actor=agent, organization_id=other["org"]),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)
    # Naming another organization's activity under one's own is "not found", not a closure of it.
    with pytest.raises(NotFound, match="Activité introuvable."), db.transaction() as s:
        closures.create_closure(s, actor=agent, organization_id=mine["org"], start=THURSDAY, end=THURSDAY,
                                reason="Grève", activity_id=other["canteen"])
    assert _snapshot() == before


# Services taking an id of a family's object from staff: (name, call(session, actor, world of the actor, id), key).
STAFF_ID_CALLS = [
    ("accept_registration", lambda s, a, w, i: registrations.decide_registration(
        s, actor=a, registration_id=i, accept=True), "registration"),
    ("refuse_registration", lambda s, a, w, i: registrations.decide_registration(
        s, actor=a, registration_id=i, accept=False, reason="Non"), "registration"),
    ("mark_attendance", lambda s, a, w, i: attendance.mark_attendance(
        s, actor=a, session_id=w["session"], child_id=i, status="unbooked_present"), "child"),
]


@pytest.mark.parametrize("name,call,key", STAFF_ID_CALLS, ids=[c[0] for c in STAFF_ID_CALLS])
def test_staff_ids_of_another_town_are_refused_like_missing_ones(world, frozen, name, call, key):
    frozen.move_to(datetime(2026, 9, 17, 18, 0, tzinfo=clock.PARIS))  # attendance is taken on the day
    mine, other = world["A"], world["B"]
    before = _snapshot()
    assert_refused_alike(lambda s, i: call(s, mine["agent"], mine, i), other[key])
    assert _snapshot() == before


def test_own_organization_is_reachable(world):
    agent, mine = world["A"]["agent"], world["A"]
    with db.read() as s:
        assert [r.name for r in activities.list_activities(s, actor=agent, organization_id=mine["org"])] == [
            "Garderie", "Restauration scolaire"]
        assert [line.child_id for line in attendance.roster(s, actor=agent, session_id=mine["session"]).lines] \
            == [mine["child"]]
        rows, total = registrations.list_registrations(s, actor=agent, organization_id=mine["org"])
        assert total == 1 and rows[0].id == mine["registration"]


# --- HTTP routes ------------------------------------------------------------------------------------

def _cookie(email):
    result = auth.login(email=email, password=factories.PASSWORD)
    with db.transaction() as s:
        return auth.exchange_ticket(s, ticket=result.ticket)


def test_daily_counts_csv_route_checks_the_organization(world):
    client = TestClient(build_api())

    def counts(org):
        return client.get(routes.DAILY_COUNTS, params={"organisation": org, "du": "2026-09-14", "au": "2026-09-18"})

    assert counts(world["B"]["org"]).status_code == 401  # no session
    client.cookies.set(routes.SESSION_COOKIE, _cookie("agentA@example.org"))
    assert counts(world["B"]["org"]).status_code == 403
    own = counts(world["A"]["org"])
    assert own.status_code == 200 and own.headers["cache-control"] == "private, no-store"
    assert own.headers["content-type"].startswith("text/csv")
    assert "effectifs-2026-09-14-2026-09-18.csv" in own.headers["content-disposition"]
    assert "17/09/2026;Restauration scolaire;1;5;0;" in own.content.decode("utf-8-sig").splitlines()
    bad = client.get(routes.DAILY_COUNTS, params={"organisation": world["A"]["org"], "du": "hier", "au": "demain"})
    assert bad.status_code == 400
    client.cookies.set(routes.SESSION_COOKIE, _cookie("parentA@example.org"))
    assert counts(world["A"]["org"]).status_code == 403


def test_calendar_feed_route_needs_a_live_link(world):
    client = TestClient(build_api())
    assert client.get(f"{routes.CALENDAR_FEED}/pas-un-vrai-lien.ics").status_code == 404
    own = client.get(f"{routes.CALENDAR_FEED}/{world['A']['feed']}")
    assert own.status_code == 200 and own.headers["content-type"].startswith("text/calendar")
    assert b"Ville A" in own.content and b"Ville B" not in own.content
    with db.transaction() as s:
        feeds.revoke_feed(s, actor=world["A"]["parent"])
    revoked = client.get(f"{routes.CALENDAR_FEED}/{world['A']['feed']}")
    assert revoked.status_code == 404 and revoked.text == "Lien d'agenda inconnu ou révoqué."
