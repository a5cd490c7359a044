"""Reported absences: a household never reaches another's children, reports or certificates;
staff never reach another town's reports, and only the roles that handle bookings decide
(reading a certificate needs the right to read documents)."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AbsenceReport, Attendance
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import absence_review, absences, bookings, rules
from cityviz.services.errors import AccessDenied, NotFound
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
DAY = date(2026, 9, 17)


@pytest.fixture
def world():
    out = {}
    for name in ("A", "B"):
        with db.transaction() as s:
            org = factories.make_organization(s, name=f"Ville {name}")
            staff = factories.actor(s, factories.make_staff(s, org, role="admin", email=f"admin{name}@example.org"))
            roles = {"agent": factories.actor(s, factories.make_staff(s, org, role="agent"))}
            # Roles the actor knows (DOMAIN.md, « Rôles »), whatever the memberships table holds yet.
            roles |= {role: Actor(user_id=staff.user_id, roles={org.id: role}) for role in ("animateur", "regisseur")}
            canteen = factories.make_activity(s, org, staff, booking=rules.NoticeRule("none"))
            household, _g, user = factories.make_household(s, email=f"parent{name}@example.org", org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            parent = factories.actor(s, user)
            session_id = factories.session_on(s, canteen, DAY).id
        with db.transaction() as s:
            bookings.book_session(s, actor=parent, child_id=child.id, session_id=session_id)
            report_id = absences.report_absence(s, actor=parent, child_id=child.id, date_from=DAY, date_to=DAY,
                                                reason="illness")[0]
            absences.attach_certificate(s, actor=parent, report_id=report_id, filename="c.pdf",
                                        data=factories.pdf_bytes())
        out[name] = {"org": org.id, "staff": staff, "parent": parent, "child": child.id, "report": report_id,
                     **roles}
    return out


def _snapshot():
    with db.read() as s:
        return (s.exec(select(AbsenceReport.id, AbsenceReport.status, AbsenceReport.certificate_key)
                       .order_by(AbsenceReport.id)).all(),
                s.exec(select(Attendance.id, Attendance.status).order_by(Attendance.id)).all())


def test_a_household_never_reaches_another_households_absences(world):
    me, other = world["A"]["parent"], world["B"]
    before = _snapshot()
    calls = [
        lambda s: absences.report_absence(s, actor=me, child_id=other["child"], date_from=DAY, date_to=DAY,
                                          reason="illness"),
        lambda s: absences.attach_certificate(s, actor=me, report_id=other["report"], filename="x.pdf",
                                              data=factories.pdf_bytes()),
        lambda s: absences.certificate_content(s, actor=me, report_id=other["report"]),
        # and a parent is no staff member
        lambda s: absence_review.list_absences(s, actor=me, organization_id=world["A"]["org"]),
        lambda s: absence_review.decide_absence(s, actor=me, report_id=world["A"]["report"], accept=True),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.transaction() as s:
            call(s)
    assert _snapshot() == before
    with db.read() as s:
        mine = absences.household_absences(s, actor=me)
    assert [r.id for r in mine] == [world["A"]["report"]]


def test_staff_never_reach_another_towns_absences(world):
    agent, other = world["A"]["staff"], world["B"]
    before = _snapshot()
    calls = [
        lambda s: absence_review.list_absences(s, actor=agent, organization_id=other["org"]),
        lambda s: absence_review.decide_absence(s, actor=agent, report_id=other["report"], accept=True),
        lambda s: absence_review.decide_absence(s, actor=agent, report_id=other["report"], accept=False,
                                                reason="Non"),
        lambda s: absences.certificate_content(s, actor=agent, report_id=other["report"]),
        lambda s: absences.household_absences(s, actor=agent),
        lambda s: absences.report_absence(s, actor=agent, child_id=other["child"], date_from=DAY, date_to=DAY,
                                          reason="other"),
    ]
    for call in calls:  # another town's report is refused like a missing one (NotFound): ids cannot be probed
        with pytest.raises((AccessDenied, NotFound)), db.transaction() as s:
            call(s)
    assert _snapshot() == before
    with db.read() as s:
        rows, total = absence_review.list_absences(s, actor=agent, organization_id=world["A"]["org"])
    assert total == 1 and rows[0].id == world["A"]["report"]


def test_only_roles_handling_bookings_decide_and_documents_readers_see_certificates(world):
    town = world["A"]
    before = _snapshot()
    for role in ("animateur", "regisseur"):
        for call in (
            lambda s, a=town[role]: absence_review.list_absences(s, actor=a, organization_id=town["org"]),
            lambda s, a=town[role]: absence_review.decide_absence(s, actor=a, report_id=town["report"], accept=True),
            lambda s, a=town[role]: absences.certificate_content(s, actor=a, report_id=town["report"]),
        ):
            with pytest.raises(AccessDenied), db.transaction() as s:
                call(s)
    assert _snapshot() == before
    with db.read() as s:
        assert absences.certificate_content(s, actor=town["agent"], report_id=town["report"]).data[:4] == b"%PDF"
    with db.transaction() as s:
        assert absence_review.decide_absence(s, actor=town["agent"], report_id=town["report"], accept=True) == (1, 0)
