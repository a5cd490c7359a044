"""Staff side of a session: roster and attendance (pointage), occupancy and the
kitchen's CSV; closures; the household's private calendar feed."""

from datetime import date, datetime

import pytest
from icalendar import Calendar
from sqlmodel import col, select

from cityviz import clock, config, db
from cityviz.models import Activity, ActivitySession, Attendance, AuditEntry, Booking, Organization, OutboxEmail, Person
from cityviz.services.booking import activities, attendance, bookings, closures, feeds, rules
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
# Now: Monday 14/09/2026 10:00. The canteen (11h45) can be booked until it starts,
# so today's session is booked this morning and marked at lunch.
TODAY, THURSDAY, FRIDAY = date(2026, 9, 14), date(2026, 9, 17), date(2026, 9, 18)


@pytest.fixture
def town():
    """Léo (peanut allergy) and Zoé MARTIN, Jade and Tom DURAND registered to the canteen;
    Hugo MARTIN registered to nothing. Léo, Zoé and Jade booked today."""
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, capacity=3, booking=rules.NoticeRule("none"),
                                          cancel=rules.NoticeRule("none"))
        children, parents = {}, {}
        for family, names in (("MARTIN", ("Léo", "Zoé", "Hugo")), ("DURAND", ("Jade", "Tom"))):
            household, _g, user = factories.make_household(s, last_name=family, email=f"{family.lower()}@example.org",
                                                           org=org)
            parents[family] = factories.actor(s, user)
            for name in names:
                child = factories.make_child(s, household, name, org=org)
                child.last_name = family
                children[name] = child
                if name != "Hugo":
                    factories.register(s, canteen, child)
        children["Léo"].allergies = "Arachide"
        out = {"org": org.id, "staff": staff, "canteen": canteen.id, "parents": parents,
               **{name: child.id for name, child in children.items()}}
    for family, name in (("MARTIN", "Léo"), ("MARTIN", "Zoé"), ("DURAND", "Jade")):
        _book(out, family, name, TODAY)
    return out


def _session(town, day, activity=None):
    with db.read() as s:
        return s.exec(select(ActivitySession).where(ActivitySession.activity_id == (activity or town["canteen"]),
                                                    ActivitySession.date == day)).one()


def _book(town, family, name, day, **kw):
    with db.transaction() as s:
        return bookings.book_session(s, actor=town["parents"][family], child_id=town[name],
                                     session_id=_session(town, day).id, **kw)


def _roster(town, day=TODAY):
    with db.read() as s:
        return attendance.roster(s, actor=town["staff"], session_id=_session(town, day).id)


def _mark(town, name, status, day=TODAY):
    with db.transaction() as s:
        attendance.mark_attendance(s, actor=town["staff"], session_id=_session(town, day).id, child_id=town[name],
                                   status=status)


def _close(town, start, end, reason="Grève", activity_id=None):
    with db.transaction() as s:
        return closures.create_closure(s, actor=town["staff"], organization_id=town["org"], start=start, end=end,
                                       reason=reason, activity_id=activity_id)


# --- Roster and attendance ----------------------------------------------------------------------

def test_roster_lists_the_booked_children_with_their_allergies(town):
    roster = _roster(town)
    assert (roster.activity, roster.day, roster.is_canteen, roster.closed) == (
        "Restauration scolaire", "lun. 14/09/2026", True, False)
    assert [(line.name, line.level, line.allergies, line.booked, line.status_label) for line in roster.lines] == [
        ("DURAND Jade", "CE1", "", True, "À pointer"),
        ("MARTIN Léo", "CE1", "Arachide", True, "À pointer"),
        ("MARTIN Zoé", "CE1", "", True, "À pointer")]
    assert roster.marked == 0
    assert roster.others == [[str(town["Tom"]), "DURAND Tom"]]  # registered, not booked; Hugo is not registered


def test_marking_present_absent_and_justified(town):
    _mark(town, "Léo", "present")
    _mark(town, "Zoé", "absent")
    _mark(town, "Jade", "absent")
    _mark(town, "Jade", "justified")  # the medical certificate arrived: the mark changes
    roster = _roster(town)
    assert [(line.name, line.status, line.status_label) for line in roster.lines] == [
        ("DURAND Jade", "justified", "Absent justifié"), ("MARTIN Léo", "present", "Présent"),
        ("MARTIN Zoé", "absent", "Absent")]
    assert roster.marked == 3
    with db.read() as s:
        assert len(s.exec(select(Attendance)).all()) == 3
        audited = s.exec(select(AuditEntry).where(AuditEntry.action == "attendance.mark")).all()
    assert len(audited) == 4 and {a.actor_id for a in audited} == {town["staff"].user_id}


