"""Erasing a household's personal data (RGPD article 17), for retention and for
« Supprimer mon compte ».

What goes: names, birth dates, contact details, address, health notes, photos,
documents (rows and files), the quotient familial, logins and their sessions,
bank details of SEPA mandates, bank messages, e-mails sent to the family, and the
personal values written in the audit log about it. What stays, without anyone's
name: bookings, attendance, registrations (occupancy statistics), and the
financial documents — an issued invoice never changes (database triggers): it
keeps the payer's name and address copied onto it when it was issued, as the
law requires for ten years, and reads exactly as before. After those ten years
the purge (retention.py) removes them.

Every table that refers to a household, a person or a user must be listed in
HANDLED or KEPT below: a test checks it, so that a new table holding personal
data cannot be forgotten.
"""

from __future__ import annotations

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from cityviz import clock, db
from cityviz.models import (
    AbsenceReport,
    ActivityRegistration,
    AuditEntry,
    AuthSession,
    CalendarFeed,
    CampaignDocument,
    CampaignDossier,
    ChildAuthorization,
    Document,
    Enrollment,
    EnrollmentEvent,
    FamilyQuotient,
    Household,
    Invitation,
    LoginThrottle,
    Message,
    MessageAttachment,
    MessageThread,
    OnlinePayment,
    OutboxEmail,
    PasswordReset,
    Person,
    SepaMandate,
    User,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.households import files

ANONYMOUS_FIRST = "Anonyme"
ANONYMOUS_LAST = "ANONYMISÉ"
ANONYMOUS_DOMAIN = "anonyme.invalid"  # RFC 2606: never deliverable

# table -> what anonymise_household does with it
HANDLED = {
    "household": "address erased, anonymised_at set",
    "person": "names, birth date, contact, school, health notes, diet, PAI and its file, photo erased",
    "user_account": "e-mail replaced, password removed, deactivated",
    "auth_session": "deleted", "invitation": "deleted", "password_reset": "deleted",
    "document": "deleted with its file", "family_quotient": "deleted", "calendar_feed": "deleted",
    "enrollment": "reasons erased", "sepa_mandate": "holder and bank details erased, revoked",
    "online_payment": "bank message erased", "audit_entry": "personal values erased",
    "absence_report": "deleted with its medical certificate (the decision stays in attendance)",
    "child_authorization": "deleted (names and phones of the people allowed to pick up)",
    "message_thread": "deleted with its messages", "message": "deleted (the correspondence with the town)",
    "message_attachment": "deleted with its file",
    "campaign_dossier": "deleted (the re-enrolment's copy of the family's data)",
    "campaign_document": "deleted with its file",
}
KEPT = {
    "account_deletion_request": "ids and dates only: the trace of who asked and who confirmed",
    "activity_registration": "ids, statuses and dates (refusal reasons erased)",
    "booking": "ids and dates (occupancy statistics)", "attendance": "ids and statuses",
    "enrollment_event": "status history (reasons erased)",
    "invoice": "append-only; payer copy kept ten years (legal), then purged",
    "invoice_line": "append-only; child's name copied on the invoice, purged after ten years",
    "credit_note": "append-only; payer copy kept ten years, then purged",
    "payment": "accounting record (amount, method, date), purged after ten years",
    "refund": "accounting record, purged after ten years",
    "billing_period_household": "ids only", "tax_certificate_notice": "ids, year and amount (accounting)",
    "billing_period": "staff id only", "closure": "staff id only",
    "job": "staff id only", "news_post": "staff id only", "menu_dish": "staff id only", "staff_membership": "staff only",
    "staff_activity": "staff only (an animateur's activities)",
    "campaign": "staff id only",
}


def anonymise_household(s: Session, *, actor: Actor, household_id: int, reason: str,
                        organization_id: int | None = None) -> bool:
    """Erase the household's personal data in this transaction; its files are deleted once it
    commits. False if it was already anonymised. `reason`: "retention" or "request"."""
    household = s.exec(select(Household).where(Household.id == household_id).with_for_update()).first()
    if household is None or household.anonymised_at is not None:
        return False
    now = clock.now()
    people = list(s.exec(select(Person).where(Person.household_id == household_id)).all())
    person_ids = [p.id for p in people]
    users = list(s.exec(select(User).where(col(User.person_id).in_(person_ids))).all()) if person_ids else []
    user_ids = [u.id for u in users]
    addresses = {u.email for u in users} | {p.email for p in people if p.email}
    documents = list(s.exec(select(Document).where(Document.household_id == household_id)).all())
    certificates = list(s.exec(select(AbsenceReport.certificate_key).where(
        AbsenceReport.household_id == household_id, col(AbsenceReport.certificate_key).is_not(None))).all())
    campaign_dossiers = list(s.exec(select(CampaignDossier.id).where(CampaignDossier.household_id == household_id)))
    campaign_files = list(s.exec(select(CampaignDocument.storage_key).where(
        col(CampaignDocument.dossier_id).in_(campaign_dossiers)))) if campaign_dossiers else []
    doomed_files = ([d.storage_key for d in documents] + [p.avatar_key for p in people if p.avatar_key]
                    + certificates + [p.pai_key for p in people if p.pai_key] + campaign_files
                    + list(s.exec(select(MessageAttachment.storage_key).where(
                        MessageAttachment.household_id == household_id)).all()))
    enrollment_ids = list(s.exec(select(Enrollment.id).where(Enrollment.household_id == household_id)).all())

    for person in people:
        person.first_name = ANONYMOUS_FIRST if person.role == "guardian" else "Enfant"
        person.last_name = ANONYMOUS_LAST
        person.civility = person.birth_date = person.sex = person.avatar_key = None
        person.email = person.phone_mobile = person.phone_other = person.school = ""
        person.allergies = person.medical_notes = person.authorised_pickups = ""
        person.diet, person.has_pai, person.pai_key, person.pai_name, person.pai_type = "", False, None, "", ""
        s.add(person)
    household.street = household.postal_code = household.city = ""
    household.anonymised_at = now
    s.add(household)
    for user in users:
        old = user.email
        user.email = f"compte-{user.id}@{ANONYMOUS_DOMAIN}"
        user.display_name, user.password_hash, user.is_active = "Compte supprimé", None, False
        user.must_change_password, user.last_login_at = False, None
        s.add(user)
        s.execute(delete(LoginThrottle).where(col(LoginThrottle.key) == f"account:{old}"))
    s.flush()
    if user_ids:
        for model in (AuthSession, Invitation, PasswordReset):
            s.execute(delete(model).where(col(model.user_id).in_(user_ids)))
    if campaign_dossiers:
        s.execute(delete(CampaignDocument).where(col(CampaignDocument.dossier_id).in_(campaign_dossiers)))
    for model in (Document, FamilyQuotient, CalendarFeed, AbsenceReport, ChildAuthorization, MessageAttachment,
                  Message, MessageThread, CampaignDossier):
        s.execute(delete(model).where(col(model.household_id) == household_id))
    s.execute(update(Enrollment).where(col(Enrollment.household_id) == household_id).values(rejection_reason=""))
    if enrollment_ids:
        s.execute(update(EnrollmentEvent).where(col(EnrollmentEvent.enrollment_id).in_(enrollment_ids))
                  .values(reason=""))
    s.execute(update(ActivityRegistration).where(col(ActivityRegistration.household_id) == household_id)
              .values(refusal_reason=""))
    s.execute(update(SepaMandate).where(col(SepaMandate.household_id) == household_id)
              .values(holder_name=ANONYMOUS_LAST, iban="", bic=""))
    s.execute(update(SepaMandate).where(col(SepaMandate.household_id) == household_id,
                                        col(SepaMandate.revoked_at).is_(None)).values(revoked_at=now))
    s.execute(update(OnlinePayment).where(col(OnlinePayment.household_id) == household_id).values(bank_message=""))
    if addresses:
        s.execute(delete(OutboxEmail).where(col(OutboxEmail.to_address).in_(sorted(addresses))))
    _scrub_audit(s, household_id, person_ids, user_ids, [d.id for d in documents], enrollment_ids)
    audit.record(s, actor=actor, action="household.anonymised", organization_id=organization_id,
                 object_type="household", object_id=household_id, reason=reason, anonymised_at=now.isoformat())
    if doomed_files:
        db.after_commit(s, lambda: [files.delete(key) for key in doomed_files])
    return True


def _scrub_audit(s: Session, household_id: int, person_ids: list[int], user_ids: list[int],
                 document_ids: list[int], enrollment_ids: list[int]) -> None:
    """Keep who did what and when; drop the values (names, e-mails, reasons) about this family."""
    about = [(AuditEntry.object_type == "household") & (AuditEntry.object_id == household_id)]
    for kind, ids in (("person", person_ids), ("user", user_ids), ("document", document_ids),
                      ("enrollment", enrollment_ids)):
        if ids:
            about.append((AuditEntry.object_type == kind) & col(AuditEntry.object_id).in_(ids))
    s.execute(update(AuditEntry).where(or_(*about)).values(details='{"anonymised": true}'))
