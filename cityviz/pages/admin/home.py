"""Staff home: one card per organization, with what needs attention."""

from __future__ import annotations

import reflex as rx

from cityviz.components.layout import staff_page
from cityviz.services.backoffice.dashboard import ActivityDay, Figure, OrganizationFigures
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


def _board_figure(figure: Figure, index) -> rx.Component:
    return rx.link(
        rx.card(rx.vstack(
            rx.text(figure.value, size="6", weight="bold", color=rx.cond(figure.urgent, "var(--accent-11)", "inherit")),
            rx.text(figure.label, size="2", color_scheme="gray"), spacing="0"), width="100%"),
        href=AdminHomeState.links[index], underline="none", color="inherit", width="100%",
    )


def _activity_row(day: ActivityDay, index) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(day.name, href=AdminHomeState.activity_links[index])),
        rx.table.cell(day.today, white_space="nowrap"), rx.table.cell(day.tomorrow, white_space="nowrap"),
        rx.table.cell(rx.cond(day.waiting > 0, day.waiting, "—")),
    )


def _board() -> rx.Component:
    b = AdminHomeState.board
    return rx.cond(b, rx.vstack(
        rx.grid(rx.foreach(b.figures, _board_figure), columns=rx.breakpoints(initial="2", md="3"), spacing="3",
                width="100%"),
        rx.cond(b.activities.length() > 0, rx.card(rx.vstack(
            rx.heading("Réservations", size="4", as_="h2"),
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Activité"),
                                             rx.table.column_header_cell("Aujourd'hui"),
                                             rx.table.column_header_cell("Demain"),
                                             rx.table.column_header_cell("En attente"))),
                rx.table.body(rx.foreach(b.activities, _activity_row)), size="1", width="100%"),
                overflow_x="auto", width="100%"),
            rx.text(b.today, " · demain ", b.tomorrow, size="1", color_scheme="gray"),
            spacing="2", width="100%"), width="100%"), rx.fragment()),
        spacing="3", width="100%"), rx.fragment())


def admin_home_page() -> rx.Component:
    return staff_page(
        "Tableau de bord",
        rx.text("Bonjour ", AuthState.user_name, ".", color_scheme="gray"),
        _board(),
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
