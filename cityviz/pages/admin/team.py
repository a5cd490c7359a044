"""« Équipe »: the administrator invites colleagues and gives them a role."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import section
from cityviz.services.accounts.actor import ROLE_LABELS
from cityviz.services.accounts.team import TeamMember
from cityviz.state.staff_team import TeamState

ROLE_HINTS = {
    "admin": "Tout, y compris l'équipe.",
    "agent": "Familles, dossiers, activités, réservations.",
    "animateur": "Pointage et listes du jour de ses activités ; ni argent ni documents.",
    "regisseur": "Facturation, paiements, journal de la régie.",
}


def _role_select(name: str, value, on_change) -> rx.Component:
    return rx.vstack(
        rx.el.label("Rôle", html_for=f"f-{name}", font_weight="500", font_size="14px"),
        rx.el.select(*[rx.el.option(f"{label} — {ROLE_HINTS[key]}", value=key) for key, label in ROLE_LABELS.items()],
                     id=f"f-{name}", name="role", value=value, on_change=on_change, class_name="cvz-select"),
        spacing="1", width="100%",
    )


def _activity_boxes(prefix: str, checked: rx.Var | None = None) -> rx.Component:
    return rx.vstack(
        rx.text("Activités confiées", weight="medium", size="2"),
        rx.cond(TeamState.activity_choices.length() == 0,
                rx.text("Aucune activité : créez-en d'abord (Activités).", size="2", color_scheme="gray"),
                rx.hstack(rx.foreach(TeamState.activity_choices, lambda a: rx.hstack(
                    rx.el.input(type="checkbox", id=f"{prefix}-" + a[0], name="activity-" + a[0],
                                default_checked=checked.contains(a[0]) if checked is not None else False,
                                width="18px", height="18px"),
                    rx.el.label(a[1], html_for=f"{prefix}-" + a[0], font_size="14px"), align="center", spacing="1")),
                    wrap="wrap", spacing="3")),
        spacing="1", width="100%",
    )


def _member(m: TeamMember) -> rx.Component:
    editing = TeamState.editing == m.user_id
    return rx.card(rx.vstack(
        rx.hstack(
            rx.vstack(rx.text(m.name, weight="bold"), rx.text(m.email, size="1", color_scheme="gray"), spacing="0"),
            rx.spacer(),
            rx.badge(m.role_label, size="2"),
            rx.badge(m.status, variant="soft", color_scheme=rx.cond(m.status == "Actif", "green", "amber")),
            width="100%", align="center", wrap="wrap",
        ),
        rx.cond(m.activities != "", rx.text("Activités : ", m.activities, size="2"), rx.fragment()),
        rx.cond(
            editing,
            safe_form(rx.vstack(
                _role_select("edit-role", TeamState.editing_role, TeamState.choose_editing_role),
                rx.cond(TeamState.editing_role == "animateur", _activity_boxes("e", m.activity_ids), rx.fragment()),
                rx.hstack(rx.button("Enregistrer", type="submit"),
                          rx.button("Annuler", type="button", variant="soft", color_scheme="gray",
                                    on_click=TeamState.edit(0, ""))),
                spacing="2", width="100%"), on_submit=TeamState.save_member, width="100%"),
            rx.cond(m.is_me, rx.fragment(), rx.hstack(
                rx.button("Changer le rôle", size="1", variant="soft", on_click=TeamState.edit(m.user_id, m.role),
                          aria_label="Changer le rôle : " + m.name),
                rx.button("Retirer de l'équipe", size="1", variant="soft", color_scheme="red",
                          on_click=TeamState.remove(m.user_id), aria_label="Retirer de l'équipe : " + m.name),
            )),
        ),
        spacing="2", width="100%"), width="100%")


def team_page() -> rx.Component:
    return staff_page(
        "Équipe",
        error_callout(TeamState.error),
        section("Inviter un collègue", safe_form(rx.vstack(
            rx.grid(field("Nom et prénom", "display_name", required=True),
                    field("Adresse e-mail", "email", type="email", required=True),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            _role_select("role", TeamState.role, TeamState.choose_role),
            rx.cond(TeamState.role == "animateur", _activity_boxes("i"), rx.fragment()),
            rx.button("Envoyer l'invitation", type="submit"),
            spacing="3", width="100%"), on_submit=TeamState.invite, key=TeamState.form_key, width="100%")),
        rx.cond(TeamState.members.length() == 0,
                empty_state("users", "Personne", "Invitez vos collègues ci-dessus."),
                rx.vstack(rx.foreach(TeamState.members, _member), spacing="3", width="100%")),
    )
