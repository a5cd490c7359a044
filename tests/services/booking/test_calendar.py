"""The household's month calendar and bulk booking: every cell decided by the
rules engine, the preview saying exactly what confirming does."""

from datetime import date, datetime

import pytest
from sqlalchemy import event
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Activity, ActivitySession, Booking, Household, Organization, Person
from cityviz.services.booking import bookings, calendar, closures
from cityviz.services.booking.calendar import BulkRequest
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
# Now: Monday 14/09/2026 10:00. Canteen on Mondays, Tuesdays, Thursdays and Fridays,
# "2 jours ouvrés avant, 12h00": Tuesday 15 is past its deadline, Thursday 17 is open.


@pytest.fixture
def home():
    """The MARTIN household: Léo and Zoé registered to the canteen (2 places a day),
    Hugo registered to nothing; the DURAND household next door."""
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, capacity=2)
        household, _g, user = factories.make_household(s, email="martin@example.org", org=org)
        leo = factories.make_child(s, household, "Léo", date(2018, 5, 4), org=org)
        zoe = factories.make_child(s, household, "Zoé", date(2020, 2, 1), org=org)
        hugo = factories.make_child(s, household, "Hugo", date(2021, 6, 1), org=org)
        for child in (leo, zoe):
            factories.register(s, canteen, child)
        other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        neighbours = [factories.make_child(s, other, name, org=org) for name in ("Jade", "Tom")]
        for child in neighbours:
            factories.register(s, canteen, child)
        return {"org": org.id, "staff": staff, "canteen": canteen.id, "parent": factories.actor(s, user),
                "leo": leo.id, "zoe": zoe.id, "hugo": hugo.id, "neighbour": factories.actor(s, other_user),
                "neighbours": [c.id for c in neighbours]}


def _session(home, day):
    with db.read() as s:
        return s.exec(select(ActivitySession).where(ActivitySession.activity_id == home["canteen"],
                                                    ActivitySession.date == day)).one()


def _book(actor, child, day, home, **kw):
    with db.transaction() as s:
        return bookings.book_session(s, actor=actor, child_id=child, session_id=_session(home, day).id, **kw)


def _fill(home, day):
    for child in home["neighbours"]:
        _book(home["neighbour"], child, day, home)


def _month(home, child_id=None, year=2026, month=9):
    with db.read() as s:
        return calendar.month_view(s, actor=home["parent"], year=year, month=month, child_id=child_id)


def _cells(view, iso):
    day = next(d for week in view.weeks for d in week if d.iso == iso)
    return {c.child_name: (c.state, c.label, c.action) for c in day.cells}


def _bookings(home, child):
    with db.read() as s:
        return s.exec(select(ActivitySession.date).join(Booking, Booking.session_id == ActivitySession.id)
                      .where(Booking.child_id == child, Booking.status == "booked")
                      .order_by(ActivitySession.date)).all()


# --- The month -----------------------------------------------------------------------------------

def test_month_grid_has_whole_weeks_and_today(home):
    view = _month(home)
    assert view.title == "Septembre 2026"
    assert [len(w) for w in view.weeks] == [7] * 5
    assert (view.weeks[0][0].iso, view.weeks[-1][-1].iso) == ("2026-08-31", "2026-10-04")
    assert not view.weeks[0][0].in_month and view.weeks[0][1].in_month
    [today] = [d for w in view.weeks for d in w if d.is_today]
    assert (today.iso, today.title) == ("2026-09-14", "Lundi 14/09")
    # Phone list: days of the month with a session (Mon, Tue, Thu, Fri from Tuesday 1st).
    assert [d.title for d in view.days_with_sessions[:4]] == ["Mardi 01/09", "Jeudi 03/09", "Vendredi 04/09",
                                                              "Lundi 07/09"]
    assert len(view.days_with_sessions) == 17


