"""The next thing a household has to do, shown on top of the home page."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, func, select

from cityviz import clock
from cityviz.models import Enrollment, Household, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.households import document_validity, dossiers
from cityviz.services.households.people import profile_is_complete


@dataclasses.dataclass(frozen=True)
class ActionButton:
    """A button of the card: the page it leads to is named, not addressed
    (the state turns `page` — profile, children, organizations, dossier — into a URL)."""
    label: str
    page: str
    object_id: int = 0


@dataclasses.dataclass(frozen=True)
class NextAction:
    key: str
    title: str
    text: str
    buttons: list[ActionButton]


def next_action(s: Session, *, actor: Actor,
                dossier_list: list[dossiers.DossierSummary] | None = None) -> NextAction | None:
    """In order of need: profile, children, organization, dossiers to finalise.

    `dossier_list`: the household's dossiers when the caller already has them.
    """
    household_id = actor.require_household()
    me = s.get(Person, actor.person_id)
    if not profile_is_complete(me, s.get(Household, household_id)):
        return NextAction("profile", "Compléter vos informations personnelles",
                          "Vérifiez votre adresse et votre numéro de téléphone : votre organisation "
                          "en a besoin pour vous joindre.",
                          [ActionButton("Compléter mon profil", "profile")])
    children = s.exec(select(func.count()).select_from(Person).where(
        Person.household_id == household_id, Person.role == "child")).one()
    if not children:
        return NextAction("children", "Ajouter un ou plusieurs enfants",
                          "Créez la fiche de chaque enfant : nom, date de naissance, classe, allergies…",
                          [ActionButton("Ajouter un enfant", "children")])
    if dossier_list is None:
        dossier_list = dossiers.household_dossiers(s, actor=actor)
    if not dossier_list:
        return NextAction("organization", "Inscrire des personnes à une organisation",
                          "Aucun membre de votre foyer n'est enregistré auprès d'une organisation. "
                          "Trouvez la vôtre avec son code postal.",
                          [ActionButton("Trouver mon organisation", "organizations")])
    to_finish = [d for d in dossier_list if d.status in ("draft", "rejected")]
    if to_finish:
        return NextAction("dossiers", "Finaliser le dossier d'inscription",
                          "Quelques documents sont demandés ; ceux communs au foyer ne le sont qu'une fois.",
                          [ActionButton(f"Finaliser le dossier d'inscription de {d.person_name}",
                                        "dossier", d.id) for d in to_finish])
    return _renewal(s, household_id)


def _renewal(s: Session, household_id: int) -> NextAction | None:
    """Documents expired or expiring within 30 days: renew them from the dossier that asks for them."""
    today = clock.today()
    expiring = document_validity.household_expiring(s, household_id, today)
    if not expiring:
        return None
    enrollments = s.exec(select(Enrollment.id, Enrollment.person_id, Enrollment.organization_id, Person.first_name,
                                Person.role).join(Person, Person.id == Enrollment.person_id)
                         .where(Enrollment.household_id == household_id)
                         .order_by(Person.role, Enrollment.id)).all()  # a child's dossier first
    sentences, buttons = [], {}
    for document, requirement in expiring:
        child = next((e for e in enrollments if e.person_id == document.person_id), None) if document.person_id \
            else None
        sentences.append(document_validity.expiry_sentence(requirement, document, today,
                                                           child.first_name if child else ""))
        target = child or next((e for e in enrollments if e.organization_id == requirement.organization_id), None)
        if target is not None and target.id not in buttons:
            buttons[target.id] = ActionButton(f"Renouveler dans le dossier de {target.first_name}", "dossier",
                                              target.id)
    return NextAction("renew", "Renouveler une pièce justificative",
                      " ; ".join(sentences) + ". Envoyez la nouvelle version depuis le dossier d'inscription.",
                      list(buttons.values()))
