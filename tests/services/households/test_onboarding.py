"""Step 1 of the parent journey: profile, children, organization, dossier, validation."""

from datetime import date

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import AuditEntry, Document, Enrollment, OutboxEmail, Person
from cityviz.services.errors import Conflict, InvalidInput
from cityviz.services.households import documents, dossier_review, dossiers, onboarding, people
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")

PROFILE = dict(civility="Mme", first_name="Audrey", last_name="Noiret", street="12 rue des Mouettes",
               postal_code="14760", city="Bretteville-sur-Odon", phone_mobile="06 12 34 56 78")
CHILD = dict(first_name="Léa", last_name="Noiret", birth_date="2017-03-14", sex="F", school="École",
             school_level="CM1", allergies="Arachides")


@pytest.fixture
def family():
    """A freshly invited parent (no profile yet), a town with its required documents, its agent."""
    with db.transaction() as s:
        household, guardian, user = factories.make_household(s, email="audrey@example.org")
        guardian.civility = None
        household.street = ""
        org = factories.make_organization(s, name="Bretteville-sur-Odon", postal_code="14760")
        agent = factories.make_staff(s, org, email="agent@example.org")
        factories.make_requirement(s, org, "Justificatif de domicile", "household")
        factories.make_requirement(s, org, "Attestation CAF", "household", mandatory=False)
        factories.make_requirement(s, org, "Carnet de vaccination", "child")
        return {"parent": factories.actor(s, user), "agent": factories.actor(s, agent), "org": org.id}


def _next(actor):
    with db.read() as s:
        return onboarding.next_action(s, actor=actor)


def test_next_actions_follow_the_order_of_need(family):
    parent = family["parent"]
    assert _next(parent).title == "Compléter vos informations personnelles"
    with db.transaction() as s:
        people.update_profile(s, actor=parent, **PROFILE)
    assert _next(parent).title == "Ajouter un ou plusieurs enfants"
    with db.transaction() as s:
        lea = people.save_child(s, actor=parent, **CHILD)
        tom = people.save_child(s, actor=parent, **{**CHILD, "first_name": "Tom", "sex": "M",
                                                        "birth_date": "2019-09-02"})
    assert _next(parent).title == "Inscrire des personnes à une organisation"
    with db.read() as s:
        [hit] = dossiers.search_organizations(s, actor=parent, query="14760")
    assert hit.name == "Bretteville-sur-Odon"
    with db.transaction() as s:
        dossiers.register_members(s, actor=parent, organization_id=hit.id, person_ids=[lea, tom])
    action = _next(parent)
    assert action.title == "Finaliser le dossier d'inscription"
    assert [b.label for b in action.buttons] == [
        "Finaliser le dossier d'inscription de Léa NOIRET",
        "Finaliser le dossier d'inscription de Tom NOIRET"]


def test_profile_is_validated_and_phones_shown_in_french(family):
    parent = family["parent"]
    for bad, message in [({"postal_code": "1476"}, "5 chiffres"), ({"phone_mobile": "12"}, "n'est pas valide"),
                         ({"civility": ""}, "civilité"), ({"street": " "}, "adresse")]:
        with pytest.raises(InvalidInput, match=message), db.transaction() as s:
            people.update_profile(s, actor=parent, **{**PROFILE, **bad})
    # The field's own name, in correct French (not « Le autre numéro »).
    with pytest.raises(InvalidInput) as refused, db.transaction() as s:
        people.update_profile(s, actor=parent, **{**PROFILE, "phone_other": "12"})
    assert (refused.value.message, refused.value.field) == (
        "Le numéro « Autre téléphone » n'est pas valide (exemple : 06 12 34 56 78).", "phone_other")
    with db.transaction() as s:
        people.update_profile(s, actor=parent, **{**PROFILE, "phone_mobile": "+33 6 12 34 56 78"})
    with db.read() as s:
        profile = people.get_profile(s, actor=parent)
    assert profile.complete and profile.me.phone_mobile == "06 12 34 56 78"
    assert profile.me.last_name == "NOIRET"


@pytest.mark.parametrize("birth_date, message", [("2030-01-01", "futur"), ("1990-01-01", "moins de 18 ans"),
                                                  ("pas une date", "date de naissance")])
def test_children_birth_dates_must_make_sense(family, birth_date, message):
    with pytest.raises(InvalidInput, match=message), db.transaction() as s:
        people.save_child(s, actor=family["parent"], **{**CHILD, "birth_date": birth_date})
    with db.read() as s:
        assert people.list_children(s, actor=family["parent"]) == []


def test_search_by_name_ignores_accents_and_short_codes_are_explained(family):
    with db.read() as s:
        assert [h.name for h in dossiers.search_organizations(s, actor=family["parent"], query="bretteville")]
        with pytest.raises(InvalidInput, match="5 chiffres"):
            dossiers.search_organizations(s, actor=family["parent"], query="147")
        assert dossiers.search_organizations(s, actor=family["parent"], query="99999") == []


