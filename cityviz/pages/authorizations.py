"""Parent page « Autorisations » (per child, signed for the school year)."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import error_callout, field, safe_form
from cityviz.components.layout import parent_page
from cityviz.components.ui import checkbox, section
from cityviz.services.households.authorizations import AuthorizationView
from cityviz.state.authorizations import AuthorizationsState


def _pickup(r: AuthorizationView, n: int) -> rx.Component:
    row = rx.cond(r.pickups.length() > n, r.pickups[n], ["", "", ""])
    return rx.grid(field("Nom" if n == 0 else f"Nom ({n + 1})", f"pickup{n}_name", default_value=row[0]),
                   field("Téléphone", f"pickup{n}_phone", type="tel", default_value=row[1]),
                   field("Lien avec l'enfant", f"pickup{n}_relation", default_value=row[2]),
                   columns=rx.breakpoints(initial="1", sm="3"), spacing="2", width="100%")


def _asked(r: AuthorizationView, kind: str, *children: rx.Component) -> rx.Component:
    """Only the items asked for this child (by the towns where the child is registered)."""
    return rx.cond(r.asked.contains(kind), rx.vstack(*children, spacing="3", width="100%"), rx.fragment())


def _form(r: AuthorizationView) -> rx.Component:
    return safe_form(
        rx.vstack(
            error_callout(AuthorizationsState.error),
            _asked(r, "image", checkbox("Droit à l'image : photos et vidéos de l'enfant pendant les activités",
                                        "image", default=r.image)),
            _asked(r, "leave_alone", checkbox("Sortie seul(e) autorisée", "leave_alone", default=r.leave_alone),
                   field("À partir de", "leave_alone_from", type="time", default_value=r.leave_alone_from)),
            _asked(r, "pickups", rx.text("Personnes autorisées à venir chercher l'enfant", weight="medium", size="2"),
                   *[_pickup(r, n) for n in range(3)]),
            _asked(r, "emergency_care",
                   checkbox("Soins d'urgence : j'autorise l'équipe à faire soigner l'enfant en cas d'urgence",
                            "emergency_care", default=r.emergency_care)),
            _asked(r, "transport", checkbox("Transport (sorties en car, à pied)", "transport", default=r.transport)),
            rx.text("En signant, vous confirmez ces réponses pour l'année ", r.year, " (nom, date et heure "
                    "enregistrés).", size="1", color_scheme="gray"),
            rx.hstack(rx.button("Signer les autorisations", type="submit", size="3"),
                      rx.button("Annuler", type="button", variant="soft", color_scheme="gray", size="3",
                                on_click=AuthorizationsState.cancel)),
            spacing="3", width="100%",
        ),
        on_submit=AuthorizationsState.sign, key=AuthorizationsState.form_key.to_string(), width="100%",
    )


def _child(r: AuthorizationView) -> rx.Component:
    name = AuthorizationsState.names[r.child_id.to_string()]
    return section(
        name,
        rx.cond(r.signed, rx.badge(r.signature, color_scheme="green", variant="soft", white_space="normal"),
                rx.badge("À signer pour l'année " + r.year, color_scheme="amber", variant="soft")),
        rx.cond(r.signed, rx.text(r.summary, size="2"), rx.fragment()),
        rx.cond(AuthorizationsState.editing == r.child_id, _form(r),
                rx.button(rx.cond(r.signed, "Modifier", "Répondre et signer"), variant="soft",
                          on_click=AuthorizationsState.edit(r.child_id),
                          aria_label="Autorisations de " + name)),
    )


def authorizations_page() -> rx.Component:
    return parent_page(
        "Autorisations",
        rx.link("← Mes enfants", href=routes.CHILDREN, size="2"),
        rx.text("Pour chaque enfant et chaque année scolaire : vos réponses, signées, sont transmises à l'équipe "
                "qui les voit sur ses listes du jour.", size="2", color_scheme="gray"),
        rx.foreach(AuthorizationsState.rows, _child),
    )
