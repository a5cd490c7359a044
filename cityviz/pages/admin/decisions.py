"""« Journal » of the staff's decisions, and a family's page with its history."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import pager, section
from cityviz.services.backoffice.journal import JournalRow
from cityviz.state.base import AuthState
from cityviz.state.staff_decisions import DecisionsState, FamilyPageState


def _select(label: str, name: str, options, value, placeholder: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"f-{name}", font_weight="500", font_size="14px"),
        rx.el.select(rx.el.option(placeholder, value=""), rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0])),
                     id=f"f-{name}", name=name, default_value=value, key=value, class_name="cvz-select"),
        spacing="1", min_width="170px",
    )


def entry_card(row: JournalRow, family_link: bool = True) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(row.what, weight="bold"), rx.badge(row.category, variant="soft"), rx.spacer(),
                  rx.text(row.at, size="1", color_scheme="gray"), width="100%", wrap="wrap", align="center"),
        rx.hstack(
            rx.text("Par ", rx.cond(row.who != "", row.who, "—"), size="2"),
            rx.cond((row.family != "") & family_link,
                    rx.link("Famille " + row.family, href=routes.ADMIN_FAMILY + "?id=" + row.household_id.to_string(),
                            size="2"), rx.fragment()),
            wrap="wrap", spacing="3"),
        rx.cond(row.details != "", rx.text(row.details, size="2", color_scheme="gray"), rx.fragment()),
        spacing="1", width="100%"), width="100%", size="1")


def decisions_page() -> rx.Component:
    return staff_page(
        "Journal",
        rx.text("Les décisions de l'équipe : qui, quand, quoi. (Le journal de la régie, pour l'argent encaissé, "
                "est une autre page.)", size="2", color_scheme="gray"),
        safe_form(rx.hstack(
            _select("Catégorie", "category", DecisionsState.categories, DecisionsState.category, "Toutes"),
            _select("Qui", "who", DecisionsState.authors, DecisionsState.who.to_string(), "Tout le monde"),
            rx.box(field("Du", "start", type="date", default_value=DecisionsState.start), min_width="150px"),
            rx.box(field("Au", "end", type="date", default_value=DecisionsState.end), min_width="150px"),
            rx.button("Filtrer", type="submit", size="3"),
            align="end", wrap="wrap", width="100%"), on_submit=DecisionsState.filter, width="100%"),
        rx.hstack(rx.button(rx.icon("file-down", size=16), "Exporter (CSV)", variant="soft",
                            on_click=DecisionsState.export)),
        error_callout(DecisionsState.error),
        rx.cond(DecisionsState.total == 0,
                empty_state("scroll-text", "Aucune décision", "Rien ne correspond à ces filtres."),
                rx.vstack(rx.foreach(DecisionsState.rows, entry_card), spacing="2", width="100%")),
        pager(DecisionsState.page, DecisionsState.total, DecisionsState.per_page, DecisionsState.previous_page,
              DecisionsState.next_page, labels=("Précédentes", "Suivantes"), counted=" décision(s)"),
    )


def family_page() -> rx.Component:
    return staff_page(
        FamilyPageState.title,
        rx.link("← Toutes les familles", href=routes.ADMIN_FAMILIES, size="2"),
        error_callout(FamilyPageState.error),
        section("Historique",
                rx.cond(FamilyPageState.history.length() == 0,
                        rx.text("Aucune décision enregistrée pour cette famille.", size="2", color_scheme="gray"),
                        rx.vstack(rx.foreach(FamilyPageState.history, lambda r: entry_card(r, family_link=False)),
                                  spacing="2", width="100%"))),
        actions=[rx.cond(AuthState.capabilities.contains("messages") & (FamilyPageState.error == ""),
                         rx.link(rx.button(rx.icon("mail", size=16), "Écrire à la famille", size="2"),
                                 href=FamilyPageState.write_link),
                         rx.fragment())],
    )
