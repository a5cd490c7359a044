"""Staff home: one card per organization, with what needs attention."""

from __future__ import annotations

import reflex as rx

from cityviz.components.layout import staff_page
from cityviz.services.backoffice.dashboard import OrganizationFigures
from cityviz.state.admin import AdminHomeState
from cityviz.state.base import AuthState


def _figure(label: str, value: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(value, size="6", weight="bold"),
        rx.text(label, size="1", color_scheme="gray"),
        spacing="0",
        min_width="110px",
    )


def organization_card(org: OrganizationFigures) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(org.name, size="4", as_="h2"),
                rx.badge(rx.match(org.role, ("admin", "Administrateur"), ("animateur", "Animateur"),
                                  ("regisseur", "Régisseur"), "Agent"), variant="soft"),
                align="center",
                wrap="wrap",
            ),
            rx.hstack(
                _figure("familles inscrites", org.households),
                _figure("dossiers à valider", org.dossiers_to_validate),
                _figure("activités ouvertes", org.open_activities),
                wrap="wrap",
                spacing="5",
            ),
            spacing="3",
        ),
        width="100%",
    )


def admin_home_page() -> rx.Component:
    return staff_page(
        "Tableau de bord",
        rx.text("Bonjour ", AuthState.user_name, ".", color_scheme="gray"),
        rx.foreach(AdminHomeState.organizations, organization_card),
        rx.cond(
            AuthState.is_platform_admin,
            rx.card(
                rx.vstack(
                    rx.heading("Plateforme", size="4", as_="h2"),
                    rx.hstack(
                        _figure("organisations", AdminHomeState.platform["organizations"]),
                        _figure("comptes", AdminHomeState.platform["users"]),
                        _figure("foyers", AdminHomeState.platform["households"]),
                        wrap="wrap",
                        spacing="5",
                    ),
                    spacing="3",
                ),
                width="100%",
            ),
            rx.fragment(),
        ),
    )
