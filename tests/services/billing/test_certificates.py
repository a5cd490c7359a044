"""« Attestations »: the tax certificate equals the care payments of the year (meals excluded, per
organization, the year's part of each invoice), payments and presence over a period, the PDFs,
and who may ask."""

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Attendance, Booking, Invoice, Payment
from cityviz.services.billing import certificate_pdf, certificates, ledger, payments, periods
from cityviz.services.booking import rules
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories

pytestmark = pytest.mark.usefixtures("database")


def _book(s, session, child, mark):
    now = clock.now()
    if mark != "unbooked_present":
        s.add(Booking(session_id=session.id, child_id=child.id, household_id=child.household_id, status="booked",
                      created_at=now, updated_at=now))
        session.booked_count += 1
        s.add(session)
    s.add(Attendance(session_id=session.id, child_id=child.id, household_id=child.household_id, status=mark,
                     marked_at=now))


@pytest.fixture
def town(frozen):
    """November 2026: Zoé (4) at the canteen and the evening care, Léo (8) at the canteen; invoiced
    on 05/12: Zoé 2 meals × 3,60 € + 2 × 2 h × 1,60 €, Léo 1 meal: 17,20 €."""
    frozen.move_to(datetime(2026, 11, 1, 8, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        org.legal_name, org.legal_address, org.siret = "Régie de Démostars", "Place de la Mairie", "21179999900011"
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        canteen = factories.make_activity(s, org, staff, price_bands=[(None, 360)])
        care = factories.make_activity(s, org, staff, name="Garderie du soir", kind="evening_care", unit="hour",
                                       start_minutes=16 * 60 + 30, end_minutes=18 * 60 + 30,
                                       booking=rules.NoticeRule("none"), price_bands=[(None, 160)])
        household, _g, user = factories.make_household(s, email="parent@example.org", org=org)
        zoe = factories.make_child(s, household, "Zoé", birth_date=date(2021, 5, 1), org=org)
        leo = factories.make_child(s, household, "Léo", birth_date=date(2018, 2, 3), org=org)
        other, _g, other_user = factories.make_household(s, last_name="DURAND", email="durand@example.org", org=org)
        jade = factories.make_child(s, other, "Jade", birth_date=date(2022, 1, 1), org=org)
        for day in (date(2026, 11, 5), date(2026, 11, 6)):
            _book(s, factories.session_on(s, canteen, day), zoe, "present")
        _book(s, factories.session_on(s, care, date(2026, 11, 5)), zoe, "present")
        _book(s, factories.session_on(s, care, date(2026, 11, 9)), zoe, "unbooked_present")
        _book(s, factories.session_on(s, care, date(2026, 11, 10)), zoe, "absent")  # billed, not present
        _book(s, factories.session_on(s, canteen, date(2026, 11, 5)), leo, "present")
        w = {"org": org.id, "staff": staff, "parent": factories.actor(s, user), "zoe": zoe.id, "leo": leo.id,
             "jade": jade.id, "other": factories.actor(s, other_user), "household": household.id}
    frozen.move_to(datetime(2026, 12, 5, 10, 0, tzinfo=clock.PARIS))
    periods.issue_all(db.transaction, actor=staff, organization_id=w["org"], month="2026-11")
    with db.read() as s:
        invoice = s.exec(select(Invoice).where(Invoice.household_id == w["household"])).one()
    w["invoice"], w["total"] = invoice.id, invoice.total_cents
    return w


def _pay(town, amount, on, frozen):
    frozen.move_to(datetime(on.year, on.month, on.day, 12, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        return payments.record_payment(s, actor=town["staff"], organization_id=town["org"],
                                       household_id=town["household"], method="cheque", amount=amount, reference="0012345",
                                       received_on=on)


def _tax(town, year, child="zoe", actor="parent"):
    with db.read() as s:
        return certificates.tax_certificate(s, actor=town[actor], child_id=town[child], year=year)


def test_the_tax_certificate_is_the_care_paid_in_the_year_without_meals(town, frozen):
    # Zoé: 2 × 3,60 (meals) + 3 × 2 h × 1,60 (care: present, unbooked, absent) ; Léo 3,60.
    assert town["total"] == 720 + 960 + 360
    _pay(town, "20,40", date(2026, 12, 10), frozen)
    cert = _tax(town, 2026)
    assert [(a.issuer.legal_name, a.issuer.siret, a.cents) for a in cert.amounts] == [
        ("Régie de Démostars", "21179999900011", 960)]
    assert cert.child_name == "Zoé MARTIN" and cert.payer_name == "Camille MARTIN"
    with pytest.raises(InvalidInput, match="moins de 6 ans au 1er janvier 2026"):
        _tax(town, 2026, child="leo")
    with db.read() as s:
        rows = certificates.tax_summary(s, actor=town["parent"], year=2026)
    assert [(r.child, r.eligible, r.amount) for r in rows] == [("Léo", False, ""), ("Zoé", True, "9,60\xa0€")]


def test_an_invoice_paid_over_two_years_is_split_by_year_and_sums_to_the_ledger(town, frozen):
    _pay(town, "10,20", date(2026, 12, 20), frozen)  # half the invoice in 2026
    _pay(town, "10,20", date(2027, 1, 8), frozen)  # the rest in 2027
    assert _tax(town, 2026).total_cents == 480 and _tax(town, 2027).total_cents == 480
    with db.read() as s:
        years = [certificates.care_paid(s, town["household"], y) for y in (2026, 2027)]
        paid = ledger.paid_by_invoice(s, [town["invoice"]])[town["invoice"]]
        spread = sum(certificates.paid_in_year(s, [town["invoice"]], y)[town["invoice"]] for y in (2026, 2027))
    assert spread == paid == town["total"]
    assert sum(sum(y.values()) for y in years) == 960  # all the care lines; both children's meals left out
    with pytest.raises(InvalidInput, match="année passée"):
        _tax(town, 2028)


def test_reversed_payments_do_not_count(town, frozen):
    payment_id = _pay(town, "20,40", date(2026, 12, 10), frozen)
    with db.transaction() as s:
        s.get(Payment, payment_id).reversed_at = clock.now()
    assert _tax(town, 2026).amounts == []
    with pytest.raises(InvalidInput, match="Aucun paiement de frais de garde en 2026"), db.read() as s:
        certificate_pdf.certificate_file(s, actor=town["parent"], kind="fiscale", child_id=town["zoe"], year=2026)


def test_payment_and_presence_certificates_and_their_pdfs(town, frozen):
    _pay(town, "5,00", date(2026, 12, 10), frozen)
    _pay(town, "15,40", date(2026, 12, 11), frozen)
    with db.read() as s:
        paid = certificates.payment_certificate(s, actor=town["parent"], start=date(2026, 12, 1),
                                                end=date(2026, 12, 10))
        presence = certificates.presence_certificate(s, actor=town["parent"], child_id=town["zoe"],
                                                     start=date(2026, 11, 1), end=date(2026, 11, 30))
        files = {kind: certificate_pdf.certificate_file(s, actor=town["parent"], kind=kind, child_id=town["zoe"],
                                                        year=2026, start=date(2026, 11, 1), end=date(2026, 12, 31))
                 for kind in ("fiscale", "paiement", "presence")}
    assert paid.total_cents == 500 and [x.method for _i, lines in paid.by_issuer for x in lines] == ["Chèque"]
    assert [(x.activity, x.days) for _i, lines in presence.by_issuer for x in lines] == [
        ("Garderie du soir", 2), ("Restauration scolaire", 2)]  # the absence is not a presence
    texts = {k: " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages) for k, (data, _n) in files.items()}
    assert "Attestation fiscale 2026" in texts["fiscale"] and "9,60" in texts["fiscale"]
    assert "Régie de Démostars" in texts["fiscale"] and "211 799 999 00011" in texts["fiscale"]
    assert "Total : 20,40" in texts["paiement"]
    assert "Garderie du soir : 2 jour(s) de présence" in texts["presence"]
    assert files["fiscale"][1] == "attestation-fiscale-2026-zoé-martin.pdf"


def test_only_the_household_gets_its_certificates(town, frozen):
    _pay(town, "20,40", date(2026, 12, 10), frozen)
    other = town["other"]
    calls = [
        lambda s: certificates.tax_certificate(s, actor=other, child_id=town["zoe"], year=2026),
        lambda s: certificates.presence_certificate(s, actor=other, child_id=town["zoe"], start=date(2026, 11, 1),
                                                    end=date(2026, 11, 30)),
        lambda s: certificate_pdf.certificate_file(s, actor=other, kind="fiscale", child_id=town["zoe"], year=2026),
        lambda s: certificates.payment_certificate(s, actor=town["staff"], start=date(2026, 1, 1),
                                                   end=date(2026, 12, 31)),
        lambda s: certificates.tax_certificate(s, actor=town["staff"], child_id=town["zoe"], year=2026),
    ]
    for call in calls:
        with pytest.raises(AccessDenied), db.read() as s:
            call(s)
    with db.read() as s:
        assert certificates.payment_certificate(s, actor=other, start=date(2026, 1, 1),
                                                end=date(2026, 12, 31)).by_issuer == []
