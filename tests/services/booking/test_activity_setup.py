"""Staff set up an activity: the form's strings checked in French, sessions
generated from the rules and kept in line when the activity changes."""

import dataclasses
from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import Activity, ActivitySession, AuditEntry, Person
from cityviz.services.booking import activities, activity_form, attendance, bookings, rules
from cityviz.services.booking.activity_form import parse_activity_form
from cityviz.services.errors import Conflict, InvalidInput
from cityviz.services.inputs import parse_euros
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
# Now: Monday 14/09/2026 10:00.

FORM = {
    "name": "Restauration scolaire", "kind": "canteen", "unit": "meal", "description": "Repas bio le jeudi",
    "start_date": "2026-09-01", "end_date": "2026-09-30", "day-0": "on", "day-3": "on",
    "start_time": "11:45", "end_time": "13:30", "capacity": "50", "enrolment_mode": "validation",
    "max_enrolled": "120", "min_age": "3", "max_age": "11", "level-CP": "on", "level-CE1": "on", "horizon_days": "",
    "booking_kind": "working_days", "booking_days": "2", "booking_time": "12:00", "booking_weekday": "",
    "cancel_kind": "previous_week", "cancel_days": "", "cancel_time": "23:59", "cancel_weekday": "1",
    "late_kind": "none", "late_days": "", "late_time": "", "late_weekday": "",
    "late_surcharge_percent": "", "unbooked_surcharge_percent": "25",
    "band0_qf": "500", "band0_price": "1,20", "band1_qf": "900", "band1_price": "2,50",
    "band2_qf": "", "band2_price": "3,60", "band3_qf": "", "band3_price": "", "is_open": "on",
}


def _form(**changes):
    form = {**FORM, **changes}
    return {key: value for key, value in form.items() if value is not None}


def _refusal(form):
    with pytest.raises(InvalidInput) as refused:
        parse_activity_form(form)
    return refused.value


# --- The form ------------------------------------------------------------------------------------

def test_form_strings_become_a_checked_input():
    data = parse_activity_form(_form())
    assert (data.name, data.kind, data.unit, data.description) == ("Restauration scolaire", "canteen", "meal",
                                                                   "Repas bio le jeudi")
    assert (data.start_date, data.end_date, data.weekdays) == (date(2026, 9, 1), date(2026, 9, 30), [0, 3])
    assert (data.start_minutes, data.end_minutes, data.capacity) == (11 * 60 + 45, 13 * 60 + 30, 50)
    assert (data.enrolment_mode, data.max_enrolled, data.min_age, data.max_age) == ("validation", 120, 3, 11)
    assert (data.eligible_levels, data.horizon_days, data.is_open) == (["CP", "CE1"], None, True)
    assert data.booking == rules.NoticeRule("working_days", 2, 12 * 60)
    assert data.cancel == rules.NoticeRule("previous_week", 0, 23 * 60 + 59, 1)
    assert data.late == rules.NoticeRule("none")
    assert (data.late_surcharge_percent, data.unbooked_surcharge_percent) == (0, 25)
    assert data.price_bands == [(500, 120), (900, 250), (None, 360)]


@pytest.mark.parametrize(("text", "cents"), [("1,20", 120), ("1.20", 120), ("1,2", 120), ("3", 300),
                                             ("0,05", 5), ("2,50 €", 250), ("1 234,50", 123450),
                                             ("1\u202f234,50", 123450), (" 0 ", 0)])
def test_euros_become_cents_without_floats(text, cents):
    assert parse_euros(text, "band0_price") == cents


@pytest.mark.parametrize("text", ["", "abc", "1,234", "-1", "1,2,3", "1,-5", "+2", "2,5a", "²", "1,2²", "1e3"])
def test_bad_amounts_are_refused(text):
    with pytest.raises(InvalidInput) as refused:
        parse_euros(text, "band1_price")
    assert (refused.value.message, refused.value.field) == ("Montant invalide (exemple : 2,50).", "band1_price")


def test_a_bad_price_in_the_form_names_its_field():
    refusal = _refusal(_form(band1_price="deux euros"))
    assert (refusal.message, refusal.field) == ("Montant invalide (exemple : 2,50).", "band1_price")


