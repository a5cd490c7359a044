"""Staff pages: closing a month, invoices and credit notes, payments and refunds on one invoice.
(Unpaid invoices, direct debits and the régie's settings: regie.py.)"""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import labelled_select, pager, section
from cityviz.services.billing.invoices import STATUS_FILTERS, CreditableLine, DetailLine, StaffInvoiceRow
from cityviz.services.billing.payments import StatementLine
from cityviz.services.billing.periods import PreviewInvoice
from cityviz.state.staff_billing import BillingState, StaffInvoicesState, StaffInvoiceState

PAYMENT_METHODS = [("cheque", "Chèque"), ("cash", "Espèces"), ("cesu", "CESU"), ("transfer", "Virement")]


# --- Closing a month -------------------------------------------------------------------------

def _preview_line(line: DetailLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.child), rx.table.cell(line.label), rx.table.cell(line.dates),
        rx.table.cell(line.quantity, " × ", line.unit_price, white_space="nowrap"),
        rx.table.cell(line.surcharge), rx.table.cell(line.total, white_space="nowrap", font_weight="500"),
    )


def _preview_invoice(invoice: PreviewInvoice) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(invoice.payer, weight="bold"), rx.spacer(), rx.text(invoice.total, weight="bold"),
                  width="100%"),
        rx.box(rx.table.root(rx.table.body(rx.foreach(invoice.lines, _preview_line)), size="1", width="100%"),
               overflow_x="auto", width="100%"),
        spacing="2", width="100%"), width="100%")


def billing_page() -> rx.Component:
    p = BillingState.preview
    issue_box = rx.cond(
        p.status == "issued",
        rx.callout(rx.text("Période facturée : ", p.already_issued, " facture(s) émise(s). ",
                           rx.link("Voir les factures", href=routes.ADMIN_INVOICES)),
                   icon="circle-check", color_scheme="green", width="100%"),
        rx.vstack(
            rx.cond(
                BillingState.running | (p.status == "issuing"),
                rx.vstack(
                    rx.text("Émission en cours : ", BillingState.done, " / ", BillingState.total, " facture(s)",
                            weight="medium"),
                    rx.progress(value=BillingState.percent, width="100%", aria_label="Progression de l'émission"),
                    rx.text("Vous pouvez quitter cette page : l'émission continue en arrière-plan (suivez-la dans ",
                            rx.link("Tâches", href=routes.ADMIN_JOBS), "), et elle reprend là où elle en était si "
                            "elle est interrompue.", size="1", color_scheme="gray"),
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.cond(
                (p.not_over != "") & (p.status == "open"),
                rx.callout(p.not_over, icon="calendar-clock", color_scheme="blue", width="100%"),
                rx.button(rx.cond(p.status == "issuing", "Reprendre l'émission", "Émettre les factures"), size="3",
                          color_scheme="green", on_click=BillingState.issue, loading=BillingState.running,
                          disabled=p.households == 0),
            ),
            rx.text("Émettre attribue les numéros, fige les factures (nom et adresse du payeur compris), les rend "
                    "visibles dans le portail des familles et les leur envoie par e-mail.", size="1",
                    color_scheme="gray"),
            width="100%",
        ),
    )
    return staff_page(
        "Facturation",
        safe_form(rx.hstack(field("Mois à facturer", "month", type="month", default_value=BillingState.month,
                                required=True),
                          rx.button("Aperçu", type="submit", size="3"), align="end"),
                on_submit=BillingState.choose),
        error_callout(BillingState.error),
        rx.cond(
            p,
            rx.vstack(
                rx.grid(
                    rx.card(rx.vstack(rx.text(p.households, size="6", weight="bold"),
                                      rx.text("facture(s) pour ", p.label, size="1", color_scheme="gray"), spacing="0")),
                    rx.card(rx.vstack(rx.text(p.total, size="6", weight="bold"),
                                      rx.text("montant total", size="1", color_scheme="gray"), spacing="0")),
                    rx.card(rx.vstack(rx.text(p.lines, size="6", weight="bold"),
                                      rx.text("lignes", size="1", color_scheme="gray"), spacing="0")),
                    columns=rx.breakpoints(initial="1", sm="3"), spacing="3", width="100%"),
                rx.cond((p.anomalies.length() > 0) & (p.status != "issued"),
                        rx.callout(rx.vstack(rx.text("À vérifier avant d'émettre :", weight="bold"),
                                             rx.foreach(p.anomalies, lambda a: rx.text("• ", a, size="2")),
                                             spacing="1"),
                                   icon="triangle-alert", color_scheme="amber", high_contrast=True, width="100%"),
                        rx.fragment()),
                section("Émission", issue_box),
                rx.cond(p.status == "issued", rx.fragment(), rx.cond(
                        p.households == 0,
                        empty_state("receipt", "Rien à facturer", "Aucune présence ni réservation facturable ce mois-ci."),
                        rx.vstack(
                            rx.heading("Aperçu des factures", size="4", as_="h2"),
                            rx.foreach(p.invoices, _preview_invoice),
                            rx.hstack(rx.button("Précédentes", variant="soft", on_click=BillingState.turn_page(-1),
                                                disabled=BillingState.page == 0),
                                      rx.spacer(),
                                      rx.button("Suivantes", variant="soft", on_click=BillingState.turn_page(1),
                                                disabled=(BillingState.page + 1) * 20 >= p.households),
                                      width="100%"),
                            width="100%"))),
                spacing="4", width="100%",
            ),
            rx.fragment(),
        ),
    )


# --- Invoices --------------------------------------------------------------------------------

def _invoice_row(row: StaffInvoiceRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.number, href=routes.ADMIN_INVOICE + "?type=facture&id=" + row.id.to_string())),
        rx.table.cell(row.issued), rx.table.cell(row.payer), rx.table.cell(row.total, white_space="nowrap"),
        rx.table.cell(row.remaining, white_space="nowrap"),
        rx.table.cell(rx.badge(row.status, variant="soft",
                               color_scheme=rx.match(row.status, ("Payée", "green"), ("À payer", "orange"), "blue"))),
    )


