"""« Statistiques CAF »: per month and activity, what the town declares to the CAF."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.services.backoffice.caf import CafRow
from cityviz.state.staff_caf import CafState


def _row(row: CafRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.activity), rx.table.cell(row.hours_under_6), rx.table.cell(row.hours_6_and_over),
        rx.table.cell(row.children), rx.table.cell(row.days_open),
        rx.table.cell(rx.cond(row.unknown_age > 0, row.unknown_age, "—")),
    )


def caf_page() -> rx.Component:
    return staff_page(
        "Statistiques CAF",
        rx.text("Heures de présence (présent, et présent sans réservation) selon l'âge de l'enfant le jour même, "
                "enfants distincts et jours d'ouverture, par activité.", size="2", color_scheme="gray"),
        safe_form(rx.hstack(field("Mois", "month", type="month", default_value=CafState.month, required=True),
                          rx.button("Afficher", type="submit", size="3"), align="end"), on_submit=CafState.choose),
        error_callout(CafState.error),
        rx.hstack(rx.button(rx.icon("file-down", size=16), "Exporter (Excel)", variant="soft",
                            on_click=CafState.export("xlsx")),
                  rx.button(rx.icon("file-down", size=16), "Exporter (PDF)", variant="soft",
                            on_click=CafState.export("pdf")), wrap="wrap"),
        rx.cond(CafState.rows.length() == 0,
                empty_state("chart-column", "Aucune présence ce mois-ci", "Choisissez un autre mois."),
                rx.card(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in (
                        "Activité", "Heures < 6 ans", "Heures ≥ 6 ans", "Enfants", "Jours ouverts",
                        "Âge inconnu")])),
                    rx.table.body(rx.foreach(CafState.rows, _row)), width="100%"), width="100%", overflow_x="auto")),
    )
