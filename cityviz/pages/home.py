"""Parent home page: "Fil d'actualités"."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state
from cityviz.components.layout import parent_page
from cityviz.services.news import FeedItem
from cityviz.state.home import HomeState


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
            rx.heading(item.title, size="4", as_="h2"),
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
            HomeState.feed.length() > 0,
            rx.vstack(rx.foreach(HomeState.feed, news_card), spacing="3", width="100%"),
            rx.cond(
                HomeState.loaded,
                empty_state("newspaper", "Pas encore d'actualités",
                            "Les nouvelles de votre mairie (menus, fermetures, inscriptions) "
                            "s'afficheront ici."),
                rx.center(rx.spinner(size="3"), width="100%", padding="6"),
            ),
        ),
    )