def invoices_admin_page() -> rx.Component:
    return staff_page(
        "Factures",
        rx.hstack(
            safe_form(rx.hstack(rx.box(field("Numéro ou payeur", "search", default_value=StaffInvoicesState.search),
                                     flex="1", min_width="180px"),
                              rx.box(rx.vstack(
                                  rx.el.label("État", html_for="f-status", font_weight="500", font_size="14px"),
                                  rx.el.select(*[rx.el.option(label, value=value)
                                                 for value, label in STATUS_FILTERS.items()],
                                               id="f-status", name="status", default_value=StaffInvoicesState.status,
                                               key=StaffInvoicesState.status, class_name="cvz-select"),
                                  spacing="1"), min_width="160px"),
                              rx.box(field("Mois facturé", "month", type="month",
                                           default_value=StaffInvoicesState.month), min_width="160px"),
                              rx.button("Filtrer", type="submit", size="3"), align="end", width="100%",
                              wrap="wrap"),
                    on_submit=StaffInvoicesState.filter, flex="1"),
            rx.link(rx.button("Impayés", variant="soft", size="3"), href=routes.ADMIN_UNPAID),
            align="end", wrap="wrap", width="100%",
        ),
        rx.cond(StaffInvoicesState.total == 0,
                empty_state("receipt", "Aucune facture", "Aucune facture ne répond à ces critères ; les factures "
                            "apparaissent ici une fois un mois clôturé (Facturation)."),
                rx.card(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Numéro", "Date d'émission", "Payeur", "Montant", "Reste", "")])),
                    rx.table.body(rx.foreach(StaffInvoicesState.rows, _invoice_row)), width="100%"),
                    width="100%", overflow_x="auto")),
        pager(StaffInvoicesState.page, StaffInvoicesState.total, StaffInvoicesState.per_page,
              StaffInvoicesState.previous_page, StaffInvoicesState.next_page, labels=("Précédentes", "Suivantes")),
    )


def _credit_line(line: CreditableLine) -> rx.Component:
    box_id = "line-" + line.id.to_string()
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=box_id, disabled=~line.can_credit, width="18px", height="18px"),
        rx.el.label(line.child, " — ", line.label, " : ", line.total,
                    rx.cond(line.creditable != line.total, " (encore annulable : " + line.creditable + ")", ""),
                    html_for=box_id, font_size="14px"),
        align="center", spacing="2",
    )


def _statement_line(line: StatementLine) -> rx.Component:
    return rx.table.row(rx.table.cell(line.day), rx.table.cell(line.label), rx.table.cell(line.debit),
                        rx.table.cell(line.credit), rx.table.cell(line.balance, font_weight="500"))