@pytest.mark.parametrize("text", ["", "midi", "12h00", "24:00", "25:00", "12:60", "12:75", "12:-5", "-1:30"])
def test_bad_times_are_refused(text):
    refusal = _refusal(_form(start_time=text))
    assert (refusal.message, refusal.field) == ("Heure invalide (exemple : 12:00).", "start_time")


def test_only_the_ticked_weekdays_are_kept():
    form = _form(**{"day-0": None, "day-3": None, "day-2": "on", "day-5": "", "day-6": "on"})
    assert parse_activity_form(form).weekdays == [2, 6]


@pytest.mark.parametrize(("changes", "message", "field"), [
    ({"booking_kind": "previous_week", "booking_weekday": ""}, "Choisissez le jour de la semaine précédente.",
     "booking_weekday"),
    ({"booking_kind": "previous_week", "booking_weekday": "7"}, "Choisissez le jour de la semaine précédente.",
     "booking_weekday"),
    ({"booking_kind": "three_days"}, "Type de délai inconnu.", "booking_kind"),
    ({"booking_days": "61"}, "Un délai compte au plus 60 jours.", "booking_days"),
    ({"booking_days": "deux"}, "Nombre de jours : un nombre entier est attendu.", "booking_days"),
    ({"booking_days": "²"}, "Nombre de jours : un nombre entier est attendu.", "booking_days"),
    ({"cancel_time": "23:99"}, "Heure invalide (exemple : 12:00).", "cancel_time"),
    ({"start_date": ""}, "Indiquez les dates de début et de fin.", "start_date"),
    ({"end_date": "31/12/2026"}, "Indiquez les dates de début et de fin.", "start_date"),
    ({"capacity": "cinquante"}, "Capacité : un nombre entier est attendu.", "capacity"),
    ({"max_enrolled": "-3"}, "Nombre maximum d'inscrits : un nombre entier est attendu.", "max_enrolled"),
])
def test_form_errors_are_french_and_name_the_field(changes, message, field):
    refusal = _refusal(_form(**changes))
    assert (refusal.message, refusal.field) == (message, field)


def test_previous_week_rule_keeps_its_weekday_and_other_rules_ignore_it():
    data = parse_activity_form(_form(booking_kind="previous_week", booking_days="", booking_weekday="1",
                                     booking_time="23:59",
                                     late_kind="calendar_days", late_days="1", late_weekday="4"))
    assert data.booking == rules.NoticeRule("previous_week", 0, 23 * 60 + 59, 1)
    assert data.late == rules.NoticeRule("calendar_days", 1, 0, None)


# --- Saving: checks, sessions, changes -------------------------------------------------------------

@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org))
        household, _g, user = factories.make_household(s, email="martin@example.org", org=org)
        children = [factories.make_child(s, household, name, org=org).id for name in ("Léo", "Zoé")]
        return {"org": org.id, "staff": staff, "parent": factories.actor(s, user), "children": children}


def _save(town, form, activity_id=None):
    data = parse_activity_form(form) if isinstance(form, dict) else form
    with db.transaction() as s:
        return activities.save_activity(s, actor=town["staff"], organization_id=town["org"], activity_id=activity_id,
                                        data=data)


def _days(activity_id):
    with db.read() as s:
        return s.exec(select(ActivitySession.date).where(ActivitySession.activity_id == activity_id)
                      .order_by(ActivitySession.date)).all()


def _book_all(town, activity_id, day):
    with db.transaction() as s:
        activity = s.get(Activity, activity_id)
        session = factories.session_on(s, activity, day)
        for child in town["children"]:
            if bookings.registration_status(s, activity_id, child) is None:
                factories.register(s, activity, s.get(Person, child))
            bookings.book_session(s, actor=town["parent"], child_id=child, session_id=session.id)