def test_present_without_booking_only_for_a_registered_child_without_booking(town):
    _mark(town, "Tom", "unbooked_present")
    roster = _roster(town)
    assert [(line.name, line.booked, line.status_label) for line in roster.lines if line.name == "DURAND Tom"] == [
        ("DURAND Tom", False, "Présent sans réservation")]
    assert roster.others == []
    with pytest.raises(InvalidInput, match="Cet enfant a une réservation : choisissez présent ou absent."):
        _mark(town, "Léo", "unbooked_present")
    with pytest.raises(NotFound, match="Enfant inconnu de cette activité."):
        _mark(town, "Hugo", "unbooked_present")
    with db.transaction() as s:  # a refused enrolment is no enrolment
        factories.register(s, s.get(Activity, town["canteen"]), s.get(Person, town["Hugo"]), status="refused")
    with pytest.raises(NotFound, match="Enfant inconnu de cette activité."):
        _mark(town, "Hugo", "unbooked_present")
    assert _roster(town).others == []
    with db.read() as s:
        assert s.exec(select(Attendance.child_id)).all() == [town["Tom"]]


def test_a_child_without_booking_can_only_be_present_without_booking(town):
    with pytest.raises(InvalidInput) as refused:
        _mark(town, "Tom", "present")
    assert refused.value.message == "Sans réservation, seul « Présent sans réservation » est possible."


def test_unknown_status_future_session_and_closed_session_are_refused(town):
    with pytest.raises(InvalidInput, match="Statut de pointage inconnu."):
        _mark(town, "Léo", "late")
    _book(town, "MARTIN", "Léo", THURSDAY)
    with pytest.raises(Conflict, match="Le pointage se fait le jour même ou après."):
        _mark(town, "Léo", "present", day=THURSDAY)
    _close(town, TODAY, TODAY, reason="Grève du personnel")
    assert _roster(town).closed
    with pytest.raises(Conflict, match="Cette séance est fermée."):
        _mark(town, "Léo", "present")
    with db.read() as s:
        assert s.exec(select(Attendance)).all() == []


def test_past_sessions_can_still_be_marked(town, frozen):
    frozen.move_to(datetime(2026, 9, 21, 9, 0, tzinfo=clock.PARIS))
    _mark(town, "Zoé", "absent")
    assert [line.status for line in _roster(town).lines] == ["", "", "absent"]


def test_sessions_of_the_day_count_bookings_and_marks(town):
    _mark(town, "Léo", "present")
    with db.read() as s:
        day = attendance.sessions_of_day(s, actor=town["staff"], organization_id=town["org"], day=TODAY)
    assert [(d.activity, d.booked, d.marked, d.closed) for d in day] == [("Restauration scolaire", 3, 1, False)]


# --- Occupancy and the kitchen's CSV ----------------------------------------------------------------

def test_occupancy_rows(town):
    _book(town, "MARTIN", "Léo", THURSDAY)
    for name in ("Léo", "Zoé", "Jade"):
        _book(town, "MARTIN" if name != "Jade" else "DURAND", name, FRIDAY)
    _book(town, "DURAND", "Tom", FRIDAY, join_waiting_list=True)
    _close(town, date(2026, 9, 15), date(2026, 9, 15), reason="Sortie scolaire")
    with db.read() as s:
        rows = attendance.occupancy(s, actor=town["staff"], activity_id=town["canteen"], start=TODAY, days=7)
    assert [(r.day, r.iso, r.booked, r.capacity, r.waiting, r.closed, r.ratio) for r in rows] == [
        ("lun. 14/09/2026", "2026-09-14", 3, 3, 0, "", 100),
        ("mar. 15/09/2026", "2026-09-15", 0, 3, 0, "Sortie scolaire", 0),
        ("jeu. 17/09/2026", "2026-09-17", 1, 3, 0, "", 33),
        ("ven. 18/09/2026", "2026-09-18", 3, 3, 1, "", 100)]


