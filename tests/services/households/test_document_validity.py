"""Documents that expire: the last valid day per kind of validity, the dossier incomplete from
the expiry date, renewal 30 days before (home card, one e-mail), the staff's list, access."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.jobs import registry
from cityviz.models import Document, OutboxEmail
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput
from cityviz.services.households import document_validity, documents, dossiers, onboarding
from cityviz.services.households.document_validity import last_valid_day
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.mark.parametrize(("validity", "months", "sent", "until"), [
    ("unlimited", 0, date(2026, 9, 14), None),
    ("school_year", 0, date(2026, 9, 14), date(2027, 8, 31)),
    ("school_year", 0, date(2027, 3, 2), date(2027, 8, 31)),
    ("school_year", 0, date(2027, 6, 10), date(2028, 8, 31)),  # re-enrolment: next year's
    ("calendar_year", 0, date(2026, 9, 14), date(2026, 12, 31)),
    ("months", 3, date(2026, 9, 14), date(2026, 12, 13)),
    ("months", 1, date(2027, 1, 31), date(2027, 2, 27)),  # no 31 February
    ("months", 12, date(2028, 2, 29), date(2029, 2, 27)),
])
def test_last_valid_day(validity, months, sent, until):
    assert last_valid_day(validity, months, sent) == until


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Démostars")
        agent = factories.actor(s, factories.make_staff(s, org, email="agent@example.org"))
        household, guardian, user = factories.make_household(s, email="parent@example.org", org=org)
        guardian.civility, guardian.phone_mobile = "Mme", "+33612345678"  # a complete profile
        child = factories.make_child(s, household, first_name="Léa", org=org, status="submitted")
        insurance = factories.make_requirement(s, org, "Attestation d'assurance", "household")
        other_org = factories.make_organization(s, name="Ailleurs")
        stranger = factories.actor(s, factories.make_staff(s, other_org))
        w = {"org": org.id, "agent": agent, "parent": factories.actor(s, user), "child": child.id,
             "stranger": stranger, "child_enrollment": None}
    with db.transaction() as s:
        documents.save_requirement(s, actor=agent, organization_id=org.id, requirement_id=insurance.id,
                                   name="Attestation d'assurance", scope="household", mandatory=True,
                                   validity="calendar_year")
        w["insurance"] = insurance.id
        w["document"] = documents.upload_document(s, actor=w["parent"], requirement_id=insurance.id, person_id=None,
                                                  filename="assurance.pdf", data=factories.pdf_bytes())
    with db.transaction() as s:
        documents.decide_document(s, actor=agent, document_id=w["document"], accept=True)
        w["enrollment"] = s.exec(select(dossiers.Enrollment.id).where(
            dossiers.Enrollment.person_id == child.id)).one()
    return w


def _dossier(w):
    with db.read() as s:
        return dossiers.dossier(s, actor=w["parent"], enrollment_id=w["enrollment"])


def test_an_expired_document_makes_the_dossier_incomplete_from_its_expiry_date(town, frozen):
    with db.read() as s:
        assert s.get(Document, town["document"]).valid_until == date(2026, 12, 31)
    view = _dossier(town)
    assert view.household_documents[0].status_label == "Acceptée, valable jusqu'au 31/12/2026"
    assert not view.household_documents[0].can_upload and view.missing == []
    frozen.move_to(datetime(2026, 12, 31, 23, 0, tzinfo=clock.PARIS))
    assert _dossier(town).missing == []
    frozen.move_to(datetime(2027, 1, 1, 8, 0, tzinfo=clock.PARIS))
    view = _dossier(town)
    assert view.missing == ["Attestation d'assurance (expirée)"]
    assert view.household_documents[0].status == "expired" and view.household_documents[0].can_upload
    assert view.household_documents[0].status_label == "Expirée le 31/12/2026 : à renouveler"


def test_families_renew_from_30_days_before_with_a_card_and_one_email(town, frozen):
    with db.transaction() as s:
        with pytest.raises(Conflict, match="déjà été acceptée"):
            documents.upload_document(s, actor=town["parent"], requirement_id=town["insurance"], person_id=None,
                                      filename="b.pdf", data=factories.pdf_bytes())
        assert document_validity.send_expiry_notices(s) == 0
    with db.read() as s:
        assert onboarding.next_action(s, actor=town["parent"]) is None
    frozen.move_to(datetime(2026, 12, 2, 8, 0, tzinfo=clock.PARIS))  # 30 days before the end of 31/12
    with db.read() as s:
        action = onboarding.next_action(s, actor=town["parent"])
    assert action.key == "document_expiring"
    assert action.title == "Pièce à renouveler : Attestation d'assurance"
    assert "Elle expire le 31/12/2026" in action.text
    assert [(b.page, b.object_id) for b in action.buttons] == [("dossier", town["enrollment"])]
    spec = registry.get("households.document_expiry")
    assert spec.schedule and spec.fn(None) == "1 pièce(s) signalée(s) aux familles."
    with db.transaction() as s:
        assert document_validity.send_expiry_notices(s) == 0  # once only
        mails = s.exec(select(OutboxEmail).where(OutboxEmail.subject == "Pièces justificatives à renouveler")).all()
    assert len(mails) == 1 and "expire le 31/12/2026" in mails[0].body
    with db.transaction() as s:
        renewed = documents.upload_document(s, actor=town["parent"], requirement_id=town["insurance"],
                                            person_id=None, filename="2027.pdf", data=factories.pdf_bytes())
    with db.transaction() as s:
        documents.decide_document(s, actor=town["agent"], document_id=renewed, accept=True)
        assert s.get(Document, renewed).valid_until == date(2026, 12, 31)  # sent in 2026: this calendar year


def test_changing_the_validity_moves_accepted_documents(town):
    with db.transaction() as s:
        documents.save_requirement(s, actor=town["agent"], organization_id=town["org"],
                                   requirement_id=town["insurance"], name="Attestation d'assurance",
                                   scope="household", mandatory=True, validity="months", validity_months=2)
    with db.read() as s:
        assert s.get(Document, town["document"]).valid_until == date(2026, 11, 13)
    with pytest.raises(InvalidInput, match="1 à 120 mois"), db.transaction() as s:
        documents.save_requirement(s, actor=town["agent"], organization_id=town["org"],
                                   requirement_id=town["insurance"], name="Attestation d'assurance",
                                   scope="household", mandatory=True, validity="months", validity_months=0)
    with pytest.raises(InvalidInput, match="durée de validité"), db.transaction() as s:
        documents.save_requirement(s, actor=town["agent"], organization_id=town["org"], requirement_id=None,
                                   name="X", scope="household", mandatory=True, validity="toujours")


def test_staff_list_what_will_expire_and_only_their_own(town, frozen):
    with db.read() as s:
        rows, total = document_validity.expiring_documents(s, actor=town["agent"], organization_id=town["org"])
        assert total == 0
        rows, total = document_validity.expiring_documents(s, actor=town["agent"], organization_id=town["org"],
                                                           days=120)
    assert total == 1 and rows[0].requirement == "Attestation d'assurance" and rows[0].valid_until == "31/12/2026"
    assert rows[0].family == "Camille MARTIN" and not rows[0].expired
    frozen.move_to(datetime(2027, 1, 5, 8, 0, tzinfo=clock.PARIS))
    with db.read() as s:
        rows, _total = document_validity.expiring_documents(s, actor=town["agent"], organization_id=town["org"])
    assert rows[0].expired
    animateur = Actor(user_id=town["agent"].user_id, roles={town["org"]: "animateur"})
    for who in (town["stranger"], town["parent"], animateur):
        with pytest.raises(AccessDenied), db.read() as s:
            document_validity.expiring_documents(s, actor=who, organization_id=town["org"])