def _registered_child(family):
    parent = family["parent"]
    with db.transaction() as s:
        people.update_profile(s, actor=parent, **PROFILE)
        child = people.save_child(s, actor=parent, **CHILD)
        [enrollment] = dossiers.register_members(s, actor=parent, organization_id=family["org"],
                                                 person_ids=[child])
    return child, enrollment


def test_household_documents_are_asked_once_for_all_children(family):
    parent = family["parent"]
    lea, lea_dossier = _registered_child(family)
    with db.transaction() as s:
        tom = people.save_child(s, actor=parent, **{**CHILD, "first_name": "Tom"})
        [tom_dossier] = dossiers.register_members(s, actor=parent, organization_id=family["org"],
                                                  person_ids=[tom])
    with db.read() as s:
        view = dossiers.dossier(s, actor=parent, enrollment_id=lea_dossier)
    assert [d.name for d in view.household_documents] == ["Justificatif de domicile", "Attestation CAF"]
    assert view.missing == ["Justificatif de domicile", "Carnet de vaccination"] and not view.can_submit
    home = view.household_documents[0]
    with db.transaction() as s:
        documents.upload_document(s, actor=parent, requirement_id=home.requirement_id, person_id=None,
                                  filename="edf.pdf", data=factories.pdf_bytes())
    with db.read() as s:
        tom_view = dossiers.dossier(s, actor=parent, enrollment_id=tom_dossier)
    assert tom_view.household_documents[0].status == "pending"  # sent once, counts for Tom too
    assert tom_view.missing == ["Carnet de vaccination"]


def test_wrong_or_oversized_files_are_refused_and_nothing_is_stored(family, tmp_path):
    parent = family["parent"]
    _child, enrollment = _registered_child(family)
    with db.read() as s:
        requirement = dossiers.dossier(s, actor=parent, enrollment_id=enrollment).household_documents[0]
    for data, message in [(b"MZ\x90\x00 not a pdf" * 10, "Format non accepté"),
                          (b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "dépasse 10 Mo"),
                          (b"", "vide")]:
        with pytest.raises(InvalidInput, match=message), db.transaction() as s:
            documents.upload_document(s, actor=parent, requirement_id=requirement.requirement_id,
                                      person_id=None, filename="x.pdf", data=data)
    with db.read() as s:
        assert s.exec(select(Document)).all() == []
    from cityviz import config

    stored = list(config.get().upload_dir.rglob("*")) if config.get().upload_dir.exists() else []
    assert [p for p in stored if p.is_file()] == []


def _complete_and_submit(family, enrollment, child):
    parent = family["parent"]
    with db.read() as s:
        view = dossiers.dossier(s, actor=parent, enrollment_id=enrollment)
    with db.transaction() as s:
        documents.upload_document(s, actor=parent, requirement_id=view.household_documents[0].requirement_id,
                                  person_id=None, filename="edf.pdf", data=factories.pdf_bytes())
        documents.upload_document(s, actor=parent, requirement_id=view.person_documents[0].requirement_id,
                                  person_id=child, filename="carnet.png", data=factories.png_bytes())
    with db.transaction() as s:
        dossiers.submit_dossier(s, actor=parent, enrollment_id=enrollment)


def test_submit_needs_every_mandatory_document(family):
    child, enrollment = _registered_child(family)
    with pytest.raises(InvalidInput, match="Il manque : Justificatif de domicile, Carnet de vaccination"), \
            db.transaction() as s:
        dossiers.submit_dossier(s, actor=family["parent"], enrollment_id=enrollment)
    _complete_and_submit(family, enrollment, child)
    with db.read() as s:
        view = dossiers.dossier(s, actor=family["parent"], enrollment_id=enrollment)
    assert view.status_label == "En attente de validation par votre organisation"
    with pytest.raises(Conflict), db.transaction() as s:
        dossiers.submit_dossier(s, actor=family["parent"], enrollment_id=enrollment)