def test_daily_counts_csv_for_a_spreadsheet(town):
    _book(town, "MARTIN", "Léo", THURSDAY)
    _close(town, date(2026, 9, 15), date(2026, 9, 15))
    with db.read() as s:
        data = attendance.daily_counts_csv(s, actor=town["staff"], organization_id=town["org"], start=TODAY,
                                           end=THURSDAY)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
    assert data.decode("utf-8-sig").splitlines() == [
        "Date;Activité;Réservés;Capacité;Liste d'attente;Fermé",
        "14/09/2026;Restauration scolaire;3;3;0;",
        "15/09/2026;Restauration scolaire;0;3;0;oui",
        "17/09/2026;Restauration scolaire;1;3;0;"]


def test_daily_counts_period_is_checked(town):
    for start, end in ((THURSDAY, TODAY), (date(2026, 1, 1), date(2027, 2, 1))):
        with pytest.raises(InvalidInput, match="Choisissez une période d'un an au plus."), db.read() as s:
            attendance.daily_counts_csv(s, actor=town["staff"], organization_id=town["org"], start=start, end=end)


# --- Closures ----------------------------------------------------------------------------------------

def _add_activity(town, **overrides):
    with db.transaction() as s:
        return factories.make_activity(s, s.get(Organization, town["org"]), town["staff"], **overrides).id


def _booking_status(town, name, day, activity=None):
    with db.read() as s:
        return s.exec(select(Booking.status, Booking.cancel_reason).where(
            Booking.child_id == town[name], Booking.session_id == _session(town, day, activity).id)).one()


def test_closing_one_activity_cancels_its_bookings_and_tells_the_families(town):
    care = _add_activity(town, name="Garderie du soir", kind="evening_care", unit="hour",
                         booking=rules.NoticeRule("none"))
    with db.transaction() as s:
        factories.register(s, s.get(Activity, care), s.get(Person, town["Léo"]))
        bookings.book_session(s, actor=town["parents"]["MARTIN"], child_id=town["Léo"],
                              session_id=_session(town, FRIDAY, care).id)
    for name in ("Léo", "Jade"):
        _book(town, "MARTIN" if name == "Léo" else "DURAND", name, FRIDAY)
    result = _close(town, FRIDAY, FRIDAY, reason="Sortie au musée", activity_id=town["canteen"])
    assert (result.sessions, result.cancelled, result.households) == (1, 2, 2)
    assert _booking_status(town, "Léo", FRIDAY) == ("cancelled", "closure")
    assert _booking_status(town, "Léo", FRIDAY, care) == ("booked", None)  # the other activity stays open
    friday = _session(town, FRIDAY)
    assert (friday.booked_count, friday.closure_id) == (0, result.closure_id)
    with db.read() as s:
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "durand@example.org")).one()
        rows = closures.list_closures(s, actor=town["staff"], organization_id=town["org"])
    assert mail.subject == "Fermeture : réservations annulées"
    assert "(Sortie au musée)" in mail.body and "- 18/09/2026 : Restauration scolaire (Jade)" in mail.body
    assert [(r.dates, r.scope, r.reason) for r in rows] == [("18/09/2026", "Restauration scolaire",
                                                             "Sortie au musée")]


def test_closing_the_whole_organization_closes_every_activity(town):
    care = _add_activity(town, name="Garderie du soir", kind="evening_care", unit="hour")
    result = _close(town, date(2026, 10, 19), date(2026, 10, 30), reason="Vacances de la Toussaint")
    assert result.sessions == 16  # 8 canteen days and 8 after-school days
    with db.read() as s:
        open_days = s.exec(select(ActivitySession.date).where(
            ActivitySession.date >= date(2026, 10, 19), ActivitySession.date <= date(2026, 10, 30),
            col(ActivitySession.activity_id).in_([town["canteen"], care]),
            col(ActivitySession.closure_id).is_(None))).all()
        [row] = closures.list_closures(s, actor=town["staff"], organization_id=town["org"])
    assert open_days == []
    assert (row.dates, row.scope) == ("du 19/10/2026 au 30/10/2026", "Toutes les activités")


