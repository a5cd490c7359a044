"""The things a household has to do, shown as cards on top of the home page."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Document, DocumentRequirement, Enrollment, Household, Organization, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.formatting import format_date
from cityviz.services.households import document_validity, dossiers, reenrolment
from cityviz.services.households.documents import refused_title
from cityviz.services.households.people import profile_is_complete

EXPIRY_NOTICE_DAYS = 30  # a document expiring within this many days gets its card


@dataclasses.dataclass(frozen=True)
class ActionButton:
    """A button of the card: the page it leads to is named, not addressed (the state turns
    `page` — profile, children, organizations, dossier — into a URL; `object_id` is the
    dossier for "dossier", the organization to register with for "organizations")."""
    label: str
    page: str
    object_id: int = 0


@dataclasses.dataclass(frozen=True)
class NextAction:
    key: str  # profile, children, organization, reenrolment, document_refused, document_expiring, new_member, dossiers
    title: str
    text: str
    buttons: list[ActionButton]


@dataclasses.dataclass(frozen=True)
class ExpiringDocument:
    """An accepted document that stops being valid on `expires_on`."""
    requirement_name: str
    child_first_name: str  # "" for a household document
    expires_on: date
    enrollment_id: int  # the dossier where a new file is sent


def next_action(s: Session, *, actor: Actor,
                dossier_list: list[dossiers.DossierSummary] | None = None) -> NextAction | None:
    """The most pressing of `next_actions`, or None when nothing is to do."""
    actions = next_actions(s, actor=actor, dossier_list=dossier_list)
    return actions[0] if actions else None


def next_actions(s: Session, *, actor: Actor,
                 dossier_list: list[dossiers.DossierSummary] | None = None) -> list[NextAction]:
    """Every card the household should see, most pressing first.

    The three first steps come one at a time (each needs the one before): profile,
    children, an organization. Then, all together: documents refused or expiring,
    members not yet registered with the household's organizations (a child added after
    the family was created by staff, say), dossiers to finalise.
    `dossier_list`: the household's dossiers when the caller already has them.
    """
    household_id = actor.require_household()
    me = s.get(Person, actor.person_id)
    if not profile_is_complete(me, s.get(Household, household_id)):
        return [NextAction("profile", "Compléter vos informations personnelles",
                           "Vérifiez votre adresse et votre numéro de téléphone : votre organisation "
                           "en a besoin pour vous joindre.",
                           [ActionButton("Compléter mon profil", "profile")])]
    children = s.exec(select(Person).where(Person.household_id == household_id, Person.role == "child")
                      .order_by(Person.birth_date, Person.id)).all()
    if not children:
        return [NextAction("children", "Ajouter un ou plusieurs enfants",
                           "Créez la fiche de chaque enfant : nom, date de naissance, classe, allergies…",
                           [ActionButton("Ajouter un enfant", "children")])]
    if dossier_list is None:
        dossier_list = dossiers.household_dossiers(s, actor=actor)
    if not dossier_list:
        return [NextAction("organization", "Inscrire des personnes à une organisation",
                           "Aucun membre de votre foyer n'est enregistré auprès d'une organisation. "
                           "Trouvez la vôtre avec son code postal.",
                           [ActionButton("Trouver mon organisation", "organizations")])]
    enrollments = s.exec(select(Enrollment).where(Enrollment.household_id == household_id)
                         .order_by(Enrollment.id)).all()
    return [*_reenrolment_cards(s, household_id),
            *_refused_cards(s, household_id, enrollments),
            *expiry_cards(_expiring_documents(s, household_id), clock.today()),
            *_unregistered_cards(s, children, enrollments),
            *_to_finish_cards(dossier_list)]


def _reenrolment_cards(s: Session, household_id: int) -> list[NextAction]:
    """« Réinscription pour l'année 2027-2028 » while the campaign is open and the dossier not sent."""
    cards = []
    for dossier, campaign, organization in reenrolment.open_dossiers(s, household_id):
        if dossier.status not in ("not_started", "in_progress"):
            continue
        year = reenrolment.year_label(campaign.school_year)
        text = (f"À corriger : {dossier.correction_reason}" if dossier.correction_reason else
                f"{organization} ouvre les réinscriptions jusqu'au {format_date(campaign.closes_on)}. Votre "
                "dossier est prérempli : vérifiez chaque étape, envoyez les pièces demandées, puis envoyez-le.")
        cards.append(NextAction("reenrolment", f"Réinscription pour l'année {year}", text,
                                [ActionButton("Réinscrire ma famille", "reenrolment", dossier.id)]))
    return cards


