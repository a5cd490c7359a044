"""« Tableau de bord »: today and tomorrow per activity, attendance to mark, what waits for a
decision, what is unpaid — each figure as the role allows, each naming the list behind it."""

from datetime import date, datetime

import pytest

from cityviz import clock, db
from cityviz.models import Organization, StaffActivity
from cityviz.services.backoffice import dashboard
from cityviz.services.billing import payments
from cityviz.services.booking import attendance, closures
from cityviz.services.errors import AccessDenied
from tests import factories
from tests.services.billing import test_billing
from tests.services.booking import test_attendance

pytestmark = pytest.mark.usefixtures("database", "frozen")
town = test_attendance.town  # canteen of 3 places; Léo, Zoé, Jade booked today (Monday 14/09/2026)
billing_town = test_billing.town


def _board(actor, org_id):
    with db.read() as s:
        return dashboard.today_board(s, actor=actor, organization_id=org_id)


def _figures(board):
    return {(f.page, f.query): (f.label, f.value) for f in board.figures}


def _staff(org_id, role, activity_id=None):
    with db.transaction() as s:
        user = factories.make_staff(s, s.get(Organization, org_id), role=role)
        if activity_id:
            s.add(StaffActivity(user_id=user.id, activity_id=activity_id, created_at=clock.now()))
        return factories.actor(s, user)


def test_today_and_tomorrow_per_activity_and_attendance_to_mark(town):
    test_attendance._book(town, "DURAND", "Tom", date(2026, 9, 15))
    with db.transaction() as s:
        attendance.mark_attendance(s, actor=town["staff"], session_id=test_attendance._session(town, date(2026, 9, 14)).id,
                                   child_id=town["Léo"], status="present")
        closures.create_closure(s, actor=town["staff"], organization_id=town["org"], start=date(2026, 9, 15),
                                end=date(2026, 9, 15), reason="Grève", activity_id=None)
    board = _board(town["staff"], town["org"])
    assert (board.today, board.tomorrow) == ("lundi 14 septembre 2026", "mardi 15 septembre 2026")
    [canteen] = board.activities
    assert (canteen.name, canteen.today, canteen.tomorrow) == ("Restauration scolaire", "3 / 3", "Fermé")
    assert canteen.query == f"activite={town['canteen']}&du=2026-09-14"
    assert _figures(board)[("attendance", "jour=2026-09-14")] == ("pointages à faire aujourd'hui", "2")


def test_what_waits_for_a_decision(town):
    with db.transaction() as s:
        org = s.get(Organization, town["org"])
        household, _g, _u = factories.make_household(s, last_name="PETIT")
        factories.make_child(s, household, org=org, status="submitted")
        judo = factories.make_activity(s, org, town["staff"], name="Judo", kind="leisure")
        factories.register(s, judo, s.get(factories.Person, town["Hugo"]), status="pending")
    figures = _figures(_board(town["staff"], town["org"]))
    assert figures[("dossiers", "")] == ("dossiers à valider", "1")
    assert figures[("registrations", "")] == ("inscriptions à valider", "1")


def test_unpaid_total_and_invoices_past_due_agree_with_the_invoice_list(billing_town, frozen):
    test_billing._issue(billing_town)
    (_p, durand, _c) = billing_town["families"][1]
    with db.transaction() as s:
        payments.record_payment(s, actor=billing_town["staff"], organization_id=billing_town["org"],
                                household_id=durand.id, method="cash", amount="3,60", received_on=date(2026, 10, 5))
    figures = _figures(_board(billing_town["staff"], billing_town["org"]))
    assert figures[("invoices", "etat=due")] == ("à encaisser (1 facture(s))", "12,30\xa0€")
    assert figures[("invoices", "etat=late")] == ("factures échues non payées", "0")
    frozen.move_to(datetime(2026, 11, 5, 9, 0, tzinfo=clock.PARIS))  # due on 04/11/2026
    assert _figures(_board(billing_town["staff"], billing_town["org"]))[("invoices", "etat=late")][1] == "1"


def test_each_role_sees_its_own_figures(town):
    with db.transaction() as s:
        other = factories.make_activity(s, s.get(Organization, town["org"]), town["staff"], name="Garderie du soir",
                                        kind="evening_care", unit="hour")
    animateur = _staff(town["org"], "animateur", activity_id=other.id)
    board = _board(animateur, town["org"])
    assert [a.name for a in board.activities] == ["Garderie du soir"]  # not the canteen
    assert [f.page for f in board.figures] == ["attendance"]
    assert board.figures[0].value == "0"  # nobody booked at the after-school care
    regisseur = _staff(town["org"], "regisseur")
    board = _board(regisseur, town["org"])
    assert board.activities == [] and {f.page for f in board.figures} == {"invoices"}
    with db.transaction() as s:
        stranger = factories.actor(s, factories.make_staff(s, factories.make_organization(s)))
    with pytest.raises(AccessDenied):
        _board(stranger, town["org"])