def test_sessions_only_on_the_chosen_weekdays_within_the_dates(town):
    activity_id = _save(town, _form())
    assert _days(activity_id) == [date(2026, 9, d) for d in (3, 7, 10, 14, 17, 21, 24, 28)]
    with db.read() as s:
        activity = s.get(Activity, activity_id)
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "activity.save")).one()
    assert (activity.weekdays, activity.eligible_levels, activity.capacity) == ("0,3", "CP,CE1", 50)
    assert (entry.object_id, entry.actor_id) == (activity_id, town["staff"].user_id)


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "  "}, "Indiquez le nom de l'activité (120 caractères au plus)."),
    ({"end_date": "2026-08-31"}, "La date de fin doit suivre la date de début."),
    ({"end_date": "2027-12-31"}, "Une activité couvre au plus une année scolaire."),
    ({"day-0": None, "day-3": None}, "Choisissez au moins un jour de la semaine."),
    ({"end_time": "11:00"}, "L'heure de fin doit suivre l'heure de début."),
    ({"capacity": ""}, "La capacité par séance doit être comprise entre 1 et 2000."),
    ({"min_age": "12"}, "L'âge minimum dépasse l'âge maximum."),
    ({"band0_price": "", "band1_price": "", "band2_price": ""}, "Indiquez au moins un tarif."),
    ({"band1_qf": ""}, "Il faut exactement un tarif « au-delà » (sans plafond de quotient)."),
    ({"band2_qf": "1200"}, "Il faut exactement un tarif « au-delà » (sans plafond de quotient)."),
    ({"band1_qf": "500"}, "Les plafonds de quotient familial doivent être positifs et différents."),
    ({"band2_price": "1 500"}, "Un tarif est compris entre 0 et 1 000 €."),
])
def test_save_refuses_an_inconsistent_activity_in_french(town, changes, message):
    with pytest.raises(InvalidInput) as refused:
        _save(town, _form(**changes))
    assert refused.value.message == message
    with db.read() as s:
        assert s.exec(select(Activity)).all() == []


def test_removing_a_weekday_removes_its_free_sessions(town):
    activity_id = _save(town, _form())
    _save(town, _form(**{"day-3": None}), activity_id)
    assert _days(activity_id) == [date(2026, 9, d) for d in (7, 14, 21, 28)]
    _save(town, _form(**{"day-3": None, "end_date": "2026-09-20"}), activity_id)
    assert _days(activity_id) == [date(2026, 9, 7), date(2026, 9, 14)]


def test_removing_a_booked_weekday_is_refused_with_a_clear_message(town):
    activity_id = _save(town, _form(enrolment_mode="automatic"))
    _book_all(town, activity_id, date(2026, 9, 17))
    with pytest.raises(Conflict) as refused:
        _save(town, _form(**{"day-3": None}), activity_id)
    assert refused.value.message == ("Des enfants sont inscrits le 17/09/2026 : fermez plutôt ces dates "
                                     "(Fermetures) avant de les retirer du calendrier.")
    assert len(_days(activity_id)) == 8
    with db.read() as s:
        assert s.get(Activity, activity_id).weekdays == "0,3"


def test_a_weekday_whose_bookings_were_cancelled_can_be_removed(town):
    form = _form(enrolment_mode="automatic", cancel_kind="none")
    activity_id = _save(town, form)
    _book_all(town, activity_id, date(2026, 9, 17))
    with db.transaction() as s:
        session = factories.session_on(s, s.get(Activity, activity_id), date(2026, 9, 17))
        for child in town["children"]:
            bookings.cancel_booking(s, actor=town["parent"], child_id=child, session_id=session.id)
    _save(town, {**form, "day-3": None}, activity_id)
    assert date(2026, 9, 17) not in _days(activity_id)


def test_a_weekday_with_attendance_marks_cannot_be_removed(town):
    activity_id = _save(town, _form(enrolment_mode="automatic"))
    with db.transaction() as s:
        activity = s.get(Activity, activity_id)
        factories.register(s, activity, s.get(Person, town["children"][0]))
        thursday = factories.session_on(s, activity, date(2026, 9, 10)).id
        attendance.mark_attendance(s, actor=town["staff"], session_id=thursday, child_id=town["children"][0],
                                   status="unbooked_present")
    with pytest.raises(Conflict, match="Des enfants sont inscrits le 10/09/2026"):
        _save(town, _form(enrolment_mode="automatic", **{"day-3": None}), activity_id)
    assert date(2026, 9, 10) in _days(activity_id)