def invoice_admin_page() -> rx.Component:
    d = StaffInvoiceState.detail
    st = StaffInvoiceState.statement
    return staff_page(
        rx.cond(d, d.title, "Facture"),
        rx.link("← Toutes les factures", href=routes.ADMIN_INVOICES, size="2"),
        error_callout(StaffInvoiceState.error),
        rx.cond(d, rx.vstack(
            rx.card(rx.vstack(
                rx.text(d.label, " · ", d.issued_label, size="2"),
                rx.text(d.payer_name, weight="bold"),
                rx.text(d.payer_address, size="2", white_space="pre-line"),
                rx.hstack(rx.text("Montant : ", d.total), rx.text("Réglé : ", d.paid), rx.text("Avoirs : ", d.credited),
                          rx.text("Reste : ", d.remaining, weight="bold"), wrap="wrap", spacing="4"),
                rx.cond(d.due != "", rx.text(d.due, size="2", color_scheme="gray"), rx.fragment()),
                rx.link("Ouvrir le PDF", href=routes.INVOICE_FILE + "/facture/" + d.id.to_string(), is_external=True),
                spacing="2", width="100%"), width="100%"),
            rx.cond(d.kind == "invoice", rx.grid(
                section("Émettre un avoir", safe_form(rx.vstack(
                    rx.text("Cochez les lignes à annuler (aucune cochée : toute la facture).", size="2",
                            color_scheme="gray"),
                    rx.foreach(StaffInvoiceState.lines, _credit_line),
                    field("Motif (figure sur l'avoir)", "reason", required=True),
                    rx.button("Émettre l'avoir", type="submit", color_scheme="orange"),
                    spacing="2", width="100%"), on_submit=StaffInvoiceState.credit, key=StaffInvoiceState.form_key,
                    width="100%")),
                section("Enregistrer un paiement", safe_form(rx.vstack(
                    labelled_select("Mode", "method", PAYMENT_METHODS),
                    rx.grid(field("Montant (€)", "amount", required=True, input_mode="decimal"),
                            field("Reçu le", "received_on", type="date", default_value=StaffInvoiceState.today),
                    columns="2", spacing="3", width="100%"),
                    field("N° de chèque ou référence", "reference"),
                    rx.cond(st, rx.vstack(
                        rx.text("Factures réglées (les plus anciennes d'abord ; l'excédent reste en crédit) :",
                                size="1", color_scheme="gray"),
                        rx.foreach(st.open_invoices, lambda o: rx.hstack(
                            rx.el.input(type="checkbox", id="f-pay-" + o[0], name="pay-" + o[0],
                                        default_checked=o[0] == d.id.to_string(), width="18px", height="18px"),
                            rx.el.label(o[1], html_for="f-pay-" + o[0], font_size="14px"), align="center",
                            spacing="2")),
                        spacing="1", width="100%"), rx.fragment()),
                    rx.button("Enregistrer", type="submit"),
                    spacing="2", width="100%"), on_submit=StaffInvoiceState.record_payment,
                    key=StaffInvoiceState.form_key, width="100%")),
                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%"), rx.fragment()),
            rx.cond(st, section(
                "Compte de la famille",
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Date", "Opération", "Débit", "Crédit", "Solde")])),
                    rx.table.body(rx.foreach(st.lines, _statement_line)), size="1", width="100%"),
                    overflow_x="auto", width="100%"),
                rx.text("Solde : ", st.balance, " · crédit disponible : ", st.available_credit, weight="medium"),
                rx.cond(st.sources.length() > 0, _refund_form(st), rx.text(
                    "Aucun crédit à rembourser : un avoir ou un trop-perçu apparaîtra ici.", size="2",
                    color_scheme="gray")),
                rx.cond(st.reversible.length() > 0, _reverse_form(st), rx.fragment()),
            ), rx.fragment()),
            spacing="4", width="100%"), rx.fragment()),
    )


def _source_option(source) -> rx.Component:
    return rx.el.option(source[1], value=source[0])


def _refund_form(st) -> rx.Component:
    """A refund names its source (an avoir or an overpayment) and never exceeds it."""
    return safe_form(rx.vstack(
        rx.el.label("Rembourser depuis", html_for="f-source", font_weight="500", font_size="14px"),
        rx.el.select(rx.foreach(st.sources, _source_option), id="f-source", name="source", required=True,
                     class_name="cvz-select"),
        rx.hstack(
            rx.box(field("Montant à rembourser (€)", "amount", input_mode="decimal", required=True), width="170px"),
            rx.box(labelled_select("Par", "method", [("transfer", "Virement"), ("cheque", "Chèque"),
                                                     ("cash", "Espèces")]), width="150px"),
            rx.box(field("Motif", "reason"), flex="1", min_width="160px"),
            rx.button("Rembourser", type="submit", variant="soft"),
            align="end", wrap="wrap", width="100%"),
        spacing="2", width="100%"), on_submit=StaffInvoiceState.refund, key=StaffInvoiceState.form_key, width="100%")


def _reverse_form(st) -> rx.Component:
    """A bounced cheque or a payment entered by mistake: the invoices it settled are due again."""
    return safe_form(rx.vstack(
        rx.el.label("Rejeter un paiement (chèque impayé, erreur de saisie)", html_for="f-payment",
                    font_weight="500", font_size="14px"),
        rx.el.select(rx.foreach(st.reversible, _source_option), id="f-payment", name="payment", required=True,
                     class_name="cvz-select"),
        rx.hstack(
            rx.box(field("Motif du rejet", "reason", required=True), flex="1", min_width="200px"),
            rx.button("Rejeter le paiement", type="submit", variant="soft", color_scheme="red"),
            align="end", wrap="wrap", width="100%"),
        spacing="2", width="100%"), on_submit=StaffInvoiceState.reverse, key=StaffInvoiceState.form_key, width="100%")