def test_each_cell_says_what_can_be_done(home):
    _book(home["parent"], home["leo"], date(2026, 9, 17), home)
    _fill(home, date(2026, 9, 18))
    _book(home["parent"], home["zoe"], date(2026, 9, 18), home, join_waiting_list=True)
    with db.transaction() as s:
        closures.create_closure(s, actor=home["staff"], organization_id=home["org"], start=date(2026, 9, 21),
                                end=date(2026, 9, 21), reason="Grève")
    view = _month(home)
    assert _cells(view, "2026-09-08") == {"Léo": ("past", "Passé", ""), "Zoé": ("past", "Passé", "")}
    assert _cells(view, "2026-09-15") == {"Léo": ("deadline_passed", "Délai dépassé", ""),
                                          "Zoé": ("deadline_passed", "Délai dépassé", "")}
    assert _cells(view, "2026-09-16") == {}  # no canteen on Wednesdays
    assert _cells(view, "2026-09-17") == {"Léo": ("booked", "Réservé", "cancel"),
                                          "Zoé": ("available", "Disponible", "book")}
    assert _cells(view, "2026-09-18") == {"Léo": ("full", "Complet", "join"),
                                          "Zoé": ("waiting", "Liste d'attente : n° 1", "leave")}
    assert _cells(view, "2026-09-21") == {"Léo": ("closed", "Fermé", ""), "Zoé": ("closed", "Fermé", "")}
    day = next(d for w in view.weeks for d in w if d.iso == "2026-09-15")
    assert {c.reason for c in day.cells} == {"Délai dépassé : réservation possible jusqu'au vendredi 11/09/2026 "
                                             "à 12h00"}
    closed = next(d for w in view.weeks for d in w if d.iso == "2026-09-21")
    assert {(c.activity_name, c.reason) for c in closed.cells} == {("Restauration scolaire", "Fermé : Grève")}


def test_a_child_not_registered_gets_no_cell(home):
    view = _month(home)
    names = {c.child_name for week in view.weeks for d in week for c in d.cells}
    assert names == {"Léo", "Zoé"}
    only_hugo = _month(home, child_id=home["hugo"])
    assert only_hugo.days_with_sessions == [] and all(not d.cells for w in only_hugo.weeks for d in w)


def test_pending_registration_shows_why_it_cannot_be_booked(home):
    with db.transaction() as s:
        factories.register(s, s.get(Activity, home["canteen"]), s.get(Person, home["hugo"]), status="pending")
    assert _cells(_month(home, child_id=home["hugo"]), "2026-09-17") == {
        "Hugo": ("not_enrolled", "Inscription en attente", "")}


def test_one_child_only_and_never_another_households(home):
    assert {c.child_name for d in _month(home, child_id=home["zoe"]).days_with_sessions for c in d.cells} == {"Zoé"}
    with pytest.raises(AccessDenied):
        _month(home, child_id=home["neighbours"][0])
    with pytest.raises(InvalidInput, match="Mois invalide."):
        _month(home, month=13)


