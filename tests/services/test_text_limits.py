"""Every free-text field is capped in its service at its column's size, with a French message
naming the field; nothing is cut silently and nothing is written."""

import dataclasses
from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Enrollment, SepaMandate
from cityviz.services.accounts import organizations
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import direct_debits, payments, regie
from cityviz.services.booking import activities, closures, registrations
from cityviz.services.errors import InvalidInput
from cityviz.services.households import documents, dossier_review, dossiers, families, people
from cityviz.services.inputs import bounded
from cityviz.services.operations import deletion_requests
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def test_bounded_keeps_what_fits_and_refuses_the_rest():
    assert bounded("  Grève   du\tpersonnel ", 18, "Motif", "reason") == "Grève du personnel"
    assert bounded("a" * 300, 300, "Motif", "reason") == "a" * 300
    assert bounded(" ligne 1  \r\nligne 2\r\n", 20, "Notes", "notes", multiline=True) == "ligne 1\nligne 2"
    with pytest.raises(InvalidInput) as refused:
        bounded("a" * 301, 300, "Motif du remboursement", "reason")
    assert refused.value.message == "Motif du remboursement : 300 caractères au maximum (301 saisis)."
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput, match="5\u202f000 caractères au maximum"):
        bounded("x" * 10_000_000, 5000, "Texte", "body")


