"""Staff read a family's re-enrolment (« avant / après » per field, the level each child moves to,
the documents sent again) and validate it or ask for corrections.

The school level and school of the new year become the children's own at the rentrée (1 September,
a nightly job). Validating applies what belongs to the family rather than to a school year — guardians' contact
details and address, each child's health and diet — records the new year's authorizations
(signed by the guardian who sent the dossier), files the renewed documents (valid for the new
year) and registers the children staying in primary school to next year's copies of their
activities; a child going to collège is not registered (leaves the périscolaire lists). This
year's bookings, invoices, activities and registrations are not touched."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock, config, db, jobs
from cityviz.models import (
    ActivityRegistration,
    Campaign,
    CampaignActivity,
    CampaignDossier,
    ChildAuthorization,
    Document,
    DocumentRequirement,
    Household,
    Person,
)
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import Conflict, InvalidInput, NotFound
from cityviz.services.households import campaign_fields, document_validity, documents, reenrolment
from cityviz.services.households.campaign_fields import Change
from cityviz.services.households.scope import require_some_staff
from cityviz.services.inputs import bounded

UNKNOWN = "Réinscription introuvable dans votre organisation."


def _dossier(s: Session, actor: Actor, dossier_id: int) -> tuple[CampaignDossier, Campaign]:
    require_some_staff(actor, "families")
    dossier = s.get(CampaignDossier, dossier_id) if isinstance(dossier_id, int) else None
    campaign = s.get(Campaign, dossier.campaign_id) if dossier is not None else None
    if campaign is None or not actor.can(campaign.organization_id, "families"):
        raise NotFound(UNKNOWN)
    return dossier, campaign


@dataclasses.dataclass(frozen=True)
class RenewedDocument:
    id: int  # the campaign document, 0 when not sent
    name: str
    owner: str
    reason: str
    file_name: str


@dataclasses.dataclass(frozen=True)
class CampaignReview:
    id: int
    title: str
    family: str
    status: str
    status_label: str
    sent: str
    correction_reason: str
    children: list[str]
    changes: list[Change]
    documents: list[RenewedDocument]


def campaign_dossier_review(s: Session, *, actor: Actor, dossier_id: int) -> CampaignReview:
    dossier, campaign = _dossier(s, actor, dossier_id)
    before, current = reenrolment.answers(dossier)
    sent = reenrolment.sent_documents(s, dossier.id)
    names = dict(s.exec(select(DocumentRequirement.id, DocumentRequirement.name).where(
        col(DocumentRequirement.id).in_([d["requirement_id"] for d in before["documents"]]))).all())
    renewed = []
    for d in before["documents"]:
        doc = sent.get((d["requirement_id"], d["person_id"]))
        renewed.append(RenewedDocument(doc.id if doc else 0, names.get(d["requirement_id"], ""),
                                       before["names"].get(f"c{d['person_id']}", "") if d["person_id"] else "Foyer",
                                       d["reason"], doc.original_name if doc else ""))
    children = []
    for c in before["children"]:
        level = current[f"c{c['id']}.level"]
        children.append(f"{c['name']} : {campaign_fields.level_label(c['level'])} → {campaign_fields.level_label(level)}"
                        + (" (quitte le périscolaire)" if campaign_fields.leaves_primary(level) else ""))
    return CampaignReview(
        id=dossier.id, title=f"Réinscription {reenrolment.year_label(campaign.school_year)}",
        family=dossier.family, status=dossier.status, status_label=reenrolment.STATUS_LABELS[dossier.status],
        sent=reenrolment.sent_line(dossier), correction_reason=dossier.correction_reason, children=children,
        changes=campaign_fields.changes(before, current), documents=renewed)


def _sent(s: Session, actor: Actor, dossier_id: int) -> tuple[CampaignDossier, Campaign]:
    dossier, campaign = _dossier(s, actor, dossier_id)
    if dossier.status != "sent":
        raise Conflict("Ce dossier de réinscription n'est pas en attente de validation.")
    return dossier, campaign


def ask_corrections(s: Session, *, actor: Actor, dossier_id: int, reason: str) -> None:
    """Back to the family (« en cours ») with what to correct; they are told by e-mail."""
    dossier, campaign = _sent(s, actor, dossier_id)
    reason = bounded(reason, 1000, "Corrections demandées", "reason", multiline=True)
    if not reason:
        raise InvalidInput("Indiquez ce que la famille doit corriger.", field="reason")
    dossier.status, dossier.correction_reason, dossier.updated_at = "in_progress", reason, clock.now()
    s.add(dossier)
    year = reenrolment.year_label(campaign.school_year)
    documents.notify_household(
        s, dossier.household_id, f"Réinscription {year} : corrections demandées",
        f"Bonjour,\n\nVotre dossier de réinscription pour l'année {year} est à corriger :\n{reason}\n\n"
        f"Corrigez-le puis envoyez-le de nouveau : {config.get().public_url}/reinscription?id={dossier.id}\n",
        organization_id=campaign.organization_id)
    audit.record(s, actor=actor, action="campaign.corrections", organization_id=campaign.organization_id,
                 object_type="campaign_dossier", object_id=dossier.id, reason=reason,
                 household_id=dossier.household_id)


def validate_reenrolment(s: Session, *, actor: Actor, dossier_id: int) -> None:
    dossier, campaign = _sent(s, actor, dossier_id)
    before, current = reenrolment.answers(dossier)
    _apply_contacts_and_health(s, dossier, before, current)
    _record_authorizations(s, dossier, campaign, before, current)
    _file_documents(s, dossier, campaign, actor.user_id)
    dossier.status, dossier.correction_reason = "validated", ""
    dossier.decided_at = dossier.updated_at = clock.now()
    dossier.decided_by_id = actor.user_id
    s.add(dossier)
    s.flush()
    register_to_copies(s, dossier, campaign, decided_by_id=actor.user_id)
    year = reenrolment.year_label(campaign.school_year)
    documents.notify_household(s, dossier.household_id, f"Réinscription {year} validée",
                               f"Bonjour,\n\nVotre réinscription pour l'année {year} est validée.\n",
                               organization_id=campaign.organization_id)
    audit.record(s, actor=actor, action="campaign.validate", organization_id=campaign.organization_id,
                 object_type="campaign_dossier", object_id=dossier.id, household_id=dossier.household_id,
                 changes=len(campaign_fields.changes(before, current)))


def _apply_contacts_and_health(s: Session, dossier: CampaignDossier, before: dict, current: dict) -> None:
    household = s.get(Household, dossier.household_id)
    people = {p.id: p for p in s.exec(select(Person).where(Person.household_id == dossier.household_id)).all()}
    for key in before["fields"]:
        owner, field = key.split(".", 1)
        value = current[key]
        if owner == "household":
            setattr(household, field, value)
        elif owner[0] == "g" and int(owner[1:]) in people:
            setattr(people[int(owner[1:])], field, value)
        elif owner[0] == "c" and field in ("diet", "allergies", "medical_notes", "has_pai") and int(owner[1:]) in people:
            setattr(people[int(owner[1:])], field, value == "1" if field == "has_pai" else value)
    s.add(household)
    for person in people.values():
        s.add(person)


def _record_authorizations(s: Session, dossier: CampaignDossier, campaign: Campaign, before: dict,
                           current: dict) -> None:
    """The new year's authorizations, signed by the guardian who sent the dossier, when they sent it."""
    existing = {a.child_id: a for a in s.exec(select(ChildAuthorization).where(
        ChildAuthorization.household_id == dossier.household_id,
        ChildAuthorization.school_year == campaign.school_year)).all()}
    for child in before["children"]:
        if campaign_fields.leaves_primary(current[f"c{child['id']}.level"]):
            continue
        a = f"a{child['id']}"
        row = existing.get(child["id"]) or ChildAuthorization(
            child_id=child["id"], household_id=dossier.household_id, school_year=campaign.school_year,
            signed_by_name="", signed_at=dossier.sent_at)
        # An item not asked (not in the dossier) is stored as "no"/empty.
        row.image, row.leave_alone = current.get(f"{a}.image") == "1", current.get(f"{a}.leave_alone") == "1"
        start = current.get(f"{a}.leave_alone_from", "")
        row.leave_alone_from = int(start[:2]) * 60 + int(start[3:5]) if row.leave_alone and start else None
        row.pickups = current.get(f"{a}.pickups", "")
        row.emergency_care = current.get(f"{a}.emergency_care") == "1"
        row.transport = current.get(f"{a}.transport") == "1"
        row.signed_by_name, row.signed_by_id, row.signed_at = dossier.sent_by_name, dossier.sent_by_id, dossier.sent_at
        s.add(row)


