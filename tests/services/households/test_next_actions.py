"""The home page's cards: every case a household meets after (or instead of) the usual onboarding."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import Enrollment, Household, OutboxEmail, Person
from cityviz.services.households import documents, dossiers, families, onboarding, overview, people
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")

ADDRESS = dict(street="12 rue des Mouettes", postal_code="14760", city="Bretteville-sur-Odon")
CHILD = dict(last_name="Noiret", sex="F", school="École", school_level="CM1", allergies="")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        other = factories.make_organization(s, name="Verson", postal_code="14790")
        agent = factories.make_staff(s, org, email="agent@example.org")
        vaccination = factories.make_requirement(s, org, "Carnet de vaccination", "child")
        address = factories.make_requirement(s, org, "Justificatif de domicile", "household")
        return {"org": org.id, "other": other.id, "agent": factories.actor(s, agent),
                "vaccination": vaccination.id, "address": address.id}


def _staff_family(town, children: list[dict]):
    """A family the town created (guardian and children with a dossier each), then the parent's account."""
    with db.transaction() as s:
        household_id = families.create_family(s, actor=town["agent"], organization_id=town["org"], civility="Mme",
                                              first_name="Audrey", last_name="Noiret", email="audrey@example.org",
                                              children=children, invite=False)
        guardian = s.exec(select(Person).where(Person.household_id == household_id,
                                               Person.role == "guardian")).one()
        household = s.get(Household, household_id)
        for key, value in ADDRESS.items():
            setattr(household, key, value)
        guardian.phone_mobile = "+33612345678"
        s.add_all([household, guardian])
        user = factories.make_user(s, email="audrey@example.org", person_id=guardian.id)
        return factories.actor(s, user)


def _cards(parent):
    with db.read() as s:
        return [(a.key, a.title, [(b.label, b.page, b.object_id) for b in a.buttons])
                for a in onboarding.next_actions(s, actor=parent)]


def _dossier_ids(parent) -> dict[str, int]:
    with db.read() as s:
        return {d.person_name: d.id for d in dossiers.household_dossiers(s, actor=parent)}


def test_a_family_created_by_staff_is_asked_to_finalise_every_dossier(town):
    parent = _staff_family(town, [{"first_name": "Léa", "last_name": "Noiret", "birth_date": "2017-03-14",
                                   "sex": "F", "school_level": "CM1"}])
    ids = _dossier_ids(parent)
    assert _cards(parent) == [("dossiers", "Finaliser le dossier d'inscription", [
        ("Finaliser le dossier d'inscription de Audrey NOIRET", "dossier", ids["Audrey NOIRET"]),
        ("Finaliser le dossier d'inscription de Léa NOIRET", "dossier", ids["Léa NOIRET"])])]


def test_a_child_added_later_is_offered_the_organization_step(town):
    parent = _staff_family(town, [])  # created by staff without children: only the parent's own dossier
    with db.transaction() as s:
        lea = people.save_child(s, actor=parent, first_name="Léa", birth_date="2017-03-14", **CHILD)
    cards = _cards(parent)
    assert [c[0] for c in cards] == ["new_member", "dossiers"]
    assert cards[0][1] == "Inscrire Léa auprès d'une organisation"
    assert cards[0][2] == [("Inscrire Léa auprès de Bretteville-sur-Odon", "organizations", town["org"]),
                           ("Une autre organisation", "organizations", 0)]
    with db.transaction() as s:  # the button's page: that organization, Léa among the members to tick
        assert dossiers.organization_hit(s, actor=parent, organization_id=town["org"]).name == "Bretteville-sur-Odon"
        dossiers.register_members(s, actor=parent, organization_id=town["org"], person_ids=[lea])
    cards = _cards(parent)
    assert [c[0] for c in cards] == ["dossiers"] and len(cards[0][2]) == 2


def test_a_new_organization_brings_its_dossiers_to_finalise(town):
    parent = _staff_family(town, [{"first_name": "Léa", "last_name": "Noiret", "birth_date": "2017-03-14",
                                   "sex": "F"}])
    ids = _dossier_ids(parent)
    with db.transaction() as s:
        for enrollment_id in ids.values():
            s.get(Enrollment, enrollment_id).status = "validated"
    assert _cards(parent) == []
    with db.transaction() as s:
        dossiers.register_members(s, actor=parent, organization_id=town["other"], person_ids=[
            s.exec(select(Person.id).where(Person.first_name == "Léa")).one()])
    [(key, _title, buttons)] = _cards(parent)
    assert key == "dossiers" and [b[0] for b in buttons] == ["Finaliser le dossier d'inscription de Léa NOIRET"]
    assert buttons[0][2] not in ids.values()


