"""The next thing a household has to do, shown on top of the home page."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, func, select

from cityviz.models import Household, Person
from cityviz.services.accounts.actor import Actor
from cityviz.services.households import dossiers
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
    return None