def test_month_view_reads_a_bounded_number_of_statements(home):
    def count(child_id=None):
        statements = []

        def listener(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.get_engine()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            _month(home, child_id=child_id)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    with db.transaction() as s:
        closures.create_closure(s, actor=home["staff"], organization_id=home["org"], start=date(2026, 9, 25),
                                end=date(2026, 9, 25), reason="Pont")
        household = s.get(Household, home["parent"].household_id)
        factories.register(s, s.get(Activity, home["canteen"]), s.get(Person, home["hugo"]))
    _book(home["parent"], home["leo"], date(2026, 9, 17), home)  # a booked date: its absences are read too
    small = count(child_id=home["leo"])
    # Many more sessions, children, bookings, closures and waiting lists: the same number of statements.
    with db.transaction() as s:
        org = s.get(Organization, home["org"])
        for name, days in (("Garderie du matin", [0, 1, 2, 3, 4]), ("Accueil de loisirs", [2]),
                           ("Étude", [0, 1, 3, 4])):
            activity = factories.make_activity(s, org, home["staff"], name=name, weekdays=days, capacity=40)
            for child in s.exec(select(Person).where(Person.household_id == household.id)).all():
                factories.register(s, activity, child)
    for day in (date(2026, 9, 17), date(2026, 9, 21), date(2026, 9, 22), date(2026, 9, 28)):
        for child in (home["leo"], home["zoe"]):
            if (day, child) != (date(2026, 9, 17), home["leo"]):
                _book(home["parent"], child, day, home)
    _fill(home, date(2026, 9, 24))
    _book(home["parent"], home["leo"], date(2026, 9, 24), home, join_waiting_list=True)
    with db.transaction() as s:
        closures.create_closure(s, actor=home["staff"], organization_id=home["org"], start=date(2026, 9, 29),
                                end=date(2026, 9, 30), reason="Travaux")
    large = count()
    assert sum(len(d.cells) for d in _month(home).days_with_sessions) > 150
    assert large == small <= 10  # 8 before the reported absences and the menu (one statement each)


# --- Bulk and recurring booking --------------------------------------------------------------------

MON_THU = [0, 3]


def _request(home, **kw):
    values = dict(child_ids=[home["leo"], home["zoe"]], activity_id=home["canteen"], date_from=date(2026, 9, 14),
                  date_to=date(2026, 10, 1), weekdays=MON_THU)
    values.update(kw)
    return BulkRequest(**values)


def _preview(home, request):
    with db.read() as s:
        return calendar.preview_bulk(s, actor=home["parent"], request=request)


def _apply(home, request):
    with db.transaction() as s:
        return calendar.apply_bulk(s, actor=home["parent"], request=request)


def _table(lines):
    return {(line.child_name, line.day): (line.ok, line.outcome) for line in lines}


DEADLINE_14 = "Délai dépassé : réservation possible jusqu'au jeudi 10/09/2026 à 12h00"
FULL = "Complet : vous pouvez rejoindre la liste d'attente."


def test_preview_lists_every_monday_and_thursday_with_the_reason_for_each_refusal(home):
    _book(home["parent"], home["leo"], date(2026, 9, 17), home)
    _fill(home, date(2026, 9, 24))
    expected = {}
    for child in ("Léo", "Zoé"):
        expected |= {(child, "lun. 14/09/2026"): (False, DEADLINE_14),
                     (child, "jeu. 17/09/2026"): (True, "Sera réservé"),
                     (child, "lun. 21/09/2026"): (True, "Sera réservé"),
                     (child, "jeu. 24/09/2026"): (False, FULL),
                     (child, "lun. 28/09/2026"): (True, "Sera réservé"),
                     (child, "jeu. 01/10/2026"): (True, "Sera réservé")}
    expected[("Léo", "jeu. 17/09/2026")] = (False, "Déjà réservé")
    lines = _preview(home, _request(home))
    assert _table(lines) == expected and len(lines) == 12
    assert {line.activity_name for line in lines} == {"Restauration scolaire"}
    assert _bookings(home, home["zoe"]) == []  # a preview books nothing


def test_apply_does_exactly_what_the_preview_said(home):
    _book(home["parent"], home["leo"], date(2026, 9, 17), home)
    _fill(home, date(2026, 9, 24))
    preview = _table(_preview(home, _request(home)))
    done = _table(_apply(home, _request(home)))
    assert done.keys() == preview.keys()
    for key, (ok, outcome) in preview.items():
        assert done[key] == ((True, "Réservé") if ok else (False, outcome))
    booked = [date(2026, 9, 17), date(2026, 9, 21), date(2026, 9, 28), date(2026, 10, 1)]
    assert _bookings(home, home["leo"]) == _bookings(home, home["zoe"]) == booked
    assert [_session(home, d).booked_count for d in booked] == [2, 2, 2, 2]
    assert _session(home, date(2026, 9, 24)).waiting_count == 0
    # Confirming twice books nothing more.
    assert {outcome for ok, outcome in _table(_apply(home, _request(home))).values() if ok} == set()


def test_children_not_registered_to_the_activity_are_told_so(home):
    """Hugo is registered to nothing: not an empty preview, but why; nothing is booked."""
    for call in (_preview, _apply):
        with pytest.raises(InvalidInput) as refused:
            call(home, _request(home, child_ids=[home["hugo"]]))
        assert (refused.value.message, refused.value.field) == (
            "Pas d'inscription d'Hugo à cette activité : passez d'abord par « Inscrire à une activité ».",
            "activity_id")
    with pytest.raises(InvalidInput, match="^Pas d'inscription de Léo ni d'Hugo à cette activité"):
        _preview(home, _request(home, child_ids=[home["hugo"], home["leo"]], activity_id=home["canteen"] + 99))
    assert _bookings(home, home["hugo"]) == []
    # One of them registered: the dates of that one, as before.
    assert {line.child_name for line in _preview(home, _request(home, child_ids=[home["hugo"], home["leo"]]))} == {
        "Léo"}


def test_result_is_sorted_by_date_then_child(home):
    lines = _apply(home, _request(home, date_from=date(2026, 9, 17), date_to=date(2026, 9, 21)))
    assert [(line.day, line.child_name, line.outcome) for line in lines] == [
        ("jeu. 17/09/2026", "Léo", "Réservé"), ("jeu. 17/09/2026", "Zoé", "Réservé"),
        ("lun. 21/09/2026", "Léo", "Réservé"), ("lun. 21/09/2026", "Zoé", "Réservé")]


def test_full_dates_can_go_to_the_waiting_list(home):
    _fill(home, date(2026, 9, 24))
    request = _request(home, date_from=date(2026, 9, 24), date_to=date(2026, 9, 24), join_waiting_list=True)
    assert _table(_preview(home, request)) == {
        ("Léo", "jeu. 24/09/2026"): (True, "Complet : sera ajouté à la liste d'attente"),
        ("Zoé", "jeu. 24/09/2026"): (True, "Complet : sera ajouté à la liste d'attente")}
    assert _table(_apply(home, request)) == {("Léo", "jeu. 24/09/2026"): (True, "Liste d'attente : n° 1"),
                                             ("Zoé", "jeu. 24/09/2026"): (True, "Liste d'attente : n° 2")}
    session = _session(home, date(2026, 9, 24))
    assert (session.booked_count, session.waiting_count) == (2, 2)


def test_cancel_a_range_says_which_dates_are_past_their_cancellation_deadline(home, frozen):
    _apply(home, _request(home))
    frozen.move_to(datetime(2026, 9, 15, 13, 0, tzinfo=clock.PARIS))
    late = "Annulation impossible : délai dépassé (mardi 15/09/2026 à 12h00)"
    request = _request(home, action="cancel")
    expected = {}
    for child in ("Léo", "Zoé"):
        expected[(child, "jeu. 17/09/2026")] = (False, late)
        for day in ("lun. 21/09/2026", "jeu. 24/09/2026", "lun. 28/09/2026", "jeu. 01/10/2026"):
            expected[(child, day)] = (True, "Sera annulé")
    assert _table(_preview(home, request)) == expected
    assert _table(_apply(home, request)) == {key: (ok, "Annulé" if ok else outcome)
                                             for key, (ok, outcome) in expected.items()}
    assert _bookings(home, home["leo"]) == _bookings(home, home["zoe"]) == [date(2026, 9, 17)]
    assert _session(home, date(2026, 9, 21)).booked_count == 0


def test_cancelling_in_bulk_frees_places_for_the_waiting_list(home):
    _apply(home, _request(home, date_from=date(2026, 9, 24), date_to=date(2026, 9, 24)))
    with db.transaction() as s:
        neighbour = home["neighbours"][0]
        bookings.book_session(s, actor=home["neighbour"], child_id=neighbour,
                              session_id=_session(home, date(2026, 9, 24)).id, join_waiting_list=True)
    _apply(home, _request(home, child_ids=[home["zoe"]], date_from=date(2026, 9, 24), date_to=date(2026, 9, 24),
                          action="cancel"))
    assert _bookings(home, home["neighbours"][0]) == [date(2026, 9, 24)]


def test_join_waiting_list_then_leave_it(home):
    _fill(home, date(2026, 9, 24))
    outcome = _book(home["parent"], home["zoe"], date(2026, 9, 24), home, join_waiting_list=True)
    assert (outcome.status, outcome.position) == ("waiting", 1)
    assert _cells(_month(home), "2026-09-24")["Zoé"] == ("waiting", "Liste d'attente : n° 1", "leave")
    with db.transaction() as s:
        bookings.cancel_booking(s, actor=home["parent"], child_id=home["zoe"],
                                session_id=_session(home, date(2026, 9, 24)).id)
    assert _cells(_month(home), "2026-09-24")["Zoé"] == ("full", "Complet", "join")
    assert _session(home, date(2026, 9, 24)).waiting_count == 0


@pytest.mark.parametrize(("changes", "message"), [
    ({"activity_id": 0}, "Choisissez une activité."),
    ({"child_ids": []}, "Choisissez au moins un enfant."),
    ({"date_to": date(2026, 9, 1)}, "La date de fin doit suivre la date de début."),
    ({"date_to": date(2027, 4, 1)}, "Choisissez une période de six mois au plus."),
    ({"weekdays": []}, "Choisissez au moins un jour de la semaine."),
    ({"action": "delete"}, "Action inconnue."),
])
def test_bad_bulk_requests_are_refused_in_french(home, changes, message):
    for call in (_preview, _apply):
        with pytest.raises(InvalidInput) as refused:
            call(home, _request(home, **changes))
        assert refused.value.message == message


def test_bulk_never_touches_another_households_child(home):
    request = _request(home, child_ids=[home["leo"], home["neighbours"][0]])
    for call in (_preview, _apply):
        with pytest.raises(AccessDenied):
            call(home, request)
    assert _bookings(home, home["leo"]) == []


def test_household_activities_lists_validated_registrations(home):
    with db.read() as s:
        assert calendar.household_activities(s, actor=home["parent"]) == [(home["canteen"],
                                                                            "Restauration scolaire")]
