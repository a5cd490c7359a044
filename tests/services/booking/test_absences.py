"""« Signaler une absence »: reporting, the certificate, the staff's decision, and what the
calendar and the next invoice show. Clock: Monday 14/09/2026, 10:00 (cancellation closes
two working days before at noon, so Tuesday 15 and Thursday 17 can no longer be cancelled)."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import AbsenceReport, Attendance, BillingPeriod, OutboxEmail
from cityviz.services.billing import period_lines, periods
from cityviz.services.booking import absence_review, absences, bookings, calendar
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
DAYS = [date(2026, 9, d) for d in (15, 17, 18, 21, 22)]


def make_town(policy="certificate", carence=0):
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, capacity=20, absence_policy=policy,
                                          absence_carence_days=carence, booking=factories_rule())
        household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        child = factories.make_child(s, household, first_name="Léa", org=org)
        factories.register(s, canteen, child)
        parent = factories.actor(s, user)
        sessions = {d: factories.session_on(s, canteen, d).id for d in DAYS}
        w = {"org": org.id, "staff": staff, "parent": parent, "child": child.id, "canteen": canteen.id,
             "sessions": sessions, "household": household.id}
    with db.transaction() as s:
        for d in DAYS:
            bookings.book_session(s, actor=parent, child_id=w["child"], session_id=sessions[d])
    return w


def factories_rule():  # booking without notice: the dates of this week are still bookable
    from cityviz.services.booking import rules

    return rules.NoticeRule("none")


def report(w, first, last, reason="illness", comment=""):
    with db.transaction() as s:
        return absences.report_absence(s, actor=w["parent"], child_id=w["child"], date_from=first, date_to=last,
                                       reason=reason, comment=comment)[0]


def attach(w, report_id, data=None):
    with db.transaction() as s:
        absences.attach_certificate(s, actor=w["parent"], report_id=report_id, filename="certificat.pdf",
                                    data=data or factories.pdf_bytes("certificat"))


def decide(w, report_id, accept=True, reason=""):
    with db.transaction() as s:
        return absence_review.decide_absence(s, actor=w["staff"], report_id=report_id, accept=accept, reason=reason)


def billed_days(w):
    """The September days the invoice bills for the child (from the billing computation itself)."""
    with db.read() as s:
        facts = period_lines.load_facts(s, w["org"], date(2026, 9, 1), date(2026, 9, 30))
    return sorted(f.day for f in facts if f.child_id == w["child"] and period_lines.is_billed(f))


def calendar_labels(w):
    with db.read() as s:
        view = calendar.month_view(s, actor=w["parent"], year=2026, month=9)
    return {date.fromisoformat(d.iso): c.label for d in view.days_with_sessions for c in d.cells
            if date.fromisoformat(d.iso) in DAYS}


def test_illness_with_certificate_is_not_billed_and_the_calendar_follows():
    w = make_town()
    report_id = report(w, date(2026, 9, 17), date(2026, 9, 18), comment="Grippe")
    assert calendar_labels(w)[date(2026, 9, 17)] == "Absence signalée"
    assert calendar_labels(w)[date(2026, 9, 15)] == "Réservé"
    attach(w, report_id)
    with db.read() as s:
        rows, total = absence_review.list_absences(s, actor=w["staff"], organization_id=w["org"])
    assert total == 1 and rows[0].certificate and rows[0].can_read_certificate
    assert "si elle est acceptée : 2 non facturée(s), 0 facturée(s)" in rows[0].sessions
    assert decide(w, report_id) == (2, 0)
    labels = calendar_labels(w)
    assert labels[date(2026, 9, 17)] == labels[date(2026, 9, 18)] == "Absence justifiée"
    assert billed_days(w) == [date(2026, 9, 15), date(2026, 9, 21), date(2026, 9, 22)]
    with db.read() as s:
        mail = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "parent@example.org")).all()
        household_rows = absences.household_absences(s, actor=w["parent"])
    assert any("Absence justifiée : 2 séance(s) non facturée(s)." in m.body for m in mail)
    assert household_rows[0].status_label == "Acceptée" and not household_rows[0].can_attach


def test_without_certificate_the_absence_is_billed_as_unjustified():
    w = make_town()
    report_id = report(w, date(2026, 9, 21), date(2026, 9, 21))
    assert decide(w, report_id) == (0, 1)
    assert calendar_labels(w)[date(2026, 9, 21)] == "Absence facturée"
    assert date(2026, 9, 21) in billed_days(w)
    with db.read() as s:
        mark = s.exec(select(Attendance).where(Attendance.session_id == w["sessions"][date(2026, 9, 21)])).one()
    assert mark.status == "absent"


def test_carence_bills_the_first_days_and_other_reasons_are_billed():
    w = make_town(carence=1)
    first = report(w, date(2026, 9, 15), date(2026, 9, 18))
    attach(w, first)
    assert decide(w, first) == (2, 1)  # 15 (carence), then 17 and 18
    assert calendar_labels(w)[date(2026, 9, 15)] == "Absence facturée"
    assert calendar_labels(w)[date(2026, 9, 17)] == "Absence justifiée"
    other = report(w, date(2026, 9, 21), date(2026, 9, 22), reason="other")
    assert decide(w, other) == (0, 2)
    assert billed_days(w) == [date(2026, 9, 15), date(2026, 9, 21), date(2026, 9, 22)]


def test_a_refusal_needs_a_reason_and_bills_the_sessions():
    w = make_town(policy="illness")
    report_id = report(w, date(2026, 9, 22), date(2026, 9, 22))
    with pytest.raises(InvalidInput, match="motif du refus"), db.transaction() as s:
        absence_review.decide_absence(s, actor=w["staff"], report_id=report_id, accept=False, reason=" ")
    assert decide(w, report_id, accept=False, reason="Enfant présent ce jour-là") == (0, 1)
    assert calendar_labels(w)[date(2026, 9, 22)] == "Absence non justifiée"
    with pytest.raises(Conflict, match="déjà été traitée"):
        decide(w, report_id)
    with db.read() as s:
        rows = absences.household_absences(s, actor=w["parent"])
    assert rows[0].decision == "Motif : Enfant présent ce jour-là"


def test_a_child_pointed_present_stays_present():
    w = make_town(policy="illness")
    with db.transaction() as s:
        s.add(Attendance(session_id=w["sessions"][date(2026, 9, 15)], child_id=w["child"],
                         household_id=w["household"], status="present", marked_at=clock.now()))
    report_id = report(w, date(2026, 9, 15), date(2026, 9, 17))
    assert decide(w, report_id) == (1, 0)
    with db.read() as s:
        marks = dict(s.exec(select(Attendance.session_id, Attendance.status)).all())
    assert marks[w["sessions"][date(2026, 9, 15)]] == "present"
    assert marks[w["sessions"][date(2026, 9, 17)]] == "justified"


def test_reports_are_checked():
    w = make_town()
    with pytest.raises(InvalidInput, match="aucune réservation"):
        report(w, date(2026, 9, 19), date(2026, 9, 20))  # a weekend
    with pytest.raises(InvalidInput, match="motif"):
        report(w, date(2026, 9, 15), date(2026, 9, 15), reason="vacances")
    with pytest.raises(InvalidInput, match="date de fin"):
        report(w, date(2026, 9, 17), date(2026, 9, 15))
    report(w, date(2026, 9, 15), date(2026, 9, 17))
    with pytest.raises(Conflict, match="déjà signalée"):
        report(w, date(2026, 9, 17), date(2026, 9, 18))
    with db.read() as s:
        assert s.exec(select(AbsenceReport)).all().__len__() == 1


def test_certificate_rules():
    w = make_town()
    report_id = report(w, date(2026, 9, 15), date(2026, 9, 15))
    with pytest.raises(InvalidInput, match="Format non accepté"):
        attach(w, report_id, data=b"GIF89a not a document")
    attach(w, report_id, data=factories.png_bytes())
    with pytest.raises(Conflict, match="déjà joint"):
        attach(w, report_id)
    with db.read() as s:
        content = absences.certificate_content(s, actor=w["parent"], report_id=report_id)
        assert content.content_type == "image/png"
        assert absences.certificate_content(s, actor=w["staff"], report_id=report_id).data == content.data
    other = report(w, date(2026, 9, 17), date(2026, 9, 17))
    with pytest.raises(NotFound), db.read() as s:
        absences.certificate_content(s, actor=w["parent"], report_id=other)
    decide(w, other)
    with pytest.raises(Conflict, match="déjà été traitée"):
        attach(w, other)


def test_an_invoiced_month_is_closed_to_reports_and_pending_ones_are_anomalies(frozen):
    w = make_town()
    report(w, date(2026, 9, 21), date(2026, 9, 21))
    with db.read() as s:
        preview = periods.preview_period(s, actor=w["staff"], organization_id=w["org"], month="2026-09")
    assert any("1 absence(s) signalée(s)" in note for note in preview.anomalies)
    with db.transaction() as s:
        s.add(BillingPeriod(organization_id=w["org"], start_date=date(2026, 9, 1), end_date=date(2026, 9, 30),
                            status="issued"))
    with pytest.raises(Conflict, match="sept. 2026 est déjà émise"):
        report(w, date(2026, 9, 15), date(2026, 9, 15))
    with db.read() as s:
        pending = s.exec(select(AbsenceReport.id)).one()
    with pytest.raises(Conflict, match="déjà émise"):
        decide(w, pending)


def test_the_nightly_purge_keeps_certificates():
    from cityviz.services.operations import maintenance

    w = make_town()
    attach(w, report(w, date(2026, 9, 15), date(2026, 9, 15)))
    with db.read() as s:
        key = s.exec(select(AbsenceReport.certificate_key)).one()
    assert key in maintenance.referenced_files()
