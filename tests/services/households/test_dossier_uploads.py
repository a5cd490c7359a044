"""A validated dossier is closed: the page hides the upload button, and the service refuses a
file sent straight to it (for the child's own documents and for the household's)."""

import pytest
from sqlmodel import func, select

from cityviz import db
from cityviz.models import Document, Enrollment
from cityviz.services.errors import Conflict
from cityviz.services.households import documents, dossiers
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def family():
    with db.transaction() as s:
        org = factories.make_organization(s)
        household, guardian, user = factories.make_household(s, org=org)
        validated = factories.make_child(s, household, first_name="Léa", org=org, status="validated")
        draft = factories.make_child(s, household, first_name="Tom", org=org, status="draft")
        return {"parent": factories.actor(s, user), "validated": validated.id, "draft": draft.id,
                "child_req": factories.make_requirement(s, org, "Carnet de vaccination", "child").id,
                "home_req": factories.make_requirement(s, org, "Justificatif de domicile", "household").id,
                "guardian": guardian.id}


def _upload(family, requirement, person_id):
    with db.transaction() as s:
        return documents.upload_document(s, actor=family["parent"], requirement_id=family[requirement],
                                         person_id=person_id, filename="piece.pdf", data=factories.pdf_bytes())


def _count():
    with db.read() as s:
        return s.exec(select(func.count()).select_from(Document)).one()


def test_a_file_sent_to_a_validated_dossier_is_refused(family):
    with pytest.raises(Conflict, match="Ce dossier est validé"):
        _upload(family, "child_req", family["validated"])
    assert _count() == 0
    assert _upload(family, "child_req", family["draft"])  # the other child's dossier is still open
    # The household's documents are still needed by Tom's open dossier...
    assert _upload(family, "home_req", None)


def test_household_documents_close_with_the_last_open_dossier(family):
    with db.transaction() as s:
        for enrollment in s.exec(select(Enrollment)).all():
            enrollment.status = "validated"
            s.add(enrollment)
    with pytest.raises(Conflict, match="Ce dossier est validé"):
        _upload(family, "home_req", None)
    assert _count() == 0


@pytest.mark.parametrize("status", ["draft", "submitted", "rejected"])
def test_open_dossiers_take_files(family, status):
    with db.transaction() as s:
        enrollment = s.exec(select(Enrollment).where(Enrollment.person_id == family["validated"])).one()
        enrollment.status = status
        s.add(enrollment)
    assert _upload(family, "child_req", family["validated"])


def test_a_validated_dossier_asks_for_nothing_it_cannot_take(family):
    """Validated with a piece never sent online (the town had it on paper): the page says so and
    offers no upload, instead of « À fournir » without any button; an open dossier still asks."""
    with db.read() as s:
        enrollments = {e.person_id: e.id for e in s.exec(select(Enrollment)).all()}
        validated = dossiers.dossier(s, actor=family["parent"], enrollment_id=enrollments[family["validated"]])
        draft = dossiers.dossier(s, actor=family["parent"], enrollment_id=enrollments[family["draft"]])
    assert (validated.status, validated.status_label, validated.can_submit) == ("validated", "Validé", False)
    assert [(d.status, d.status_label, d.can_upload) for d in validated.person_documents] == [
        ("missing", "Non déposée en ligne", False)]
    assert [(d.status, d.status_label, d.can_upload) for d in draft.person_documents] == [
        ("missing", "À fournir", True)]