def _refused_cards(s: Session, household_id: int, enrollments: list[Enrollment]) -> list[NextAction]:
    rows = s.exec(select(Document, DocumentRequirement, Person.first_name)
                  .join(DocumentRequirement, DocumentRequirement.id == Document.requirement_id)
                  .outerjoin(Person, Person.id == Document.person_id)
                  .where(Document.household_id == household_id, Document.status == "refused",
                         col(Document.superseded_at).is_(None), DocumentRequirement.active == True)  # noqa: E712
                  .order_by(Document.decided_at, Document.id)).all()
    cards = []
    for document, requirement, first_name in rows:
        enrollment_id = dossiers.dossier_for_document(enrollments, requirement.organization_id, document.person_id)
        if not enrollment_id:
            continue
        cards.append(NextAction(
            "document_refused", refused_title(requirement.name, first_name or ""),
            f"Motif : {document.refusal_reason}",
            [ActionButton("Envoyer un nouveau fichier", "dossier", enrollment_id)]))
    return cards


def _expiring_documents(s: Session, household_id: int) -> list[ExpiringDocument]:
    """Accepted documents that expire within the renewal window (or have expired), each with
    the dossier where the new file goes (the child's, or one with the asking organization)."""
    expiring = document_validity.household_expiring(s, household_id, clock.today())
    if not expiring:
        return []
    enrollments = s.exec(select(Enrollment.id, Enrollment.person_id, Enrollment.organization_id, Person.first_name)
                         .join(Person, Person.id == Enrollment.person_id)
                         .where(Enrollment.household_id == household_id)
                         .order_by(Person.role, Enrollment.id)).all()  # a child's dossier first
    out = []
    for document, requirement in expiring:
        child = next((e for e in enrollments if e.person_id == document.person_id), None) if document.person_id \
            else None
        target = child or next((e for e in enrollments if e.organization_id == requirement.organization_id), None)
        if target is not None:
            out.append(ExpiringDocument(requirement.name, child.first_name if child else "", document.valid_until,
                                        target.id))
    return out


def expiry_cards(expiring: list[ExpiringDocument], today: date) -> list[NextAction]:
    cards = []
    for item in sorted(expiring, key=lambda x: x.expires_on):
        if (item.expires_on - today).days > EXPIRY_NOTICE_DAYS:
            continue
        owner = f" ({item.child_first_name})" if item.child_first_name else ""
        if item.expires_on < today:
            title = f"Pièce expirée : {item.requirement_name}{owner} à remplacer"
            text = f"Elle n'est plus valable depuis le {format_date(item.expires_on)}."
        else:
            title = f"Pièce à renouveler : {item.requirement_name}{owner}"
            text = f"Elle expire le {format_date(item.expires_on)} : envoyez la nouvelle avant cette date."
        cards.append(NextAction("document_expiring", title, text,
                                [ActionButton("Envoyer la nouvelle pièce", "dossier", item.enrollment_id)]))
    return cards


def _unregistered_cards(s: Session, children: list[Person], enrollments: list[Enrollment]) -> list[NextAction]:
    """A child registered nowhere (added after the family was created by staff, say): one
    button per organization the household already deals with, another one found by postal code."""
    org_ids = sorted({e.organization_id for e in enrollments})
    names = dict(s.exec(select(Organization.id, Organization.name).where(col(Organization.id).in_(org_ids))).all())
    registered = {e.person_id for e in enrollments}
    return [NextAction(
        "new_member", f"Inscrire {child.first_name} auprès d'une organisation",
        f"{child.first_name} n'a pas encore de dossier d'inscription : sans lui, pas de cantine, "
        "de garderie ni de centre de loisirs.",
        [*[ActionButton(f"Inscrire {child.first_name} auprès de {names[o]}", "organizations", o) for o in org_ids],
         ActionButton("Une autre organisation", "organizations")])
        for child in children if child.id not in registered]


def _to_finish_cards(dossier_list: list[dossiers.DossierSummary]) -> list[NextAction]:
    to_finish = [d for d in dossier_list if d.status in ("draft", "rejected")]
    if not to_finish:
        return []
    return [NextAction("dossiers", "Finaliser le dossier d'inscription",
                       "Quelques documents sont demandés ; ceux communs au foyer ne le sont qu'une fois.",
                       [ActionButton(f"Finaliser le dossier d'inscription de {d.person_name}", "dossier", d.id)
                        for d in to_finish])]