def test_capacity_cannot_be_lowered_below_the_bookings(town):
    activity_id = _save(town, _form(enrolment_mode="automatic", capacity="2"))
    _book_all(town, activity_id, date(2026, 9, 17))
    with pytest.raises(Conflict) as refused:
        _save(town, _form(enrolment_mode="automatic", capacity="1"), activity_id)
    assert refused.value.message == "Capacité trop faible : 2 enfants déjà réservés le 17/09/2026."
    with db.read() as s:
        assert s.get(Activity, activity_id).capacity == 2
        assert {x.capacity for x in s.exec(select(ActivitySession)).all()} == {2}
    _save(town, _form(enrolment_mode="automatic", capacity="3"), activity_id)
    with db.read() as s:
        assert {x.capacity for x in s.exec(select(ActivitySession)).all()} == {3}


def test_form_values_of_a_saved_activity_read_back_the_same(town):
    data = parse_activity_form(_form())
    activity_id = _save(town, data)
    with db.read() as s:
        values = activity_form.activity_form_values(s, actor=town["staff"], activity_id=activity_id,
                                                    organization_id=town["org"])
    form = {"name": values.name, "kind": values.kind, "unit": values.unit, "description": values.description,
            "start_date": values.start_date, "end_date": values.end_date, "start_time": values.start_time,
            "end_time": values.end_time, "capacity": values.capacity, "enrolment_mode": values.enrolment_mode,
            "max_enrolled": values.max_enrolled, "min_age": values.min_age, "max_age": values.max_age,
            "horizon_days": values.horizon_days, "late_surcharge_percent": values.late_surcharge_percent,
            "unbooked_surcharge_percent": values.unbooked_surcharge_percent, "is_open": values.is_open,
            **{f"day-{d}": "on" for d in values.weekdays}, **{f"level-{lvl}": "on" for lvl in values.levels}}
    for prefix, (kind, days, time, weekday) in zip(("booking", "cancel", "late"), values.rules, strict=True):
        form |= {f"{prefix}_kind": kind, f"{prefix}_days": days, f"{prefix}_time": time,
                 f"{prefix}_weekday": weekday}
    for n, (qf, price) in enumerate(values.bands):
        form |= {f"band{n}_qf": qf, f"band{n}_price": price}
    assert [price for _qf, price in values.bands] == ["1,20", "2,50", "3,60", ""]
    assert parse_activity_form(form) == data


# --- Rules in plain French ------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "text"), [
    ({}, "Réservation au plus tard 2 jours ouvrés avant, 12h00. "
         "Annulation au plus tard 2 jours ouvrés avant, 12h00."),
    ({"booking": rules.NoticeRule("previous_week", 0, 23 * 60 + 59, 1), "cancel": rules.NoticeRule("none")},
     "Réservation au plus tard le mardi de la semaine précédente, 23h59. "
     "Annulation possible jusqu'au début de l'activité."),
    ({"booking": rules.NoticeRule("calendar_days", 1, 18 * 60), "cancel": rules.NoticeRule("calendar_days", 0, 9 * 60),
      "horizon_days": 30},
     "Réservation au plus tard la veille, 18h00. Annulation au plus tard le jour même, 9h00. "
     "Réservations ouvertes 30 jours à l'avance."),
    ({"booking": rules.NoticeRule("none"), "late": rules.NoticeRule("working_days", 1, 10 * 60),
      "late_surcharge_percent": 50},
     "Réservation possible jusqu'au début de l'activité. Annulation au plus tard 2 jours ouvrés avant, 12h00. "
     "Réservation sans majoration au plus tard 1 jour ouvré avant, 10h00 (sinon +50 %)."),
])
def test_rules_are_described_in_french(town, changes, text):
    base = parse_activity_form(_form(cancel_kind="working_days", cancel_days="2", cancel_time="12:00"))
    data = dataclasses.replace(base, **changes)
    with db.read() as s:
        activity = activities.get_activity(s, town["staff"], _save(town, data))
        assert activities.describe_rules(activity) == text
