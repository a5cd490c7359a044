"""Required documents (per household or per child) and the files that answer them."""

from __future__ import annotations

import dataclasses

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock, config
from cityviz.models import Document, DocumentRequirement, Enrollment, Organization, Person, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.households import document_validity, files
from cityviz.services.households.scope import require_staff_document
from cityviz.services.inputs import bounded, clean

STATUS_LABELS = {"pending": "En cours de vérification", "accepted": "Acceptée", "refused": "Refusée"}


# --- Staff: the organization's list -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class RequirementRow:
    id: int
    name: str
    description: str
    scope: str
    scope_label: str
    mandatory: bool
    active: bool
    validity: str
    validity_months: int
    validity_label: str


def list_requirements(s: Session, *, actor: Actor, organization_id: int) -> list[RequirementRow]:
    actor.require_capability(organization_id, "documents")
    rows = s.exec(select(DocumentRequirement)
                  .where(DocumentRequirement.organization_id == organization_id)
                  .order_by(col(DocumentRequirement.active).desc(), DocumentRequirement.position,
                            DocumentRequirement.id)).all()
    return [RequirementRow(id=r.id, name=r.name, description=r.description, scope=r.scope,
                           scope_label="Une fois par foyer" if r.scope == "household" else "Pour chaque enfant",
                           mandatory=r.mandatory, active=r.active, validity=r.validity,
                           validity_months=r.validity_months,
                           validity_label=document_validity.describe(r.validity, r.validity_months)) for r in rows]


def save_requirement(s: Session, *, actor: Actor, organization_id: int, requirement_id: int | None,
                     name: str, scope: str, mandatory: bool, description: str = "", validity: str = "unlimited",
                     validity_months: int = 0) -> int:
    actor.require_capability(organization_id, "documents")
    name = bounded(name, 120, "Nom de la pièce", "name")
    if not name:
        raise InvalidInput("Indiquez le nom de la pièce (120 caractères au plus).", field="name")
    if scope not in ("household", "child"):
        raise InvalidInput("Choisissez si la pièce est demandée par foyer ou par enfant.", field="scope")
    if validity not in document_validity.VALIDITIES:
        raise InvalidInput("Choisissez la durée de validité de la pièce.", field="validity")
    validity_months = int(validity_months or 0) if validity == "months" else 0
    if validity == "months" and not 1 <= validity_months <= document_validity.MAX_MONTHS:
        raise InvalidInput(f"Indiquez une validité de 1 à {document_validity.MAX_MONTHS} mois.",
                           field="validity_months")
    if requirement_id:
        requirement = _requirement(s, actor, requirement_id)
    else:
        last = s.exec(select(DocumentRequirement.position)
                      .where(DocumentRequirement.organization_id == organization_id)
                      .order_by(col(DocumentRequirement.position).desc())).first()
        requirement = DocumentRequirement(organization_id=organization_id, name=name, scope=scope,
                                          position=(last or 0) + 1, created_at=clock.now())
    requirement.name, requirement.scope, requirement.mandatory = name, scope, bool(mandatory)
    requirement.description = bounded(description, 1000, "Description", "description", multiline=True)
    changed = (requirement.validity, requirement.validity_months) != (validity, validity_months)
    requirement.validity, requirement.validity_months = validity, validity_months
    s.add(requirement)
    s.flush()
    if changed and requirement_id:
        document_validity.refresh_requirement(s, requirement)
    audit.record(s, actor=actor, action="requirement.save", organization_id=organization_id,
                 object_type="document_requirement", object_id=requirement.id, name=name, scope=scope,
                 mandatory=bool(mandatory), validity=validity, validity_months=validity_months)
    return requirement.id


def set_requirement_active(s: Session, *, actor: Actor, requirement_id: int, active: bool) -> None:
    """Requirements are retired, never deleted: documents already sent refer to them."""
    requirement = _requirement(s, actor, requirement_id)
    requirement.active = active
    s.add(requirement)
    audit.record(s, actor=actor, action="requirement.activate" if active else "requirement.retire",
                 organization_id=requirement.organization_id, object_type="document_requirement",
                 object_id=requirement.id)


def _requirement(s: Session, actor: Actor, requirement_id: int) -> DocumentRequirement:
    requirement = s.get(DocumentRequirement, requirement_id)
    if requirement is None:
        raise NotFound("Pièce introuvable.")
    actor.require_capability(requirement.organization_id, "documents")
    return requirement


# --- Families: sending files ---------------------------------------------------------------

# A family may still send or replace files while its dossier is in one of these states.
EDITABLE_STATUSES = ("draft", "rejected", "submitted")


def current_documents(s: Session, household_id: int, requirement_ids: list[int]) -> dict:
    """{(requirement_id, person_id or None): Document} of the files not replaced."""
    if not requirement_ids:
        return {}
    docs = s.exec(select(Document).where(Document.household_id == household_id,
                                         col(Document.requirement_id).in_(requirement_ids),
                                         col(Document.superseded_at).is_(None))).all()
    return {(d.requirement_id, d.person_id): d for d in docs}


