"""« Réinscription » for next school year, on the family's side: the dossier comes pre-filled from
the current year (campaign_fields), the parent confirms or corrects each part, sends the
documents asked again, then sends the dossier to the organization. Nothing here touches the
current year: the answers stay in the campaign dossier until staff validate it (campaign_review)."""

from __future__ import annotations

import dataclasses
import json

from sqlalchemy import update
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Campaign, CampaignDocument, CampaignDossier, DocumentRequirement, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date, format_datetime
from cityviz.services.households import campaign_fields, files
from cityviz.services.households.campaign_fields import FIELDS, PARTS
from cityviz.services.households.documents import FileContent
from cityviz.services.households.scope import require_some_staff
from cityviz.services.inputs import clean

STATUS_LABELS = {"not_started": "Pas commencé", "in_progress": "En cours", "sent": "Envoyé", "validated": "Validé"}
UNKNOWN = "Réinscription introuvable."


def year_label(school_year: int) -> str:
    return f"{school_year}-{school_year + 1}"


def is_open(campaign: Campaign, today=None) -> bool:
    today = today or clock.today()
    return campaign.opens_on <= today <= campaign.closes_on


def open_dossiers(s: Session, household_id: int) -> list[tuple[CampaignDossier, Campaign, str]]:
    """The household's re-enrolments of campaigns open today: (dossier, campaign, organization name)."""
    today = clock.today()
    return list(s.exec(select(CampaignDossier, Campaign, Organization.name)
                       .join(Campaign, Campaign.id == CampaignDossier.campaign_id)
                       .join(Organization, Organization.id == Campaign.organization_id)
                       .where(CampaignDossier.household_id == household_id, Campaign.opens_on <= today,
                              Campaign.closes_on >= today).order_by(Campaign.id)).all())


def _own(s: Session, actor: Actor, dossier_id: int) -> tuple[CampaignDossier, Campaign]:
    household_id = actor.require_household()
    dossier = s.get(CampaignDossier, dossier_id) if isinstance(dossier_id, int) else None
    if dossier is None or dossier.household_id != household_id:
        raise NotFound(UNKNOWN)
    return dossier, s.get(Campaign, dossier.campaign_id)


def _editable(s: Session, actor: Actor, dossier_id: int) -> tuple[CampaignDossier, Campaign]:
    dossier, campaign = _own(s, actor, dossier_id)
    if dossier.status in ("sent", "validated"):
        raise Conflict("Ce dossier de réinscription est déjà envoyé.")
    if not is_open(campaign):
        raise Conflict(f"La campagne de réinscription est close depuis le {format_date(campaign.closes_on)}.")
    return dossier, campaign


def answers(dossier: CampaignDossier) -> tuple[dict, dict[str, str]]:
    """(the snapshot taken at opening, the fields as the family has them now)."""
    before = json.loads(dossier.before)
    after = json.loads(dossier.after) if dossier.after else {}
    return before, {**before["fields"], **after}


def confirmed_parts(dossier: CampaignDossier) -> set[str]:
    return {p for p in dossier.confirmed.split(",") if p}


def sent_documents(s: Session, dossier_id: int) -> dict[tuple[int, int | None], CampaignDocument]:
    return {(d.requirement_id, d.person_id): d for d in s.exec(select(CampaignDocument).where(
        CampaignDocument.dossier_id == dossier_id, col(CampaignDocument.superseded_at).is_(None))).all()}


def missing_documents(s: Session, dossier: CampaignDossier, before: dict) -> int:
    """Mandatory documents asked again and not sent yet."""
    if not before["documents"]:
        return 0
    sent = sent_documents(s, dossier.id)
    mandatory = set(s.exec(select(DocumentRequirement.id).where(
        col(DocumentRequirement.id).in_([d["requirement_id"] for d in before["documents"]]),
        DocumentRequirement.mandatory == True)).all())  # noqa: E712
    return sum(1 for d in before["documents"]
               if d["requirement_id"] in mandatory and (d["requirement_id"], d["person_id"]) not in sent)


