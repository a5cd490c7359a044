"""« Statistiques CAF »: checked against a hand count on a small town."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cityviz import clock, db
from cityviz.models import Attendance
from cityviz.services.backoffice import caf
from cityviz.services.booking import closures, rules
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def town():
    """September 2026. Canteen 11:45-13:30 (1 h 45), evening care 16:30-18:30 (2 h).
    Léo is 8; Inès is 5; Tom turns 6 on 20/09/2026; Nina's birth date is unknown."""
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff)
        care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care", unit="hour",
                                       start_minutes=16 * 60 + 30, end_minutes=18 * 60 + 30,
                                       booking=rules.NoticeRule("none"))
        household, _g, _u = factories.make_household(s, org=org)
        kids = {name: factories.make_child(s, household, name, birth_date=born, org=org) for name, born in
                (("Léo", date(2018, 5, 4)), ("Inès", date(2021, 3, 1)), ("Tom", date(2020, 9, 20)),
                 ("Nina", date(2019, 1, 1)))}
        kids["Nina"].birth_date = None
        marks = [(canteen, "Léo", 14, "present"), (canteen, "Léo", 15, "present"), (canteen, "Léo", 17, "absent"),
                 (canteen, "Inès", 14, "present"), (canteen, "Inès", 15, "unbooked_present"),
                 (canteen, "Tom", 18, "present"), (canteen, "Tom", 21, "present"), (canteen, "Nina", 14, "present"),
                 (canteen, "Nina", 17, "justified"), (care, "Léo", 14, "present")]
        for activity, name, day, status in marks:
            session = factories.session_on(s, activity, date(2026, 9, day))
            s.add(Attendance(session_id=session.id, child_id=kids[name].id, household_id=household.id,
                             status=status, marked_at=clock.now()))
        closures.create_closure(s, actor=staff, organization_id=org.id, start=date(2026, 9, 25),
                                end=date(2026, 9, 25), reason="Grève", activity_id=canteen.id)
        return {"org": org.id, "staff": staff}


def test_figures_equal_the_hand_count(town):
    with db.read() as s:
        rows = caf.caf_statistics(s, actor=town["staff"], organization_id=town["org"], month="2026-09")
    # Canteen: under 6 = Inès ×2 + Tom on 18/09 = 3 × 1 h 45 = 5,25 h; 6 and over = Léo ×2 + Tom on 21/09
    # + Nina (age unknown) = 4 × 1 h 45 = 7 h; 4 children; 17 days (Mon, Tue, Thu, Fri) less the closed 25/09.
    assert [(r.activity, r.hours_under_6, r.hours_6_and_over, r.children, r.days_open, r.unknown_age)
            for r in rows] == [("Garderie du soir", "0", "2", 1, 17, 0),
                               ("Restauration scolaire", "5,25", "7", 4, 16, 1)]


def test_exports_in_excel_and_pdf(town):
    with db.read() as s:
        xlsx, name = caf.caf_export(s, actor=town["staff"], organization_id=town["org"], month="2026-09",
                                    file_format="xlsx")
        pdf, pdf_name = caf.caf_export(s, actor=town["staff"], organization_id=town["org"], month="2026-09",
                                       file_format="pdf")
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert name == "statistiques-caf-2026-09.xlsx" and pdf_name.endswith(".pdf")
    assert [c.value for c in sheet[3]] == ["Restauration scolaire", 5.25, 7, 4, 16, 1]
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Statistiques CAF" in text and "sept. 2026" in text and "5,25" in text
    with db.read() as s, pytest.raises(InvalidInput, match="Format inconnu"):
        caf.caf_export(s, actor=town["staff"], organization_id=town["org"], month="2026-09", file_format="doc")


def test_only_roles_in_charge_of_activities(town):
    with db.transaction() as s:
        org = s.get(factories.Organization, town["org"])
        animateur = factories.actor(s, factories.make_staff(s, org, role="animateur"))
    with db.read() as s, pytest.raises(AccessDenied):
        caf.caf_statistics(s, actor=animateur, organization_id=town["org"], month="2026-09")