def test_sessions_created_later_on_closed_days_stay_closed(town):
    _close(town, date(2026, 10, 19), date(2026, 10, 30), reason="Vacances de la Toussaint")
    _close(town, date(2026, 12, 21), date(2027, 1, 1), reason="Vacances de Noël", activity_id=town["canteen"])
    leisure = _add_activity(town, name="Accueil de loisirs", kind="leisure", unit="day", weekdays=[2],
                            end_date=date(2027, 1, 6))
    assert _session(town, date(2026, 10, 21), leisure).closure_id is not None
    assert _session(town, date(2026, 12, 23), leisure).closure_id is None  # closed for the canteen only
    with db.transaction() as s:  # the canteen is extended into the Christmas holidays
        canteen = activities.get_activity(s, town["staff"], town["canteen"])
        canteen.end_date = date(2027, 1, 8)
        activities.sync_sessions(s, canteen)
    assert _session(town, date(2026, 12, 22)).closure_id is not None
    assert _session(town, date(2027, 1, 4)).closure_id is None
    with pytest.raises(bookings.BookingRefused, match="Fermé : Vacances de Noël"), db.transaction() as s:
        bookings.book_session(s, actor=town["parents"]["MARTIN"], child_id=town["Léo"],
                                  session_id=_session(town, date(2026, 12, 22)).id)


@pytest.mark.parametrize(("start", "end", "reason", "message"), [
    (FRIDAY, FRIDAY, "  ", "Indiquez le motif de la fermeture : les familles le liront."),
    (FRIDAY, THURSDAY, "Grève", "La date de fin doit suivre la date de début."),
    (FRIDAY, date(2027, 1, 18), "Grève", "Une fermeture dure au plus 120 jours."),
])
def test_closure_input_is_checked(town, start, end, reason, message):
    with pytest.raises(InvalidInput) as refused:
        _close(town, start, end, reason=reason)
    assert refused.value.message == message
    assert _session(town, FRIDAY).closure_id is None


# --- Calendar feed ---------------------------------------------------------------------------------

def _feed_url(town, family="MARTIN"):
    with db.transaction() as s:
        return feeds.create_feed(s, actor=town["parents"][family])


def _token(url):
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def _events(token):
    with db.read() as s:
        calendar = Calendar.from_ical(feeds.render_feed(s, token=token))
    return [(str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend"), str(e["location"]))
            for e in calendar.walk("VEVENT")]


def test_feed_lists_the_households_booked_sessions_and_only_them(town):
    _book(town, "MARTIN", "Léo", THURSDAY)
    _book(town, "MARTIN", "Zoé", THURSDAY)
    with db.transaction() as s:
        bookings.cancel_booking(s, actor=town["parents"]["MARTIN"], child_id=town["Zoé"],
                                session_id=_session(town, THURSDAY).id)
    for family, name in (("MARTIN", "Léo"), ("MARTIN", "Zoé"), ("DURAND", "Tom")):
        _book(town, family, name, FRIDAY)
    _book(town, "DURAND", "Jade", FRIDAY, join_waiting_list=True)
    url = _feed_url(town)
    assert url.startswith(f"{config.get().public_url}/agenda/") and url.endswith(".ics")
    events = _events(_token(url))
    paris = clock.PARIS
    assert sorted((start, summary) for summary, start, _end, _loc in events) == [
        (datetime(2026, 9, 14, 11, 45, tzinfo=paris), "Restauration scolaire – Léo"),
        (datetime(2026, 9, 14, 11, 45, tzinfo=paris), "Restauration scolaire – Zoé"),
        (datetime(2026, 9, 17, 11, 45, tzinfo=paris), "Restauration scolaire – Léo"),
        (datetime(2026, 9, 18, 11, 45, tzinfo=paris), "Restauration scolaire – Léo"),
        (datetime(2026, 9, 18, 11, 45, tzinfo=paris), "Restauration scolaire – Zoé")]
    assert {(end, loc) for _s, start, end, loc in events if start.day == 17} == {
        (datetime(2026, 9, 17, 13, 30, tzinfo=paris), "Bretteville-sur-Odon")}


def test_revoked_or_replaced_link_stops_working(town):
    first = _token(_feed_url(town))
    with db.read() as s:
        assert feeds.has_feed(s, actor=town["parents"]["MARTIN"])
    second = _token(_feed_url(town))
    assert second != first and len(_events(second)) == 2
    with pytest.raises(NotFound, match="Lien d'agenda inconnu ou révoqué."):
        _events(first)
    with db.transaction() as s:
        feeds.revoke_feed(s, actor=town["parents"]["MARTIN"])
    with pytest.raises(NotFound, match="Lien d'agenda inconnu ou révoqué."):
        _events(second)
    with db.read() as s:
        assert not feeds.has_feed(s, actor=town["parents"]["MARTIN"])
