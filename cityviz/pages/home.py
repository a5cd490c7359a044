"""Parent home page: "Fil d'actualités", the next action on top."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state
from cityviz.components.layout import parent_page
from cityviz.components.ui import status_badge
from cityviz.services.households.dossiers import DossierSummary
from cityviz.services.households.news import FeedItem
from cityviz.state.base import AuthState
from cityviz.state.home import ActionCard, ActionLink, HomeState


def _action_button(button: ActionLink) -> rx.Component:
    return rx.link(rx.button(button.label, size="3", width="100%", white_space="normal", height="auto",
                             padding_y="10px"),
                   href=button.href, width="100%", underline="none")


def _next_action_card(action: ActionCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("À faire", size="1", weight="bold", color="var(--accent-11)",
                    text_transform="uppercase", letter_spacing="0.05em"),
            rx.heading(action.title, size="5", as_="h2"),
            rx.text(action.text, size="2"),
            rx.foreach(action.buttons, _action_button),
            spacing="3",
            width="100%",
        ),
        width="100%",
        size="3",
        border="1px solid var(--accent-7)",
        background="var(--accent-2)",
    )


def next_action_cards() -> rx.Component:
    return rx.foreach(HomeState.next_actions, _next_action_card)


def messages_card() -> rx.Component:
    """New answers from the town (« Messagerie »), on top of the feed while there are some."""
    count = AuthState.unread_messages
    return rx.cond(
        count > 0,
        rx.card(
            rx.hstack(
                rx.icon("mail", size=22, color="var(--accent-11)"),
                rx.vstack(
                    rx.heading("Messagerie", size="4", as_="h2"),
                    rx.text(rx.cond(count == 1, "1 nouveau message de votre mairie",
                                    count.to_string() + " nouveaux messages de votre mairie"), size="2"),
                    spacing="0", flex="1",
                ),
                rx.link(rx.button("Lire", size="2"), href=routes.MESSAGES),
                align="center", width="100%",
            ),
            width="100%",
            border="1px solid var(--accent-7)",
        ),
        rx.fragment(),
    )


def _household_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon(icon, size=18), rx.text(label, size="2", weight="medium"), align="center", spacing="2"),
        href=href, underline="none", padding="10px", min_height="44px", border_radius="8px",
        background="var(--gray-3)", color="var(--gray-12)", display="flex", align_items="center",
    )


def household_card() -> rx.Component:
    """« Mon foyer » and its pages, one tap away from home whatever the onboarding's stage."""
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Mon foyer", size="4", as_="h2"), rx.spacer(),
                      rx.link("Tout voir", href=routes.HOUSEHOLD, size="2"), align="center", width="100%"),
            rx.grid(
                _household_link("Responsables et profil", routes.PROFILE, "user"),
                _household_link("Mes enfants", routes.CHILDREN, "baby"),
                _household_link("Organisations et dossiers", routes.HOUSEHOLD, "building-2"),
                _household_link("Inscrire à une organisation", routes.ORGANIZATIONS, "user-plus"),
                columns="2", spacing="2", width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _dossier_line(d: DossierSummary) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(d.person_name, weight="medium"), rx.text(d.organization, size="1", color_scheme="gray"),
                  spacing="0", flex="1"),
        status_badge(d.status, rx.cond(d.status == "rejected", "Refusé : " + d.rejection_reason,
                                       d.status_label)),
        width="100%",
        align="center",
        wrap="wrap",
    )


def dossiers_card() -> rx.Component:
    return rx.cond(
        HomeState.dossiers.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading("Dossiers d'inscription", size="4", as_="h2"),
                rx.foreach(HomeState.dossiers, _dossier_line),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        rx.fragment(),
    )


def news_card(item: FeedItem) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(item.organization, variant="soft"),
                rx.spacer(),
                rx.text(item.published_on, size="1", color_scheme="gray"),
                width="100%",
                align="center",
            ),
            rx.heading(item.title, size="4", as_="h3"),
            rx.cond(item.has_image,
                    rx.image(src=routes.NEWS_IMAGE + "/" + item.id.to_string(), alt="", width="100%",
                             border_radius="8px"),
                    rx.fragment()),
            rx.text(item.body, size="2", white_space="pre-line"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def home_page() -> rx.Component:
    return parent_page(
        "Fil d'actualités",
        rx.cond(
            HomeState.loaded,
            rx.vstack(
                messages_card(),
                next_action_cards(),
                rx.cond(HomeState.today_menu != "",
                        rx.card(rx.vstack(rx.hstack(rx.icon("utensils", size=18), rx.heading("Menu du jour", size="4",
                                                                                               as_="h2"),
                                                    align="center"),
                                          rx.text(HomeState.today_menu, size="2"), spacing="2"), width="100%"),
                        rx.fragment()),
                dossiers_card(),
                household_card(),
                rx.cond(
                    HomeState.feed.length() > 0,
                    rx.vstack(rx.foreach(HomeState.feed, news_card), spacing="3", width="100%"),
                    empty_state("newspaper", "Pas encore d'actualités",
                                "Les nouvelles de votre mairie (menus, fermetures, inscriptions) "
                                "s'afficheront ici."),
                ),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="6"),
        ),
    )