def test_staff_review_refuse_a_document_then_validate(family):
    child, enrollment = _registered_child(family)
    _complete_and_submit(family, enrollment, child)
    agent = family["agent"]
    with db.read() as s:
        rows, total = dossier_review.list_dossiers(s, actor=agent, organization_id=family["org"])
        assert total == 1 and rows[0].person_name == "NOIRET Léa" and rows[0].status_label == "À valider"
        assert dossier_review.list_dossiers(s, actor=agent, organization_id=family["org"], search="noi")[1] == 1
        assert dossier_review.list_dossiers(s, actor=agent, organization_id=family["org"], search="dup")[1] == 0
        detail = dossier_review.staff_dossier(s, actor=agent, enrollment_id=enrollment)
    vaccination = next(d for d in detail.documents if d.requirement == "Carnet de vaccination")
    with pytest.raises(Conflict, match="Acceptez d'abord"), db.transaction() as s:
        dossier_review.validate_dossier(s, actor=agent, enrollment_id=enrollment)
    with pytest.raises(InvalidInput, match="motif"), db.transaction() as s:
        documents.decide_document(s, actor=agent, document_id=vaccination.id, accept=False)
    with db.transaction() as s:
        documents.decide_document(s, actor=agent, document_id=vaccination.id, accept=False,
                                  reason="Page illisible")
        dossier_review.reject_dossier(s, actor=agent, enrollment_id=enrollment, reason="Carnet illisible")
    with db.read() as s:
        view = dossiers.dossier(s, actor=family["parent"], enrollment_id=enrollment)
        actions = onboarding.next_actions(s, actor=family["parent"])
    assert view.status == "rejected" and view.rejection_reason == "Carnet illisible"
    assert view.person_documents[0].refusal_reason == "Page illisible" and view.person_documents[0].can_upload
    assert [a.key for a in actions] == ["document_refused", "dossiers"]  # the refused piece first
    with db.transaction() as s:  # the family replaces the refused document and sends again
        documents.upload_document(s, actor=family["parent"], requirement_id=vaccination and
                                  view.person_documents[0].requirement_id, person_id=child,
                                  filename="carnet2.pdf", data=factories.pdf_bytes("net"))
    with db.transaction() as s:
        dossiers.submit_dossier(s, actor=family["parent"], enrollment_id=enrollment)
    with db.read() as s:
        detail = dossier_review.staff_dossier(s, actor=agent, enrollment_id=enrollment)
    with db.transaction() as s:
        for d in detail.documents:
            documents.decide_document(s, actor=agent, document_id=d.id, accept=True)
        dossier_review.validate_dossier(s, actor=agent, enrollment_id=enrollment)
    with db.read() as s:
        assert dossiers.dossier(s, actor=family["parent"], enrollment_id=enrollment).status_label == "Validé"
        subjects = [m.subject for m in s.exec(select(OutboxEmail).where(
            OutboxEmail.to_address == "audrey@example.org"))]
        actions = [a.action for a in s.exec(select(AuditEntry).order_by(AuditEntry.id))]
        replaced = s.exec(select(Document).where(Document.superseded_at.is_not(None))).all()
    assert subjects == ["Pièce refusée : Carnet de vaccination (Léa) à remplacer",
                        "Dossier d'inscription à compléter – Léa", "Dossier d'inscription validé – Léa"]
    assert actions == ["document.refuse", "enrollment.reject", "document.accept", "document.accept",
                       "enrollment.validate"]
    assert len(replaced) == 1  # the refused file is kept, not overwritten
    with db.read() as s:
        detail = dossier_review.staff_dossier(s, actor=agent, enrollment_id=enrollment)
    assert [h.text.split(" par ")[0] for h in detail.history] == ["Brouillon", "À valider", "Refusé",
                                                                 "À valider", "Validé"]


def test_avatar_is_cropped_square_and_stripped(family):
    from io import BytesIO

    from PIL import Image

    from cityviz.services.households import files

    parent = family["parent"]
    with db.transaction() as s:
        people.set_avatar(s, actor=parent, person_id=parent.person_id,
                              data=factories.png_bytes((800, 400)))
    with db.read() as s:
        key = s.get(Person, parent.person_id).avatar_key
    with Image.open(BytesIO(files.read(key))) as image:
        assert image.size == (256, 256) and image.format == "JPEG"
    with pytest.raises(InvalidInput, match="Format non accepté"), db.transaction() as s:
        people.set_avatar(s, actor=parent, person_id=parent.person_id, data=factories.pdf_bytes())


def test_export_contains_the_household_data_and_files(family):
    import io
    import json
    import zipfile

    from cityviz.services.households import privacy

    child, enrollment = _registered_child(family)
    _complete_and_submit(family, enrollment, child)
    with db.read() as s:
        archive = zipfile.ZipFile(io.BytesIO(privacy.export_household(s, actor=family["parent"])))
    data = json.loads(archive.read("mes-donnees.json"))
    assert {p["first_name"] for p in data["person"]} == {"Audrey", "Léa"}
    assert data["enrollment"][0]["status"] == "submitted"
    assert "password_hash" not in data["user_account"][0]
    assert sorted(n.split("-", 1)[1] for n in archive.namelist() if n.startswith("documents/")) == [
        "carnet.png", "edf.pdf"]
    assert date.fromisoformat(data["person"][1]["birth_date"]) == date(2017, 3, 14)
    assert s is not None and Enrollment