# --- The parent's page -----------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FieldView:
    key: str
    label: str
    kind: str
    value: str
    options: list[list[str]]  # [value, label] of a select


@dataclasses.dataclass(frozen=True)
class DocumentAsked:
    requirement_id: int
    person_id: int  # 0: the household's
    name: str
    owner: str  # « Foyer » or the child's first name
    reason: str
    sent: str  # the file sent for the new year, "" none yet


@dataclasses.dataclass(frozen=True)
class ReenrolmentView:
    id: int
    title: str  # « Réinscription pour l'année 2027-2028 »
    organization: str
    status: str
    status_label: str
    correction_reason: str
    closes_on: str
    parts: list[list[str]]  # [key, label, "1" if confirmed]
    children: list[str]  # « Léa NOIRET : CP → CE1 »
    documents: list[DocumentAsked]
    can_send: bool


def _options(field: str) -> list[list[str]]:
    if field == "level":
        return [["", "Non renseignée"], *[[lv, campaign_fields.level_label(lv)] for lv in campaign_fields.NEXT_LEVEL]]
    if field == "diet":
        return [["", "Aucun"], *[[k, v] for k, v in campaign_fields.DIETS.items()]]
    return []


def part_fields(s: Session, *, actor: Actor, dossier_id: int, part: str) -> list[FieldView]:
    """The fields of one part, as the family has them now."""
    dossier, _campaign = _own(s, actor, dossier_id)
    before, current = answers(dossier)
    out = []
    for key in before["fields"]:
        field = key.split(".", 1)[1]
        if campaign_fields.part_of(key) == part:
            out.append(FieldView(key, campaign_fields.label(before, key), FIELDS[field][1], current[key],
                                 _options(field)))
    return out


def reenrolment(s: Session, *, actor: Actor, dossier_id: int) -> ReenrolmentView:
    dossier, campaign = _own(s, actor, dossier_id)
    before, current = answers(dossier)
    names = dict(s.exec(select(DocumentRequirement.id, DocumentRequirement.name).where(
        col(DocumentRequirement.id).in_([d["requirement_id"] for d in before["documents"]]))).all())
    sent = sent_documents(s, dossier.id)
    done = confirmed_parts(dossier)
    documents = [DocumentAsked(
        d["requirement_id"], d["person_id"] or 0, names.get(d["requirement_id"], ""),
        before["names"].get(f"c{d['person_id']}", "") if d["person_id"] else "Foyer", d["reason"],
        sent[(d["requirement_id"], d["person_id"])].original_name if (d["requirement_id"], d["person_id"]) in sent
        else "") for d in before["documents"]]
    children = []
    for c in before["children"]:
        level = current[f"c{c['id']}.level"]
        line = f"{c['name']} : {campaign_fields.level_label(c['level'])} → {campaign_fields.level_label(level)}"
        children.append(line + (" — entre au collège : quitte le périscolaire"
                                if campaign_fields.leaves_primary(level) else ""))
    organization = s.get(Organization, campaign.organization_id).name
    return ReenrolmentView(
        id=dossier.id, title=f"Réinscription pour l'année {year_label(campaign.school_year)}",
        organization=organization, status=dossier.status, status_label=STATUS_LABELS[dossier.status],
        correction_reason=dossier.correction_reason, closes_on=format_date(campaign.closes_on),
        parts=[[k, v, "1" if k in done else ""] for k, v in PARTS.items()], children=children,
        documents=documents,
        can_send=(dossier.status in ("not_started", "in_progress") and done >= set(PARTS)
                  and missing_documents(s, dossier, before) == 0))


def _touch(dossier: CampaignDossier) -> None:
    dossier.status = "in_progress"
    dossier.updated_at = clock.now()


