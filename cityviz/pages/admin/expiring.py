"""Staff page « Pièces à renouveler »."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state
from cityviz.components.layout import staff_page
from cityviz.components.ui import pager
from cityviz.services.households.document_validity import ExpiringDocument
from cityviz.state.staff_documents import WINDOWS, ExpiringDocumentsState


def _row(d: ExpiringDocument) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(d.family, weight="medium"),
                                           rx.cond(d.person != "", rx.text(d.person, size="1", color_scheme="gray"),
                                                   rx.fragment()), spacing="0")),
        rx.table.cell(d.requirement),
        rx.table.cell(rx.cond(d.expired, rx.badge("Expirée le ", d.valid_until, color_scheme="red", variant="soft", white_space="normal"),
                              rx.badge("Expire le ", d.valid_until, color_scheme="amber", variant="soft", white_space="normal"))),
    )


def expiring_page() -> rx.Component:
    s = ExpiringDocumentsState
    return staff_page(
        "Pièces à renouveler",
        rx.link("← Pièces demandées", href=routes.ADMIN_REQUIREMENTS, size="2"),
        rx.text("Les pièces acceptées qui ont expiré ou vont expirer, la plus proche d'abord. Les familles en sont "
                "prévenues 30 jours avant (carte sur leur accueil et e-mail) et envoient la nouvelle version depuis "
                "leur dossier ; elle arrive ensuite dans « Dossiers ».", size="2", color_scheme="gray"),
        rx.hstack(rx.text("Dans les", size="2"),
                  *[rx.button(label, size="2", variant=rx.cond(s.days == days, "solid", "soft"),
                              on_click=s.within(days)) for days, label in WINDOWS.items()],
                  align="center", wrap="wrap"),
        rx.cond(s.total == 0,
                empty_state("calendar-check", "Aucune pièce à renouveler",
                            "Aucune pièce acceptée n'expire dans cette période."),
                rx.vstack(
                    rx.card(rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h)
                                                       for h in ("Famille", "Pièce", "Validité")])),
                        rx.table.body(rx.foreach(s.rows, _row)), width="100%"), width="100%", overflow_x="auto"),
                    pager(s.page, s.total, s.per_page, s.previous_page, s.next_page),
                    width="100%")),
    )