@pytest.fixture
def world(frozen):
    frozen.move_to(datetime(2026, 9, 14, 9, 0, tzinfo=clock.PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s)
        staff = factories.actor(s, factories.make_staff(s, org, role="admin"))
        activity = factories.make_activity(s, org, staff, enrolment_mode="validation")
        household, _g, user = factories.make_household(s, org=org)
        child = factories.make_child(s, household, org=org, status="draft")
        requirement = factories.make_requirement(s, org, "Attestation", "child")
        registration = factories.register(s, activity, child, status="pending")
        enrollment = s.exec(select(Enrollment).where(Enrollment.person_id == child.id)).one()
        w = {"org": org.id, "staff": staff, "parent": factories.actor(s, user), "child": child.id,
             "household": household.id, "registration": registration.id, "enrollment": enrollment.id,
             "requirement": requirement.id, "activity": activity}
    with db.transaction() as s:
        w["document"] = documents.upload_document(s, actor=w["parent"], requirement_id=w["requirement"],
                                                  person_id=w["child"], filename="a.pdf", data=factories.pdf_bytes())
        dossiers.submit_dossier(s, actor=w["parent"], enrollment_id=w["enrollment"])
        deletion_requests.request_deletion(s, actor=w["parent"])
        mandate = SepaMandate(organization_id=w["org"], household_id=w["household"], holder_name="A",
                              iban="FR7630006000011234567890189", bic="AGRIFRPP", reference="RUM-1",
                              signed_on=date(2026, 9, 1), created_at=clock.now())
        s.add(mandate)
    with db.read() as s:
        w["deletion"] = deletion_requests.list_requests(s, actor=w["staff"], organization_id=w["org"])[0].id
    return w


def _activity_input(w, description):
    a = w["activity"]
    return activities.ActivityInput(name=a.name, kind=a.kind, unit=a.unit, start_date=a.start_date,
                                    end_date=a.end_date, weekdays=[0, 1, 3, 4], start_minutes=a.start_minutes,
                                    end_minutes=a.end_minutes, capacity=30, description=description,
                                    price_bands=[(None, 360)])


CHILD = dict(first_name="Léo", last_name="MARTIN", birth_date="2018-05-04", sex="M")
PROFILE = dict(civility="Mme", first_name="Camille", last_name="MARTIN", street="1 rue", postal_code="14760",
               city="Bretteville", phone_mobile="0612345678")
MANDATE = dict(holder_name="Camille", iban="FR7630006000011234567890189", bic="", reference="RUM-2",
               signed_on=date(2026, 9, 1))
REGIE = dict(legal_name="Régie", legal_address="Mairie", siret="", invoice_due_days=30, payment_backend="",
             payment_options={})

# (field, column size, call(session, world, text)): each service call puts `text` in that field.
CASES = [
    ("reason", 1000, lambda s, w, x: registrations.decide_registration(
        s, actor=w["staff"], registration_id=w["registration"], accept=False, reason=x)),
    ("reason", 300, lambda s, w, x: closures.create_closure(
        s, actor=w["staff"], organization_id=w["org"], start=date(2026, 10, 1), end=date(2026, 10, 1), reason=x)),
    ("description", 2000, lambda s, w, x: activities.save_activity(
        s, actor=w["staff"], organization_id=w["org"], activity_id=None, data=_activity_input(w, x))),
    ("name", 120, lambda s, w, x: activities.save_activity(
        s, actor=w["staff"], organization_id=w["org"], activity_id=None,
        data=dataclasses.replace(_activity_input(w, ""), name=x))),
    ("holder_name", 140, lambda s, w, x: direct_debits.save_mandate(
        s, actor=w["staff"], organization_id=w["org"], household_id=w["household"], **{**MANDATE, "holder_name": x})),
    ("reference", 35, lambda s, w, x: direct_debits.save_mandate(
        s, actor=w["staff"], organization_id=w["org"], household_id=w["household"], **{**MANDATE, "reference": x})),
    ("legal_address", 300, lambda s, w, x: regie.save_regie(
        s, actor=w["staff"], organization_id=w["org"], **{**REGIE, "legal_address": x})),
    ("legal_name", 200, lambda s, w, x: regie.save_regie(
        s, actor=w["staff"], organization_id=w["org"], **{**REGIE, "legal_name": x})),
    ("name", 120, lambda s, w, x: documents.save_requirement(
        s, actor=w["staff"], organization_id=w["org"], requirement_id=None, name=x, scope="child", mandatory=True)),
    ("description", 1000, lambda s, w, x: documents.save_requirement(
        s, actor=w["staff"], organization_id=w["org"], requirement_id=None, name="Pièce", scope="child",
        mandatory=True, description=x)),
    ("reason", 1000, lambda s, w, x: documents.decide_document(
        s, actor=w["staff"], document_id=w["document"], accept=False, reason=x)),
    ("reason", 1000, lambda s, w, x: dossier_review.reject_dossier(
        s, actor=w["staff"], enrollment_id=w["enrollment"], reason=x)),
    ("email", 254, lambda s, w, x: families.create_family(
        s, actor=w["staff"], organization_id=w["org"], civility="Mme", first_name="Ana", last_name="BOS",
        email=x, invite=False)),
    ("street", 200, lambda s, w, x: people.update_profile(s, actor=w["parent"], **{**PROFILE, "street": x})),
    ("city", 120, lambda s, w, x: people.update_profile(s, actor=w["parent"], **{**PROFILE, "city": x})),
    ("email", 254, lambda s, w, x: people.add_guardian(
        s, actor=w["parent"], civility="M.", first_name="Paul", last_name="MARTIN", email=x, invite=False)),
    ("school", 120, lambda s, w, x: people.save_child(s, actor=w["parent"], **CHILD, school=x)),
    ("allergies", 1000, lambda s, w, x: people.save_child(s, actor=w["parent"], **CHILD, allergies=x)),
    ("medical_notes", 2000, lambda s, w, x: people.save_child(s, actor=w["parent"], **CHILD, medical_notes=x)),
    ("authorised_pickups", 1000, lambda s, w, x: people.save_child(
        s, actor=w["parent"], **CHILD, authorised_pickups=x)),
    ("reason", 500, lambda s, w, x: deletion_requests.refuse(
        s, actor=w["staff"], organization_id=w["org"], request_id=w["deletion"], reason=x)),
    ("reference", 100, lambda s, w, x: payments.record_payment(
        s, actor=w["staff"], organization_id=w["org"], household_id=w["household"], method="cheque", amount="1",
        received_on=date(2026, 9, 14), reference=x)),
    ("city", 120, lambda s, w, x: organizations.create_organization(
        s, actor=Actor.system(), name="Ville nouvelle", postal_code="14000", city=x)),
]


@pytest.mark.parametrize("field,size,call", CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_text_longer_than_its_column_is_refused_in_french(world, field, size, call):
    with pytest.raises(InvalidInput) as refused, db.transaction() as s:
        call(s, world, "é" * (size + 1))
    assert refused.value.field == field
    assert f"caractères au maximum ({size + 1:,} saisis)".replace(",", "\u202f") in refused.value.message
    # Text that fits is taken whole (the same call, at the column's size, goes through).
    with db.transaction() as s:
        call(s, world, "é" * size if field != "email" else "a" * (size - 12) + "@example.org")