def _valid_until(requirement: DocumentRequirement, uploaded: date, school_year: int) -> date | None:
    if requirement.validity == "school_year":  # sent for the new year, whenever during the campaign
        return date(school_year + 1, 8, 31)
    return document_validity.last_valid_day(requirement.validity, requirement.validity_months, uploaded)


def _file_documents(s: Session, dossier: CampaignDossier, campaign: Campaign, decided_by_id: int | None) -> None:
    """The documents sent again become the ones on file, accepted, valid for the new year."""
    now = clock.now()
    for sent in reenrolment.sent_documents(s, dossier.id).values():
        requirement = s.get(DocumentRequirement, sent.requirement_id)
        s.execute(update(Document).where(Document.household_id == dossier.household_id,
                                         Document.requirement_id == sent.requirement_id,
                                         _same_person(Document.person_id, sent.person_id),
                                         col(Document.superseded_at).is_(None)).values(superseded_at=now))
        s.add(Document(requirement_id=sent.requirement_id, household_id=dossier.household_id, person_id=sent.person_id,
                       storage_key=sent.storage_key, original_name=sent.original_name,
                       content_type=sent.content_type, size_bytes=sent.size_bytes, status="accepted",
                       uploaded_at=sent.uploaded_at, uploaded_by_id=sent.uploaded_by_id, decided_at=now,
                       decided_by_id=decided_by_id,
                       valid_until=_valid_until(requirement, document_validity.document_date(sent.uploaded_at),
                                                campaign.school_year)))