def confirm_part(s: Session, *, actor: Actor, dossier_id: int, part: str, values: dict[str, str]) -> None:
    """The parent confirms a part, corrected or not (its fields as sent replace the former answers)."""
    dossier, _campaign = _editable(s, actor, dossier_id)
    if part not in PARTS:
        raise InvalidInput("Étape inconnue.", field="part")
    before, current = answers(dossier)
    if part == "documents":
        if missing_documents(s, dossier, before):
            raise InvalidInput("Envoyez d'abord chaque pièce demandée.", field="documents")
    else:
        current.update(campaign_fields.checked_values(before, part, values))
        dossier.after = campaign_fields.dumps({k: v for k, v in current.items() if before["fields"].get(k) != v})
    dossier.confirmed = ",".join(p for p in PARTS if p in confirmed_parts(dossier) | {part})
    _touch(dossier)
    s.add(dossier)


def upload_campaign_document(s: Session, *, actor: Actor, dossier_id: int, requirement_id: int,
                             person_id: int | None, filename: str, data: bytes) -> int:
    """A document asked again for the new year (a second one replaces the first)."""
    dossier, _campaign = _editable(s, actor, dossier_id)
    before, _current = answers(dossier)
    person_id = person_id or None
    if not any(d["requirement_id"] == requirement_id and d["person_id"] == person_id for d in before["documents"]):
        raise NotFound("Cette pièce n'est pas demandée dans ce dossier.")
    with files.stored(data) as stored:
        now = clock.now()
        s.execute(update(CampaignDocument).where(CampaignDocument.dossier_id == dossier.id,
                                                 CampaignDocument.requirement_id == requirement_id,
                                                 (col(CampaignDocument.person_id).is_(None) if person_id is None
                                                  else CampaignDocument.person_id == person_id),
                                                 col(CampaignDocument.superseded_at).is_(None))
                  .values(superseded_at=now))
        document = CampaignDocument(dossier_id=dossier.id, requirement_id=requirement_id, person_id=person_id,
                                    storage_key=stored.key, original_name=clean(filename, 200) or "document",
                                    content_type=stored.content_type, size_bytes=stored.size, uploaded_at=now,
                                    uploaded_by_id=actor.user_id)
        s.add(document)
        _touch(dossier)
        s.add(dossier)
        s.flush()
    return document.id


def send_reenrolment(s: Session, *, actor: Actor, dossier_id: int) -> None:
    dossier, _campaign = _editable(s, actor, dossier_id)
    before, _current = answers(dossier)
    if confirmed_parts(dossier) < set(PARTS):
        raise InvalidInput("Confirmez chaque étape avant d'envoyer le dossier.", field="parts")
    if missing_documents(s, dossier, before):
        raise InvalidInput("Envoyez chaque pièce demandée avant d'envoyer le dossier.", field="documents")
    me = s.get(Person, actor.person_id) if actor.person_id else None
    if me is None or me.role != "guardian":
        raise AccessDenied()
    dossier.status, dossier.correction_reason = "sent", ""
    dossier.sent_at = dossier.updated_at = clock.now()
    dossier.sent_by_id, dossier.sent_by_name = actor.user_id, f"{me.first_name} {me.last_name}"
    s.add(dossier)


def campaign_document_content(s: Session, *, actor: Actor, document_id: int) -> FileContent:
    """A document sent for the new year: to its household, or to the campaign's staff."""
    if not actor.is_parent:
        require_some_staff(actor, "documents")
    document = s.get(CampaignDocument, document_id) if isinstance(document_id, int) else None
    dossier = s.get(CampaignDossier, document.dossier_id) if document is not None else None
    campaign = s.get(Campaign, dossier.campaign_id) if dossier is not None else None
    allowed = campaign is not None and (dossier.household_id == actor.household_id
                                        or actor.can(campaign.organization_id, "documents"))
    if not allowed:
        raise NotFound("Document introuvable.")
    return FileContent(files.read(document.storage_key), document.content_type, document.original_name)


def sent_line(dossier: CampaignDossier) -> str:
    return f"Envoyé par {dossier.sent_by_name} le {format_datetime(dossier.sent_at)}" if dossier.sent_at else ""
