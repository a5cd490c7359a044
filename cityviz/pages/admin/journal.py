"""« Journal de la régie »: the money events in order, the takings per method, exports."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import labelled_select, pager, section
from cityviz.services.billing.journal import KIND_LABELS
from cityviz.services.billing.journal_report import JournalRow, MethodTotal
from cityviz.state.staff_journal import JournalState

KINDS = [("", "Toutes les opérations"), *KIND_LABELS.items()]


def _row(row: JournalRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.at, white_space="nowrap"), rx.table.cell(row.kind), rx.table.cell(row.payer),
        rx.table.cell(row.method), rx.table.cell(row.reference), rx.table.cell(row.amount, white_space="nowrap"),
        rx.table.cell(row.label), rx.table.cell(row.actor),
    )


def _total(total: MethodTotal) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(total.method), rx.table.cell(total.received, white_space="nowrap"),
        rx.table.cell(total.reversed, white_space="nowrap"), rx.table.cell(total.refunded, white_space="nowrap"),
        rx.table.cell(total.net, white_space="nowrap", font_weight="600"),
    )


def _filters() -> rx.Component:
    return safe_form(rx.hstack(
        rx.box(field("Du", "date_from", type="date", default_value=JournalState.date_from), width="160px"),
        rx.box(field("Au", "date_to", type="date", default_value=JournalState.date_to), width="160px"),
        rx.box(labelled_select("Opération", "kind", KINDS, default=JournalState.kind), width="230px"),
        rx.box(field("Famille", "family", default_value=JournalState.family), width="180px"),
        rx.button(rx.icon("filter", size=16), "Filtrer", type="submit"),
        rx.button("Aujourd'hui", type="button", variant="soft", on_click=JournalState.today_only),
        align="end", wrap="wrap", spacing="3", width="100%"),
        on_submit=JournalState.choose, key=JournalState.date_from + JournalState.date_to, width="100%")


def journal_page() -> rx.Component:
    return staff_page(
        "Journal de la régie",
        rx.text("Chaque mouvement d'argent, dans l'ordre, avec son auteur. Le journal ne peut être ni modifié "
                "ni effacé.", size="2", color_scheme="gray"),
        _filters(),
        error_callout(JournalState.error),
        section("Encaissements par mode de paiement", rx.cond(
            JournalState.totals.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Mode", "Encaissé", "Rejeté", "Remboursé", "Net")])),
                rx.table.body(rx.foreach(JournalState.totals, _total),
                              rx.table.row(rx.table.row_header_cell("Total"), rx.table.cell(""), rx.table.cell(""),
                                           rx.table.cell(""), rx.table.cell(JournalState.net, font_weight="700"))),
                size="1", width="100%"), overflow_x="auto", width="100%"),
            rx.text("Aucun encaissement sur ces dates.", size="2", color_scheme="gray"))),
        rx.hstack(
            rx.button(rx.icon("download", size=16), "Exporter (CSV)", variant="soft",
                      on_click=JournalState.download_csv),
            rx.button(rx.icon("file-text", size=16), "Exporter (PDF)", variant="soft",
                      on_click=JournalState.download_pdf),
            wrap="wrap", spacing="3"),
        rx.cond(
            ~JournalState.loaded,
            rx.hstack(rx.spinner(size="2"), rx.text("Chargement du journal…", size="2"), align="center"),
            rx.cond(
                JournalState.rows.length() == 0,
                empty_state("book-open", "Aucune opération",
                            "Aucun mouvement ne correspond à ces filtres : élargissez les dates ou choisissez "
                            "« Toutes les opérations »."),
                rx.vstack(
                    rx.card(rx.box(rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("Date", "Opération", "Famille", "Mode", "Référence",
                                                        "Montant", "Détail", "Par")])),
                        rx.table.body(rx.foreach(JournalState.rows, _row)), size="1", width="100%"),
                        overflow_x="auto", width="100%"), width="100%"),
                    pager(JournalState.page, JournalState.total, JournalState.per_page,
                          JournalState.previous_page, JournalState.next_page,
                          labels=("Précédentes", "Suivantes"), counted=" opération(s)"),
                    width="100%"))),
    )
