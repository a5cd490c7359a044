"""Parent pages: "Mes factures" and one invoice or credit note."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout
from cityviz.components.layout import page_intro, parent_page
from cityviz.components.ui import file_button
from cityviz.services.billing.invoices import DetailLine, DocumentRow, Settlement
from cityviz.state.invoices import InvoiceListState, InvoiceState

STATUS_COLORS = (("paid", "green"), ("due", "orange"), ("debit", "blue"), ("credit", "violet"))


def _row(row: DocumentRow) -> rx.Component:
    href = routes.INVOICE + "?type=" + rx.cond(row.kind == "invoice", "facture", "avoir") + "&id=" + row.id.to_string()
    return rx.el.a(
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text(row.title, weight="bold", size="3"),
                    rx.text(row.organization, size="2", color="var(--accent-11)", text_decoration="underline"),
                    rx.hstack(rx.icon("user", size=14, color="var(--gray-10)"), rx.text(row.payer, size="2"),
                              align="center", spacing="1"),
                    rx.cond(row.kind == "invoice", rx.text(row.label, size="2"), rx.fragment()),
                    rx.text("Montant : ", row.amount, " / ",
                            rx.cond(row.kind == "invoice", "À payer : ", "Reste : "), row.remaining, size="2",
                            weight="medium"),
                    spacing="1",
                    flex="1",
                    min_width="0",
                ),
                rx.vstack(
                    rx.badge(row.status_label, color_scheme=rx.match(row.status, *STATUS_COLORS, "gray"),
                             variant="soft"),
                    rx.icon("chevron-right", size=18, color="var(--gray-9)"),
                    align="end",
                    justify="between",
                ),
                width="100%",
                align="stretch",
            ),
            width="100%",
        ),
        href=href,
        style={"color": "var(--gray-12)", "textDecoration": "none", "width": "100%", "display": "block"},
    )


def invoices_page() -> rx.Component:
    return parent_page(
        "Mes factures",
        page_intro("Chaque mois, votre organisation facture les activités de vos enfants. Retrouvez ici "
                   "chaque facture et chaque avoir, leur détail et ce qui reste à payer, et réglez selon les "
                   "moyens que propose votre organisation."),
        rx.link(rx.button(rx.icon("file-badge", size=16), "Attestations (fiscale, présence, paiement)",
                          variant="soft"), href=routes.CERTIFICATES),
        rx.cond(
            InvoiceListState.rows.length() > 0,
            rx.vstack(rx.foreach(InvoiceListState.rows, _row), spacing="3", width="100%"),
            rx.cond(InvoiceListState.loaded,
                    empty_state("receipt-euro", "Aucune facture pour l'instant",
                                "Votre première facture apparaîtra ici dès son émission, et vous recevrez un e-mail."),
                    rx.center(rx.spinner(size="3"), padding="6", width="100%")),
        ),
    )


def _detail_line(line: DetailLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.vstack(rx.text(line.label, size="2", weight="medium"),
                                rx.text(line.dates, size="1", color_scheme="gray"),
                                rx.cond(line.surcharge != "", rx.text("dont majoration ", line.surcharge, size="1",
                                                                      color_scheme="gray"), rx.fragment()),
                                spacing="0")),
        rx.table.cell(line.quantity, " × ", line.unit_price, white_space="nowrap", text_align="right"),
        rx.table.cell(line.total, white_space="nowrap", text_align="right", font_weight="500"),
    )


def _child_block(child: rx.Var) -> rx.Component:
    """The lines of one child (the invoice groups them per child)."""
    d = InvoiceState.detail
    return rx.vstack(
        rx.cond(child != "", rx.text(child, weight="bold"), rx.fragment()),
        rx.table.root(rx.table.body(rx.foreach(d.lines, lambda line: rx.cond(line.child == child,
                                                                               _detail_line(line), rx.fragment()))),
                      width="100%", size="1"),
        width="100%",
        spacing="1",
    )


def _settlement(x: Settlement) -> rx.Component:
    # A payment reference can be one long unbroken id: let it wrap rather than widen the phone screen.
    return rx.hstack(rx.text(x.day, size="2", color_scheme="gray", white_space="nowrap"),
                     rx.text(x.label, size="2", flex="1", min_width="0", overflow_wrap="anywhere"),
                     rx.text(x.amount, size="2", white_space="nowrap"), width="100%")


def _payment_callout(icon: str, color: str) -> rx.Component:
    return rx.callout(InvoiceState.payment_message, role="status", width="100%", icon=icon, color_scheme=color)


def invoice_page() -> rx.Component:
    d = InvoiceState.detail
    tone = InvoiceState.payment_tone
    return parent_page(
        rx.cond(d, d.title, "Facture"),
        rx.link("← Mes factures", href=routes.INVOICES, size="2"),
        rx.cond(InvoiceState.payment_message != "",
                # One callout per tone, each with its own icon: an icon named by a variable would
                # ship every Lucide icon with the page.
                rx.match(tone, ("success", _payment_callout("circle-check", "green")),
                         ("error", _payment_callout("circle-x", "red")), _payment_callout("info", "blue")),
                rx.fragment()),
        error_callout(InvoiceState.error),
        rx.cond(
            d,
            rx.vstack(
                rx.card(rx.vstack(
                    rx.text(d.issued_label, " · ", d.organization, size="2", color_scheme="gray"),
                    rx.text(d.payer_name, weight="medium"),
                    rx.text(d.payer_address, size="2", white_space="pre-line", color_scheme="gray"),
                    rx.text(d.label, size="2"),
                    rx.cond(d.refers_to != "", rx.text("Sur la ", d.refers_to, size="2"), rx.fragment()),
                    rx.cond(d.reason != "", rx.text("Motif : ", d.reason, size="2"), rx.fragment()),
                    spacing="1", width="100%"), width="100%"),
                rx.card(rx.vstack(
                    rx.foreach(InvoiceState.children, _child_block),
                    rx.divider(),
                    rx.hstack(rx.text("Montant total", weight="bold"), rx.spacer(), rx.text(d.total, weight="bold"),
                              width="100%"),
                    rx.cond(d.kind == "invoice", rx.vstack(
                        rx.foreach(d.settlements, _settlement),
                        rx.hstack(rx.text("Reste à payer", weight="bold"), rx.spacer(),
                                  rx.text(d.remaining, weight="bold"), width="100%"),
                        rx.cond(d.due != "", rx.text(d.due, size="2", color_scheme="gray"), rx.fragment()),
                        width="100%", spacing="1"), rx.fragment()),
                    spacing="2", width="100%"), width="100%"),
                rx.cond(
                    d.remaining_cents == 0,
                    rx.cond(d.kind == "invoice", rx.badge(rx.icon("circle-check", size=14), "Payée", color_scheme="green",
                                                          size="3"), rx.fragment()),
                    rx.fragment(),
                ),
                rx.cond(d.can_pay_online,
                        rx.button(rx.icon("credit-card", size=18), "Payer ", d.remaining, size="3", width="100%",
                                  loading=InvoiceState.paying, on_click=InvoiceState.pay),
                        rx.fragment()),
                file_button("Télécharger le PDF", "file-down", InvoiceState.pdf_url + "?telecharger=1",
                            variant="soft", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            rx.fragment(),
        ),
    )
