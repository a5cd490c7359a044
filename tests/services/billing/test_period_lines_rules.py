"""What period_lines bills, exactly: one small town, every kind of fact, amounts in cents and
French labels (period_lines.drafts_for, billable_household_ids, load_facts and the payer's
name and address copied onto invoices)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from cityviz import clock, db
from cityviz.models import Attendance, Booking, Closure, FamilyQuotient, Household, Organization, Person
from cityviz.services.billing import period_lines
from cityviz.services.billing.period_lines import payer_address, payer_name, units_per_session
from tests import factories

pytestmark = pytest.mark.usefixtures("database")
START, END = date(2026, 9, 1), date(2026, 9, 30)
CANTEEN = "Restauration scolaire (par repas)"
CARE = "Garderie du soir (par heure)"


def _person(s, household, role, first, last):
    person = Person(household_id=household.id, role=role, first_name=first, last_name=last,
                    created_at=clock.now())
    s.add(person)
    s.flush()
    return person


def _fact(s, session, child, status="booked", mark=None, late=False):
    """A booking with `status` (None: no booking) and its attendance mark."""
    now = clock.now()
    if status is not None:
        s.add(Booking(session_id=session.id, child_id=child.id, household_id=child.household_id, status=status,
                      is_late=late, created_at=now, updated_at=now,
                      waiting_position=1 if status == "waiting" else None))
    if mark:
        s.add(Attendance(session_id=session.id, child_id=child.id, household_id=child.household_id, status=mark,
                         marked_at=now))
    s.flush()


@pytest.fixture
def town(frozen):
    """September 2026: a canteen by the meal (late +33 %) and an evening care by the hour (1 h 45: two
    hours begun; unbooked +25 %), four households, a neighbouring town with the same families."""
    frozen.move_to(datetime(2026, 8, 20, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org, other = factories.make_organization(s, name="Démostars"), factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, start_date=date(2026, 8, 24), late_surcharge_percent=33,
                                          capacity=50)
        care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care", unit="hour",
                                       start_date=date(2026, 8, 24), weekdays=[0, 1, 2, 3, 4],
                                       start_minutes=16 * 60 + 30, end_minutes=18 * 60 + 15, capacity=20,
                                       unbooked_surcharge_percent=25, price_bands=[(700, 90), (None, 150)])
        elsewhere = factories.make_activity(s, other, start_date=date(2026, 8, 24))
        factories.make_activity(s, org, staff, name="Garderie du matin", kind="morning_care", unit="hour",
                                start_date=date(2026, 8, 24), start_minutes=450, end_minutes=510)  # nothing booked
        homes = {}
        for name, street, postal, city in (("NOIRET", "3 rue des Lilas", "14760", "Bretteville-sur-Odon"),
                                           ("DURAND", "", "14000", "Caen"), ("PETIT", "5 allée Verte", "", ""),
                                           ("ROUX", "", "", "")):
            home = Household(street=street, postal_code=postal, city=city, created_at=clock.now())
            s.add(home)
            s.flush()
            homes[name] = SimpleNamespace(id=home.id, child=_person(s, home, "child", "Léa", name))
        n, d, p, r = (homes[k] for k in ("NOIRET", "DURAND", "PETIT", "ROUX"))
        s.add(Household(street="9 rue Vide", postal_code="14760", city="Bretteville-sur-Odon",
                        created_at=clock.now()))  # a household with nothing to bill
        guardians = [(n, [("Audrey", "NOIRET"), ("Philippe", "NOIRET")]),
                     (d, [("Camille", "DURAND"), ("Marc", "PETIT"), ("Zoé", "DURAND")]), (p, [("Jean", "PETIT")])]
        for home, names in guardians:
            for first, last in names:
                _person(s, s.get(Household, home.id), "guardian", first, last)
        for home, value, valid_from in ((n, 720, date(2026, 1, 1)), (p, 400, date(2026, 1, 1)),
                                        (p, 1000, date(2026, 9, 16)), (r, 300, date(2026, 9, 1))):
            s.add(FamilyQuotient(household_id=home.id, value=value, valid_from=valid_from, created_at=clock.now()))
        day = {(a, x): factories.session_on(s, act, x) for a, act in (("c", canteen), ("g", care), ("o", elsewhere))
               for x in (date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 3), date(2026, 9, 14),
                         date(2026, 9, 15), date(2026, 9, 17), date(2026, 9, 18), date(2026, 9, 29),
                         date(2026, 10, 1))
               if (a, x.weekday()) != ("c", 2)}
        day[("g", date(2026, 9, 30))] = factories.session_on(s, care, date(2026, 9, 30))

        def c(m, dd):
            return day[("c", date(2026, m, dd))]

        def g(m, dd):
            return day[("g", date(2026, m, dd))]
        # NOIRET (QF 720: canteen 2,50 €, care 1,50 €)
        lea = n.child
        _fact(s, c(8, 31), lea, mark="present")  # before the month
        _fact(s, c(9, 1), lea, mark="present")  # first day
        _fact(s, c(9, 3), lea, mark="absent")  # absent without justification: billed
        _fact(s, c(9, 14), lea)  # not marked: billed
        _fact(s, c(9, 15), lea, mark="justified")  # not billed
        _fact(s, c(9, 17), lea, late=True, mark="present")  # late: +33 % of 2,50 € = 0,825 → 0,83 €
        _fact(s, c(9, 18), lea, late=True, mark="unbooked_present")  # booked late, marked unbooked: billed once, late
        _fact(s, c(9, 29), lea, status="cancelled")  # cancelled: not billed
        _fact(s, c(10, 1), lea, mark=None)  # after the month
        _fact(s, g(9, 3), lea, status=None, mark="unbooked_present")  # unbooked: +25 % of 2 × 1,50 € = 0,75 €
        _fact(s, g(9, 14), lea, status=None, mark="unbooked_present")
        _fact(s, g(9, 15), lea, mark="present")
        _fact(s, g(9, 30), lea, mark="unbooked_present")  # booked, marked unbooked: billed once, as booked
        _fact(s, day[("o", date(2026, 9, 14))], lea, mark="present")  # another town's canteen
        # DURAND (no QF: the open band, 3,60 € and 1,50 €)
        _fact(s, c(9, 14), d.child, mark="present")
        _fact(s, c(9, 15), d.child, status="waiting")  # on the waiting list: not billed
        _fact(s, g(9, 17), d.child, late=True, mark="present")  # late, but the care has no late surcharge
        _fact(s, g(9, 30), d.child, status=None, mark="justified")  # a stray mark: nothing
        # PETIT (QF 400 then 1000 from 16/09: canteen 1,20 € then 3,60 €, care 0,90 € then 1,50 €)
        for x in (c(9, 1), c(9, 15), c(9, 17), c(9, 29), g(9, 14)):
            _fact(s, x, p.child, mark="present")
        _fact(s, c(9, 18), p.child, late=True)
        _fact(s, g(9, 17), p.child, status=None, mark="unbooked_present")
        _fact(s, g(9, 18), p.child, mark="unbooked_present")  # booked: once, as booked
        _fact(s, c(9, 3), p.child, mark="justified")
        # ROUX: only a justified absence and closed days
        _fact(s, c(9, 3), r.child, mark="justified")
        closure = Closure(organization_id=org.id, activity_id=care.id, start_date=date(2026, 9, 29),
                          end_date=date(2026, 9, 29), reason="Grève", created_at=clock.now())
        s.add(closure)
        s.flush()
        g(9, 29).closure_id = closure.id
        s.add(g(9, 29))
        _fact(s, g(9, 29), r.child, mark="present")
        return SimpleNamespace(org=org.id, other=other.id, staff=staff, elsewhere=elsewhere.id, noiret=n, durand=d, petit=p, roux=r,
                               canteen=canteen.id, care=care.id)


def _lines(draft):
    return [(x.child_name, x.label, f"{x.date_from:%d/%m}", f"{x.date_to:%d/%m}", x.quantity, x.unit_price_cents,
             x.surcharge_cents, x.total_cents) for x in draft.lines]


LATE33 = f"{CANTEEN} – réservation tardive (+33 %)"
UNBOOKED25 = f"{CARE} – présence sans réservation (+25 %)"


def test_every_fact_billed_as_the_rules_say(town):
    with db.read() as s:
        drafts = {d.household_id: d for d in period_lines.drafts_for(s, town.org, START, END)}
    assert sorted(drafts) == sorted([town.noiret.id, town.durand.id, town.petit.id])
    noiret, durand, petit = drafts[town.noiret.id], drafts[town.durand.id], drafts[town.petit.id]
    assert _lines(noiret) == [
        ("Léa NOIRET", CANTEEN, "01/09", "14/09", 3, 250, 0, 750),
        ("Léa NOIRET", LATE33, "17/09", "18/09", 2, 250, 166, 666),
        ("Léa NOIRET", CARE, "15/09", "30/09", 4, 150, 0, 600),
        ("Léa NOIRET", UNBOOKED25, "03/09", "14/09", 4, 150, 150, 750)]
    assert (noiret.total_cents, noiret.payer_name, noiret.payer_address, noiret.no_quotient) == (
        2766, "Audrey et Philippe NOIRET", "3 rue des Lilas\n14760 Bretteville-sur-Odon", False)
    assert noiret.label == "Facture post-paiement pour sept. 2026"
    assert [(x.child_id, x.activity_id) for x in noiret.lines] == [
        (town.noiret.child.id, town.canteen), (town.noiret.child.id, town.canteen), (town.noiret.child.id, town.care),
        (town.noiret.child.id, town.care)]
    assert _lines(durand) == [("Léa DURAND", CANTEEN, "14/09", "14/09", 1, 360, 0, 360),
                              ("Léa DURAND", CARE, "17/09", "17/09", 2, 150, 0, 300)]
    assert (durand.total_cents, durand.payer_name, durand.payer_address, durand.no_quotient) == (
        660, "Camille DURAND et Marc PETIT", "14000 Caen", True)
    assert _lines(petit) == [
        ("Léa PETIT", CANTEEN, "01/09", "15/09", 2, 120, 0, 240),
        ("Léa PETIT", CANTEEN, "17/09", "29/09", 2, 360, 0, 720),
        ("Léa PETIT", LATE33, "18/09", "18/09", 1, 360, 119, 479),
        ("Léa PETIT", CARE, "14/09", "14/09", 2, 90, 0, 180),
        ("Léa PETIT", CARE, "18/09", "18/09", 2, 150, 0, 300),
        ("Léa PETIT", UNBOOKED25, "17/09", "17/09", 2, 150, 75, 375)]
    assert (petit.total_cents, petit.payer_name, petit.payer_address, petit.no_quotient) == (
        2294, "Jean PETIT", "5 allée Verte", False)


def test_a_chunk_of_households_bills_the_same_as_the_whole_month(town):
    with db.read() as s:
        month = period_lines.drafts_for(s, town.org, START, END)
        chunks = (period_lines.drafts_for(s, town.org, START, END, [town.noiret.id, town.roux.id])
                  + period_lines.drafts_for(s, town.org, START, END, [town.durand.id, town.petit.id]))
        alone = period_lines.drafts_for(s, town.org, START, END, [town.durand.id])
        nothing = period_lines.drafts_for(s, town.org, START, END, [town.roux.id])
    assert [(d.household_id, _lines(d), d.payer_name) for d in chunks] == [
        (d.household_id, _lines(d), d.payer_name) for d in month]
    assert [d.household_id for d in alone] == [town.durand.id] and nothing == []


def test_another_town_bills_only_its_own_sessions(town):
    with db.read() as s:
        drafts = period_lines.drafts_for(s, town.other, START, END)
        again = period_lines.drafts_for(s, town.other, START, END, [town.noiret.id])
    assert [(d.household_id, _lines(d)) for d in drafts] == [
        (town.noiret.id, [("Léa NOIRET", CANTEEN, "14/09", "14/09", 1, 250, 0, 250)])]
    assert [_lines(d) for d in again] == [_lines(drafts[0])]


def test_billable_households_in_order(town):
    with db.transaction() as s:  # only a cancelled booking, a place on a waiting list, a stray justified mark
        canteen = s.get(period_lines.Activity, town.canteen)
        for status, mark in (("cancelled", None), ("waiting", None), (None, "justified")):
            home = Household(street="", postal_code="", city="", created_at=clock.now())
            s.add(home)
            s.flush()
            _fact(s, factories.session_on(s, canteen, date(2026, 9, 14)), _person(s, home, "child", "Noé", "VIDAL"),
                  status=status, mark=mark)
    with db.read() as s:
        ids = period_lines.billable_household_ids(s, town.org, START, END)
        other = period_lines.billable_household_ids(s, town.other, START, END)
        october = period_lines.billable_household_ids(s, town.org, date(2026, 10, 1), date(2026, 10, 31))
        august = period_lines.billable_household_ids(s, town.org, date(2026, 8, 1), date(2026, 8, 31))
    # ROUX has a booking (absence justified later): listed, then left without invoice.
    assert ids == sorted([town.noiret.id, town.durand.id, town.petit.id, town.roux.id])
    assert other == [town.noiret.id] and october == [town.noiret.id] and august == [town.noiret.id]


def test_unbooked_presence_alone_makes_a_household_billable(town, frozen):
    with db.transaction() as s:
        home = Household(street="", postal_code="", city="", created_at=clock.now())
        s.add(home)
        s.flush()
        child = _person(s, home, "child", "Tom", "LEROY")
        _fact(s, factories.session_on(s, s.get(period_lines.Activity, town.care), date(2026, 9, 1)), child,
              status="cancelled", mark="unbooked_present")  # cancelled, then came all the same
        home_id = home.id
    with db.read() as s:
        assert home_id in period_lines.billable_household_ids(s, town.org, START, END)
        (draft,) = period_lines.drafts_for(s, town.org, START, END, [home_id])
    assert _lines(draft) == [("Tom LEROY", UNBOOKED25, "01/09", "01/09", 2, 150, 75, 375)]
    assert (draft.payer_name, draft.payer_address, draft.no_quotient) == ("", "", True)


def test_facts_read_one_by_one(town):
    with db.read() as s:
        facts = period_lines.load_facts(s, town.org, START, END, [town.noiret.id])
        month = period_lines.load_facts(s, town.org, START, END)
    seen = sorted((f.day.isoformat(), f.activity_id == town.care, bool(f.late), f.mark, period_lines.is_billed(f))
                  for f in facts)
    assert seen == [
        ("2026-09-01", False, False, "present", True), ("2026-09-03", False, False, "absent", True),
        ("2026-09-03", True, False, "unbooked_present", True), ("2026-09-14", False, False, None, True),
        ("2026-09-14", True, False, "unbooked_present", True), ("2026-09-15", False, False, "justified", False),
        ("2026-09-15", True, False, "present", True), ("2026-09-17", False, True, "present", True),
        ("2026-09-18", False, True, "present", True), ("2026-09-30", True, False, "present", True)]
    assert {f.household_id for f in facts} == {town.noiret.id}
    assert sorted(f.session_id for f in month if f.household_id == town.noiret.id) == sorted(
        f.session_id for f in facts)
    assert {f.child_id for f in month} == {town.noiret.child.id, town.durand.child.id, town.petit.child.id,
                                           town.roux.child.id}
    durand = sorted((f.day.isoformat(), f.activity_id == town.care, bool(f.late), f.mark) for f in month
                    if f.household_id == town.durand.id)  # the stray justified mark of the 30th is no fact
    assert durand == [("2026-09-14", False, False, "present"), ("2026-09-17", True, True, "present")]


@pytest.mark.parametrize(("names", "expected"), [
    ([], ""),
    ([("Audrey", "NOIRET")], "Audrey NOIRET"),
    ([("Audrey", "NOIRET"), ("Philippe", "NOIRET")], "Audrey et Philippe NOIRET"),
    ([("Audrey", "NOIRET"), ("Marc", "PETIT")], "Audrey NOIRET et Marc PETIT"),
    ([("Audrey", "NOIRET"), ("Marc", "PETIT"), ("Zoé", "NOIRET")], "Audrey NOIRET et Marc PETIT"),
    ([("Audrey", "NOIRET"), ("Philippe", "NOIRET"), ("Zoé", "DURAND")], "Audrey et Philippe NOIRET"),
])
def test_payer_name(names, expected):
    assert payer_name([SimpleNamespace(first_name=f, last_name=last) for f, last in names]) == expected


@pytest.mark.parametrize(("street", "postal_code", "city", "expected"), [
    ("3 rue des Lilas", "14760", "Bretteville-sur-Odon", "3 rue des Lilas\n14760 Bretteville-sur-Odon"),
    ("3 rue des Lilas", "", "Caen", "3 rue des Lilas\nCaen"),
    ("3 rue des Lilas", "14000", "", "3 rue des Lilas\n14000"),
    ("", "14000", "Caen", "14000 Caen"),
    ("", "", "", ""),
])
def test_payer_address(street, postal_code, city, expected):
    assert payer_address(SimpleNamespace(street=street, postal_code=postal_code, city=city)) == expected


@pytest.mark.parametrize(("unit", "start", "end", "units"), [
    ("meal", 0, 600, 1), ("day", 480, 1080, 1), ("hour", 990, 1050, 1), ("hour", 990, 1051, 2),
    ("hour", 990, 1110, 2), ("hour", 990, 1111, 3), ("hour", 990, 1000, 1), ("hour", 990, 990, 1),
])
def test_units_per_session(unit, start, end, units):
    assert units_per_session(SimpleNamespace(unit=unit, start_minutes=start, end_minutes=end)) == units


def test_a_quotient_arriving_within_the_month_or_on_its_last_day(town):
    """No QF before the 16th (open band), then 400; another QF changing on the 30th itself."""
    with db.transaction() as s:
        care = s.get(period_lines.Activity, town.care)
        homes = []
        for name, quotients in (("LEROY", [(400, date(2026, 9, 16))]),
                                ("MOREL", [(400, date(2026, 9, 30)), (1000, date(2026, 1, 1))])):  # newest first
            home = Household(street="", postal_code="14000", city="Caen", created_at=clock.now())
            s.add(home)
            s.flush()
            child = _person(s, home, "child", "Tom", name)
            for value, valid_from in quotients:
                s.add(FamilyQuotient(household_id=home.id, value=value, valid_from=valid_from, created_at=clock.now()))
            for day in (date(2026, 9, 14), date(2026, 9, 29), date(2026, 9, 30)):
                if day != date(2026, 9, 29):  # closed
                    _fact(s, factories.session_on(s, care, day), child, mark="present")
            homes.append(home.id)
    with db.read() as s:
        leroy, morel = period_lines.drafts_for(s, town.org, START, END, homes)
    assert _lines(leroy) == [("Tom LEROY", CARE, "14/09", "14/09", 2, 150, 0, 300),
                             ("Tom LEROY", CARE, "30/09", "30/09", 2, 90, 0, 180)]
    assert _lines(morel) == [("Tom MOREL", CARE, "14/09", "14/09", 2, 150, 0, 300),
                             ("Tom MOREL", CARE, "30/09", "30/09", 2, 90, 0, 180)]
    assert (leroy.no_quotient, morel.no_quotient) == (False, False)


def test_two_children_of_one_household_billed_apart(town):
    """Per child, also when the QF changes within the month; unbooked marks outside the month or on
    a closed day bill nothing."""
    with db.transaction() as s:
        canteen, care = s.get(period_lines.Activity, town.canteen), s.get(period_lines.Activity, town.care)
        homes = []
        for name, quotients in (("GARNIER", []), ("BLANC", [(400, date(2026, 1, 1)), (1000, date(2026, 9, 16))])):
            home = Household(street="2 rue Haute", postal_code="14000", city="Caen", created_at=clock.now())
            s.add(home)
            s.flush()
            for value, valid_from in quotients:
                s.add(FamilyQuotient(household_id=home.id, value=value, valid_from=valid_from, created_at=clock.now()))
            for first in ("Paul", "Lou"):
                child = _person(s, home, "child", first, name)
                _fact(s, factories.session_on(s, canteen, date(2026, 9, 14)), child, mark="present")
                for day in (date(2026, 8, 31), date(2026, 9, 15), date(2026, 9, 29), date(2026, 10, 1)):
                    _fact(s, factories.session_on(s, care, day), child, status=None, mark="unbooked_present")
                if first == "Paul":  # unbooked at the canteen too (no surcharge there): one more meal
                    _fact(s, factories.session_on(s, canteen, date(2026, 9, 17)), child, status=None,
                          mark="unbooked_present")
            homes.append(home.id)
    with db.read() as s:
        garnier, blanc = period_lines.drafts_for(s, town.org, START, END, homes)
        month = {d.household_id: _lines(d) for d in period_lines.drafts_for(s, town.org, START, END)}
    assert _lines(garnier) == [("Paul GARNIER", CANTEEN, "14/09", "17/09", 2, 360, 0, 720),
                               ("Paul GARNIER", UNBOOKED25, "15/09", "15/09", 2, 150, 75, 375),
                               ("Lou GARNIER", CANTEEN, "14/09", "14/09", 1, 360, 0, 360),
                               ("Lou GARNIER", UNBOOKED25, "15/09", "15/09", 2, 150, 75, 375)]
    assert _lines(blanc) == [("Paul BLANC", CANTEEN, "14/09", "14/09", 1, 120, 0, 120),
                             ("Paul BLANC", CANTEEN, "17/09", "17/09", 1, 360, 0, 360),
                             ("Paul BLANC", UNBOOKED25, "15/09", "15/09", 2, 90, 45, 225),
                             ("Lou BLANC", CANTEEN, "14/09", "14/09", 1, 120, 0, 120),
                             ("Lou BLANC", UNBOOKED25, "15/09", "15/09", 2, 90, 45, 225)]
    assert (month[homes[0]], month[homes[1]]) == (_lines(garnier), _lines(blanc))


def test_lines_merge_groups_of_one_price_and_round_each_session_half_up(town):
    """A late booking without late surcharge joins the plain line (dates widened on both sides);
    two QFs of one band make one line; 33 % of 1,53 € is 0,5049 €: 0,50 €."""
    with db.transaction() as s:
        canteen, care = s.get(period_lines.Activity, town.canteen), s.get(period_lines.Activity, town.care)
        wednesday = factories.make_activity(s, s.get(Organization, town.org), town.staff, name="Mercredi loisirs",
                                            kind="leisure", unit="day", weekdays=[2], start_date=date(2026, 8, 24),
                                            start_minutes=480, end_minutes=1080, late_surcharge_percent=33,
                                            price_bands=[(None, 153)])
        home = Household(street="4 place du Marché", postal_code="14760", city="Bretteville-sur-Odon",
                         created_at=clock.now())
        s.add(home)
        s.flush()
        for value, valid_from in ((300, date(2026, 1, 1)), (450, date(2026, 9, 16))):  # one band: 1,20 €
            s.add(FamilyQuotient(household_id=home.id, value=value, valid_from=valid_from, created_at=clock.now()))
        child = _person(s, home, "child", "Inès", "FAURE")
        for day in (date(2026, 9, 15), date(2026, 9, 1), date(2026, 9, 14), date(2026, 9, 18), date(2026, 9, 17)):
            _fact(s, factories.session_on(s, canteen, day), child, late=True, mark="present")
        for day, late in ((date(2026, 9, 15), False), (date(2026, 9, 14), True), (date(2026, 9, 17), True)):
            _fact(s, factories.session_on(s, care, day), child, late=late, mark="present")
        _fact(s, factories.session_on(s, wednesday, date(2026, 9, 16)), child, late=True, mark="present")
        home_id = home.id
    with db.read() as s:
        (draft,) = period_lines.drafts_for(s, town.org, START, END, [home_id])
    assert _lines(draft) == [
        ("Inès FAURE", LATE33, "01/09", "18/09", 5, 120, 200, 800),
        ("Inès FAURE", CARE, "14/09", "17/09", 6, 90, 0, 540),
        ("Inès FAURE", "Mercredi loisirs (par journée) – réservation tardive (+33 %)", "16/09", "16/09", 1, 153,
         50, 203)]