def apply_new_year(s: Session, *, limit: int = 500) -> int:
    """From the rentrée (1 September of the campaign's year), each validated re-enrolment's school
    level and school become the children's own (once). Returns the dossiers applied."""
    today = clock.today()
    rows = s.exec(select(CampaignDossier).join(Campaign, Campaign.id == CampaignDossier.campaign_id).where(
        CampaignDossier.status == "validated", col(CampaignDossier.applied_at).is_(None),
        Campaign.school_year <= (today.year if today.month >= 9 else today.year - 1))
        .order_by(CampaignDossier.id).limit(limit)).all()
    for dossier in rows:
        before, current = reenrolment.answers(dossier)
        for child in before["children"]:
            person = s.get(Person, child["id"])
            if person is not None and person.household_id == dossier.household_id:
                person.school_level, person.school = current[f"c{child['id']}.level"], current[f"c{child['id']}.school"]
                s.add(person)
        dossier.applied_at = clock.now()
        s.add(dossier)
    return len(rows)


@jobs.job("booking.campaign_rentree", label="Rentrée : classes des enfants réinscrits", schedule="30 2 * * *",
          retries=3)
def rentree_job(ctx: jobs.JobContext) -> str:
    done = 0
    while True:
        with db.transaction() as s:
            applied = apply_new_year(s)
        done += applied
        if applied < 500:
            return f"{done} réinscription(s) appliquée(s) : classes de la rentrée."


def _same_person(column, person_id: int | None):
    return col(column).is_(None) if person_id is None else column == person_id


def register_to_copies(s: Session, dossier: CampaignDossier, campaign: Campaign, *, decided_by_id: int | None) -> int:
    """Register each child staying in primary school to next year's copy of every activity they
    are registered to this year (a child going to collège is not)."""
    before, current = reenrolment.answers(dossier)
    staying = [c["id"] for c in before["children"] if not campaign_fields.leaves_primary(current[f"c{c['id']}.level"])]
    if not staying:
        return 0
    copies = dict(s.exec(select(CampaignActivity.source_activity_id, CampaignActivity.activity_id)
                         .where(CampaignActivity.campaign_id == campaign.id)).all())
    this_year = s.exec(select(ActivityRegistration.child_id, ActivityRegistration.activity_id).where(
        col(ActivityRegistration.child_id).in_(staying), col(ActivityRegistration.activity_id).in_(list(copies)),
        ActivityRegistration.status == "validated")).all() if copies else []
    already = set(s.exec(select(ActivityRegistration.child_id, ActivityRegistration.activity_id).where(
        col(ActivityRegistration.child_id).in_(staying),
        col(ActivityRegistration.activity_id).in_(list(copies.values())))).all()) if copies else set()
    now, made = clock.now(), 0
    for child_id, activity_id in this_year:
        if (child_id, copies[activity_id]) in already:
            continue
        s.add(ActivityRegistration(activity_id=copies[activity_id], child_id=child_id, household_id=dossier.household_id,
                                   status="validated", requested_at=now, decided_at=now, decided_by_id=decided_by_id))
        made += 1
    return made