def test_a_refused_document_gets_a_card_and_an_email_until_it_is_replaced(town):
    parent = _staff_family(town, [{"first_name": "Léa", "last_name": "Noiret", "birth_date": "2017-03-14",
                                   "sex": "F"}])
    lea_dossier = _dossier_ids(parent)["Léa NOIRET"]
    with db.transaction() as s:
        lea = s.exec(select(Person.id).where(Person.first_name == "Léa")).one()
        document_id = documents.upload_document(s, actor=parent, requirement_id=town["vaccination"], person_id=lea,
                                                filename="carnet.pdf", data=factories.pdf_bytes())
        documents.upload_document(s, actor=parent, requirement_id=town["address"], person_id=None,
                                  filename="edf.pdf", data=factories.pdf_bytes("edf"))
    with db.transaction() as s:
        documents.decide_document(s, actor=town["agent"], document_id=document_id, accept=False,
                                  reason="Page des vaccins illisible")
    cards = _cards(parent)
    assert cards[0] == ("document_refused", "Pièce refusée : Carnet de vaccination (Léa) à remplacer",
                        [("Envoyer un nouveau fichier", "dossier", lea_dossier)])
    with db.read() as s:
        [mail] = s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "audrey@example.org")).all()
        assert mail.subject == "Pièce refusée : Carnet de vaccination (Léa) à remplacer"
        assert "Motif : Page des vaccins illisible" in mail.body
        household = overview.household_overview(s, actor=parent)
    assert [(d.name, d.owner, d.status_label, d.refusal_reason, d.enrollment_id) for d in household.documents] == [
        ("Justificatif de domicile", "Foyer", "En cours de vérification", "", _dossier_ids(parent)["Audrey NOIRET"]),
        ("Carnet de vaccination", "Léa", "Refusée", "Page des vaccins illisible", lea_dossier)]
    with db.transaction() as s:
        documents.upload_document(s, actor=parent, requirement_id=town["vaccination"], person_id=lea,
                                  filename="carnet2.pdf", data=factories.pdf_bytes("net"))
    assert "document_refused" not in [c[0] for c in _cards(parent)]


def test_accepting_a_document_sends_no_email(town):
    parent = _staff_family(town, [])
    with db.transaction() as s:
        document_id = documents.upload_document(s, actor=parent, requirement_id=town["address"], person_id=None,
                                                filename="edf.pdf", data=factories.pdf_bytes())
        documents.decide_document(s, actor=town["agent"], document_id=document_id, accept=True)
    with db.read() as s:
        assert s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "audrey@example.org")).all() == []


def test_expiring_documents_are_announced_a_month_ahead():
    today = date(2026, 9, 14)
    items = [onboarding.ExpiringDocument("Attestation d'assurance", "", date(2026, 10, 31), 7),
             onboarding.ExpiringDocument("Carnet de vaccination", "Léa", date(2026, 10, 1), 8),
             onboarding.ExpiringDocument("Justificatif de domicile", "", date(2026, 9, 1), 9)]
    assert [(c.key, c.title, c.text, c.buttons[0].object_id) for c in onboarding.expiry_cards(items, today)] == [
        ("document_expiring", "Pièce expirée : Justificatif de domicile à remplacer",
         "Elle n'est plus valable depuis le 01/09/2026.", 9),
        ("document_expiring", "Pièce à renouveler : Carnet de vaccination (Léa)",
         "Elle expire le 01/10/2026 : envoyez la nouvelle avant cette date.", 8)]


def test_the_first_steps_come_one_at_a_time(town):
    with db.transaction() as s:
        _household, guardian, user = factories.make_household(s, email="camille@example.org")
        parent = factories.actor(s, user)
        guardian.civility = None
        s.add(guardian)
    assert [c[0] for c in _cards(parent)] == ["profile"]
    with db.transaction() as s:
        people.update_profile(s, actor=parent, civility="Mme", first_name="Camille", last_name="Martin",
                              phone_mobile="0612345678", **ADDRESS)
    assert [c[0] for c in _cards(parent)] == ["children"]
    with db.transaction() as s:
        people.save_child(s, actor=parent, first_name="Léo", birth_date="2018-05-04", **CHILD)
    assert [c[0] for c in _cards(parent)] == ["organization"]
    with db.read() as s:
        assert onboarding.next_action(s, actor=parent).key == "organization"