def upload_document(s: Session, *, actor: Actor, requirement_id: int, person_id: int | None,
                    filename: str, data: bytes) -> int:
    """A family sends (or replaces) the file answering a requirement.

    An accepted document stays; a pending or refused one is replaced (kept,
    marked superseded). The file is checked on its content before anything
    is stored.
    """
    household_id = actor.require_household()
    requirement = s.get(DocumentRequirement, requirement_id)
    if requirement is None or not requirement.active:
        raise NotFound("Pièce introuvable.")
    if not s.exec(select(Enrollment.id).where(Enrollment.household_id == household_id,
                                              Enrollment.organization_id == requirement.organization_id)).first():
        raise AccessDenied()
    if requirement.scope == "child":
        person = s.get(Person, person_id or 0)
        if person is None or person.household_id != household_id or person.role != "child":
            raise AccessDenied()
    else:
        person_id = None
    # The page hides the button of a validated dossier; the service refuses the file all the same.
    open_dossier = select(Enrollment.id).where(Enrollment.household_id == household_id,
                                               Enrollment.organization_id == requirement.organization_id,
                                               col(Enrollment.status).in_(EDITABLE_STATUSES))
    if person_id is not None:
        open_dossier = open_dossier.where(Enrollment.person_id == person_id)
    current = current_documents(s, household_id, [requirement.id]).get((requirement.id, person_id))
    if s.exec(open_dossier).first() is None and not document_validity.renewable(current, clock.today()):
        # A validated dossier takes only the renewal of a document that expires (or has expired).
        raise Conflict("Ce dossier est validé : ses pièces ne peuvent plus être modifiées. "
                       "Contactez votre organisation pour tout changement.")
    if (current is not None and current.status == "accepted"
            and not document_validity.renewable(current, clock.today())):
        raise Conflict("Cette pièce a déjà été acceptée : il n'est pas nécessaire de la renvoyer.")
    with files.stored(data) as stored:
        now = clock.now()
        if current is not None:
            s.execute(update(Document).where(col(Document.id) == current.id).values(superseded_at=now))
        document = Document(requirement_id=requirement.id, household_id=household_id, person_id=person_id,
                            storage_key=stored.key, original_name=clean(filename, 200) or "document",
                            content_type=stored.content_type, size_bytes=stored.size, status="pending",
                            uploaded_at=now, uploaded_by_id=actor.user_id)
        s.add(document)
        s.flush()
    return document.id


def decide_document(s: Session, *, actor: Actor, document_id: int, accept: bool, reason: str = "") -> None:
    """Staff accept or refuse a document (with the reason the family will read)."""
    document, requirement = require_staff_document(s, actor, document_id)
    if document.superseded_at is not None:
        raise Conflict("Ce document a été remplacé par la famille entre-temps.")
    reason = bounded(reason, 1000, "Motif du refus", "reason", multiline=True)
    if not accept and not reason:
        raise InvalidInput("Indiquez le motif du refus : la famille le lira.", field="reason")
    document.status = "accepted" if accept else "refused"
    document.refusal_reason = "" if accept else reason
    document.valid_until = document_validity.valid_until_for(requirement, document) if accept else None
    document.decided_at = clock.now()
    document.decided_by_id = actor.user_id
    s.add(document)
    audit.record(s, actor=actor, action="document.accept" if accept else "document.refuse",
                 organization_id=requirement.organization_id, object_type="document",
                 object_id=document.id, requirement=requirement.name, reason=reason,
                 household_id=document.household_id)
    if not accept:
        _tell_refused(s, document, requirement, reason)


def refused_title(requirement_name: str, child_first_name: str = "") -> str:
    """« Pièce refusée : Carnet de vaccination (Léa) à remplacer » — the e-mail's subject and the home card."""
    owner = f" ({child_first_name})" if child_first_name else ""
    return f"Pièce refusée : {requirement_name}{owner} à remplacer"


def _tell_refused(s: Session, document: Document, requirement: DocumentRequirement, reason: str) -> None:
    child = s.get(Person, document.person_id) if document.person_id else None
    org = s.get(Organization, requirement.organization_id)
    notify_household(
        s, document.household_id, refused_title(requirement.name, child.first_name if child else ""),
        f"Bonjour,\n\n{org.name} a refusé la pièce « {requirement.name} »"
        + (f" de {child.first_name}" if child else "") + f".\nMotif : {reason}\n\n"
        f"Envoyez un nouveau fichier (PDF, JPEG ou PNG) depuis l'accueil du portail : {config.get().public_url}/\n",
        organization_id=org.id)


def notify_household(s: Session, household_id: int, subject: str, body: str,
                     organization_id: int | None = None) -> None:
    """An e-mail to each guardian of the household who has an active account."""
    recipients = s.exec(select(User.email).join(Person, Person.id == User.person_id)
                        .where(Person.household_id == household_id, User.is_active == True)).all()  # noqa: E712
    for address in recipients:
        mail.queue_email(s, to=address, subject=subject, body=body, organization_id=organization_id)


@dataclasses.dataclass(frozen=True)
class FileContent:
    data: bytes
    content_type: str
    filename: str


def document_content(s: Session, *, actor: Actor, document_id: int) -> FileContent:
    """The file, for its household or its organization's staff only."""
    document = s.get(Document, document_id) if isinstance(document_id, int) else None
    if document is None or actor.household_id is None or actor.household_id != document.household_id:
        document, _requirement = require_staff_document(s, actor, document_id)
    return FileContent(data=files.read(document.storage_key), content_type=document.content_type,
                       filename=document.original_name)

