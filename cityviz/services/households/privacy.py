"""Right of access (RGPD, article 15): everything held about a household, as a ZIP."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime

from sqlmodel import Session, SQLModel, col, select

from cityviz import clock
from cityviz.models import (
    AbsenceReport,
    AuthSession,
    CampaignDocument,
    CampaignDossier,
    CreditNote,
    CreditNoteLine,
    Document,
    Enrollment,
    EnrollmentEvent,
    Household,
    Invoice,
    InvoiceLine,
    MessageAttachment,
    Person,
    User,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.households import files

# Secrets and internal references are not personal data worth exporting.
_SKIP = {"password_hash", "token_hash", "ticket_hash", "temp_password_hash", "storage_key",
         "avatar_key", "image_key"}


def _plain(row: SQLModel) -> dict:
    out = {}
    for key, value in row.model_dump().items():
        if key in _SKIP:
            continue
        out[key] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def _household_tables() -> list[type[SQLModel]]:
    """Every table with a household_id column (bookings, payments, invoices…)."""
    return [m for m in SQLModel.__subclasses__()
            if getattr(m, "__table__", None) is not None and "household_id" in m.__table__.c]


def export_household(s: Session, *, actor: Actor) -> bytes:
    household_id = actor.require_household()
    data: dict[str, list] = {"export": [{"date": clock.now().isoformat(), "household_id": household_id}]}
    data["household"] = [_plain(s.get(Household, household_id))]
    for model in sorted(_household_tables(), key=lambda m: m.__tablename__):
        rows = s.exec(select(model).where(model.household_id == household_id)).all()
        data[model.__tablename__] = [_plain(r) for r in rows]
    people = s.exec(select(Person).where(Person.household_id == household_id)).all()
    users = s.exec(select(User).where(col(User.person_id).in_([p.id for p in people]))).all()
    data["user_account"] = [_plain(u) for u in users]
    data["auth_session"] = [_plain(r) for r in s.exec(select(AuthSession).where(
        col(AuthSession.user_id).in_([u.id for u in users]))).all()]
    enrollment_ids = [e.id for e in s.exec(select(Enrollment).where(Enrollment.household_id == household_id))]
    data["enrollment_event"] = [_plain(r) for r in s.exec(select(EnrollmentEvent).where(
        col(EnrollmentEvent.enrollment_id).in_(enrollment_ids))).all()]
    invoice_ids = [i.id for i in s.exec(select(Invoice).where(Invoice.household_id == household_id))]
    data["invoice_line"] = [_plain(r) for r in s.exec(select(InvoiceLine).where(
        col(InvoiceLine.invoice_id).in_(invoice_ids))).all()]
    renewed = list(s.exec(select(CampaignDocument).join(CampaignDossier).where(
        CampaignDossier.household_id == household_id).order_by(CampaignDocument.id)).all())
    data["campaign_document"] = [_plain(r) for r in renewed]
    note_ids = [n.id for n in s.exec(select(CreditNote).where(CreditNote.household_id == household_id))]
    data["credit_note_line"] = [_plain(r) for r in s.exec(select(CreditNoteLine).where(
        col(CreditNoteLine.credit_note_id).in_(note_ids))).all()]

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mes-donnees.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        archive.writestr("LISEZ-MOI.txt", (
            "Données détenues par le portail Cityviz Enfance sur votre foyer, au "
            f"{clock.now().astimezone(clock.PARIS):%d/%m/%Y à %H:%M}.\n"
            "mes-donnees.json : toutes les informations (une section par table) ;\n"
            "documents/ : les pièces justificatives envoyées ; certificats/ : les certificats médicaux "
            "joints aux absences ; messages/ : les pièces jointes de la messagerie (les conversations "
            "elles-mêmes sont dans mes-donnees.json, sections message_thread et message) ; reinscription/ : "
            "les pièces envoyées pour la réinscription ; photos/ : les photos.\n"
            "Pour toute rectification ou suppression, adressez-vous à votre organisation.\n"))
        for doc in s.exec(select(Document).where(Document.household_id == household_id)).all():
            archive.writestr(f"documents/{doc.id}-{doc.original_name}", files.read(doc.storage_key))
        for report in s.exec(select(AbsenceReport).where(AbsenceReport.household_id == household_id,
                                                          col(AbsenceReport.certificate_key).is_not(None))).all():
            archive.writestr(f"certificats/{report.id}-{report.certificate_name}", files.read(report.certificate_key))
        for attachment in s.exec(select(MessageAttachment).where(MessageAttachment.household_id == household_id)
                                 .order_by(MessageAttachment.id)).all():
            archive.writestr(f"messages/{attachment.id}-{attachment.original_name}", files.read(attachment.storage_key))
        for doc in renewed:
            archive.writestr(f"reinscription/{doc.id}-{doc.original_name}", files.read(doc.storage_key))
        for person in people:
            if person.pai_key:
                archive.writestr(f"pai/{person.id}-{person.pai_name}", files.read(person.pai_key))
            if person.avatar_key:
                archive.writestr(f"photos/{person.id}-{person.first_name}.jpg", files.read(person.avatar_key))
    return buffer.getvalue()
