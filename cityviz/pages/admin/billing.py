"""Staff pages: closing a month, invoices and credit notes, payments, unpaid,
direct debits, the régie's settings."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field
from cityviz.components.layout import staff_page
from cityviz.components.ui import labelled_select, section, textarea
from cityviz.services.billing.direct_debits import DebitRow
from cityviz.services.billing.invoices import CreditableLine, StaffInvoiceRow
from cityviz.services.billing.online_payment import OptionSpec
from cityviz.services.billing.payments import StatementLine, UnpaidRow
from cityviz.services.billing.periods import PreviewInvoice, PreviewLine
from cityviz.services.households.families import FamilyRow
from cityviz.state.staff_billing import (
    BillingState,
    DebitsState,
    RegieState,
    StaffInvoicesState,
    StaffInvoiceState,
    UnpaidState,
)

PAYMENT_METHODS = [("cheque", "Chèque"), ("cash", "Espèces"), ("cesu", "CESU"), ("transfer", "Virement")]


# --- Closing a month -------------------------------------------------------------------------

def _preview_line(line: PreviewLine) -> rx.Component:
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
            rx.button(rx.cond(p.status == "issuing", "Reprendre l'émission", "Émettre les factures"), size="3",
                      color_scheme="green", on_click=BillingState.issue, loading=BillingState.running,
                      disabled=p.households == 0),
            rx.text("Émettre attribue les numéros, fige les factures (nom et adresse du payeur compris), les rend "
                    "visibles dans le portail des familles et les leur envoie par e-mail.", size="1",
                    color_scheme="gray"),
            width="100%",
        ),
    )
    return staff_page(
        "Facturation",
        rx.form(rx.hstack(field("Mois à facturer", "month", type="month", default_value=BillingState.month,
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
                                   icon="triangle-alert", color_scheme="amber", width="100%"),
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
            rx.form(rx.hstack(rx.box(field("Numéro ou payeur", "search", default_value=StaffInvoicesState.search),
                                     flex="1"),
                              rx.button("Rechercher", type="submit", size="3"), align="end", width="100%"),
                    on_submit=StaffInvoicesState.filter, flex="1"),
            rx.link(rx.button("Impayés", variant="soft", size="3"), href=routes.ADMIN_UNPAID),
            align="end", wrap="wrap", width="100%",
        ),
        rx.cond(StaffInvoicesState.total == 0,
                empty_state("receipt", "Aucune facture", "Les factures apparaissent ici une fois un mois clôturé "
                            "(Facturation)."),
                rx.card(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Numéro", "Émise le", "Payeur", "Montant", "Reste", "")])),
                    rx.table.body(rx.foreach(StaffInvoicesState.rows, _invoice_row)), width="100%"),
                    width="100%", overflow_x="auto")),
        rx.hstack(rx.button("Précédentes", variant="soft", on_click=StaffInvoicesState.turn_page(-1),
                            disabled=StaffInvoicesState.page == 0),
                  rx.text(StaffInvoicesState.total, " au total", size="2", color_scheme="gray"),
                  rx.button("Suivantes", variant="soft", on_click=StaffInvoicesState.turn_page(1),
                            disabled=(StaffInvoicesState.page + 1) * 30 >= StaffInvoicesState.total),
                  justify="between", width="100%", align="center"),
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
                rx.text(d.label, " · émise le ", d.issued_on, size="2"),
                rx.text(d.payer_name, weight="bold"),
                rx.text(d.payer_address, size="2", white_space="pre-line"),
                rx.hstack(rx.text("Montant : ", d.total), rx.text("Réglé : ", d.paid), rx.text("Avoirs : ", d.credited),
                          rx.text("Reste : ", d.remaining, weight="bold"), wrap="wrap", spacing="4"),
                rx.cond(d.due != "", rx.text(d.due, size="2", color_scheme="gray"), rx.fragment()),
                rx.link("Ouvrir le PDF", href=routes.INVOICE_FILE + "/facture/" + d.id.to_string(), is_external=True),
                spacing="2", width="100%"), width="100%"),
            rx.cond(d.kind == "invoice", rx.grid(
                section("Émettre un avoir", rx.form(rx.vstack(
                    rx.text("Cochez les lignes à annuler (aucune cochée : toute la facture).", size="2",
                            color_scheme="gray"),
                    rx.foreach(StaffInvoiceState.lines, _credit_line),
                    field("Motif (figure sur l'avoir)", "reason", required=True),
                    rx.button("Émettre l'avoir", type="submit", color_scheme="orange"),
                    spacing="2", width="100%"), on_submit=StaffInvoiceState.credit, key=StaffInvoiceState.form_key,
                    width="100%")),
                section("Enregistrer un paiement", rx.form(rx.vstack(
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
                rx.form(rx.hstack(
                    rx.box(field("Rembourser (€)", "amount", input_mode="decimal"), width="140px"),
                    rx.box(labelled_select("Par", "method", [("transfer", "Virement"), ("cheque", "Chèque"),
                                                             ("cash", "Espèces")]), width="150px"),
                    rx.box(field("Motif", "reason"), flex="1"),
                    rx.button("Rembourser", type="submit", variant="soft"),
                    align="end", wrap="wrap", width="100%"), on_submit=StaffInvoiceState.refund,
                    key=StaffInvoiceState.form_key, width="100%"),
            ), rx.fragment()),
            spacing="4", width="100%"), rx.fragment()),
    )


# --- Unpaid ----------------------------------------------------------------------------------

def _unpaid_row(row: UnpaidRow) -> rx.Component:
    box_id = "invoice-" + row.invoice_id.to_string()
    return rx.table.row(
        rx.table.cell(rx.el.input(type="checkbox", id=box_id, name=box_id, aria_label="Relancer " + row.number)),
        rx.table.row_header_cell(rx.link(row.number, href=routes.ADMIN_INVOICE + "?type=facture&id="
                                         + row.invoice_id.to_string())),
        rx.table.cell(row.payer), rx.table.cell(row.due_date), rx.table.cell(row.days_late, " j"),
        rx.table.cell(row.remaining, white_space="nowrap"), rx.table.cell(row.reminders),
    )


def unpaid_page() -> rx.Component:
    return staff_page(
        "Impayés",
        rx.hstack(rx.text("Reste dû : ", UnpaidState.total, weight="bold"), rx.spacer(),
                  rx.button(rx.icon("download", size=16), "Exporter (CSV)", variant="soft",
                            on_click=UnpaidState.download), width="100%", align="center"),
        rx.cond(UnpaidState.rows.length() == 0,
                empty_state("circle-check", "Aucun impayé", "Toutes les factures échues sont réglées."),
                rx.form(rx.vstack(
                    rx.card(rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("", "Facture", "Payeur", "Échéance", "Retard", "Reste dû",
                                                        "Relances")])),
                        rx.table.body(rx.foreach(UnpaidState.rows, _unpaid_row)), width="100%"),
                        width="100%", overflow_x="auto"),
                    rx.button(rx.icon("mail", size=16), "Relancer les familles cochées", type="submit"),
                    width="100%"), on_submit=UnpaidState.remind, width="100%")),
    )


# --- Régie -----------------------------------------------------------------------------------

def _option_field(spec: OptionSpec) -> rx.Component:
    return rx.cond(spec.kind == "bool", _option_checkbox(spec), _option_text(spec))


def _option_checkbox(spec: OptionSpec) -> rx.Component:
    box_id = "f-opt-" + spec.name
    return rx.vstack(
        rx.hstack(rx.el.input(type="checkbox", id=box_id, name="opt-" + spec.name,
                              default_checked=RegieState.options[spec.name] == "True", width="18px", height="18px"),
                  rx.el.label(spec.label, html_for=box_id, font_size="14px"), align="center", spacing="2"),
        rx.cond(spec.help_text != "", rx.text(spec.help_text, size="1", color_scheme="gray"), rx.fragment()),
        spacing="1", width="100%",
    )


def _option_text(spec: OptionSpec) -> rx.Component:
    return rx.vstack(
        rx.el.label(spec.label, html_for="f-opt-" + spec.name, font_weight="500", font_size="14px"),
        rx.input(id="f-opt-" + spec.name, name="opt-" + spec.name, default_value=RegieState.options[spec.name],
                 type=rx.cond(spec.kind == "secret", "password", "text"), required=spec.required, width="100%",
                 size="3"),
        rx.cond(spec.help_text != "", rx.text(spec.help_text, size="1", color_scheme="gray"), rx.fragment()),
        spacing="1", width="100%",
    )


def regie_page() -> rx.Component:
    return staff_page(
        "Régie",
        rx.form(rx.vstack(
            error_callout(RegieState.error),
            section("Calendrier",
                    labelled_select("Zone de vacances scolaires", "school_zone",
                                    [("", "Non renseignée"), ("A", "Zone A"), ("B", "Zone B"), ("C", "Zone C")],
                                    default=RegieState.school_zone),
                    rx.text("Les activités « en période scolaire » n'ont pas de séance pendant les vacances de "
                            "cette zone.", size="1", color_scheme="gray")),
            section("Mentions des factures",
                    field("Nom de la régie", "legal_name", required=True, default_value=RegieState.legal_name),
                    textarea("Adresse", "legal_address", default=RegieState.legal_address, rows="3"),
                    rx.grid(field("SIRET", "siret", default_value=RegieState.siret, input_mode="numeric"),
                            field("Délai de paiement (jours)", "due_days", type="number",
                                  default_value=RegieState.due_days), columns="2", spacing="3", width="100%")),
            section("Relances des impayés",
                    field("Relancer automatiquement tous les … jours (0 : jamais)", "reminder_days", type="number",
                          default_value=RegieState.reminder_days),
                    rx.text("Chaque matin, une facture restée impayée ce nombre de jours après son échéance reçoit "
                            "un rappel par e-mail, puis à nouveau au même rythme, trois fois au plus (les factures "
                            "prélevées sont laissées à la banque).", size="1", color_scheme="gray")),
            section("Paiement en ligne",
                    rx.vstack(rx.el.label("Service", html_for="f-backend", font_weight="500", font_size="14px"),
                              rx.el.select(rx.foreach(RegieState.backends, lambda b: rx.el.option(b[1], value=b[0])),
                                           id="f-backend", name="backend", value=RegieState.backend,
                                           on_change=RegieState.choose_backend, class_name="cvz-select"),
                              spacing="1", width="100%"),
                    rx.foreach(RegieState.option_specs, _option_field)),
            section("Prélèvement SEPA",
                    rx.grid(field("Identifiant créancier SEPA (ICS)", "creditor_id", default_value=RegieState.creditor_id),
                            field("Jour de prélèvement (1 à 28)", "debit_day", type="number",
                                  default_value=RegieState.debit_day),
                            field("IBAN de la régie", "iban", default_value=RegieState.iban),
                            field("BIC", "bic", default_value=RegieState.bic),
                            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%")),
            rx.button("Enregistrer", type="submit", size="3"),
            spacing="4", width="100%"), on_submit=RegieState.save, key=RegieState.form_key, width="100%"),
    )


# --- Direct debits ---------------------------------------------------------------------------

def _debit_row(row: DebitRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.invoice), rx.table.cell(row.payer), rx.table.cell(row.amount),
        rx.table.cell(row.due_date), rx.table.cell(rx.badge(row.status_label, variant="soft")),
        rx.table.cell(rx.cond(row.status == "exported", rx.hstack(
            rx.button("Payé", size="1", color_scheme="green", on_click=DebitsState.mark_paid(row.id)),
            rx.button("Rejeté", size="1", variant="soft", color_scheme="red", on_click=DebitsState.start_reject(row.id))),
            rx.fragment())),
    )


def _family_choice(f: FamilyRow) -> rx.Component:
    return rx.button(f.name, " — ", f.guardians, variant="soft", size="2",
                     on_click=DebitsState.choose(f.household_id, f.guardians))


def debits_page() -> rx.Component:
    return staff_page(
        "Prélèvements",
        rx.hstack(rx.button(rx.icon("file-down", size=16), "Exporter le fichier de prélèvement (SEPA)",
                            on_click=DebitsState.export), wrap="wrap"),
        rx.cond(DebitsState.rejecting != 0,
                rx.form(rx.hstack(rx.box(field("Motif du rejet (donné par la banque)", "reason", required=True),
                                         flex="1"),
                                  rx.button("Confirmer le rejet", type="submit", color_scheme="red"), align="end",
                                  width="100%"), on_submit=DebitsState.reject, width="100%"),
                rx.fragment()),
        rx.cond(DebitsState.rows.length() == 0,
                empty_state("landmark", "Aucun prélèvement", "Les factures des familles titulaires d'un mandat sont "
                            "prélevées : elles apparaîtront ici à l'émission."),
                rx.card(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Facture", "Payeur", "Montant", "Échéance", "État", "")])),
                    rx.table.body(rx.foreach(DebitsState.rows, _debit_row)), width="100%"),
                    width="100%", overflow_x="auto")),
        section(
            "Nouveau mandat",
            rx.form(rx.hstack(rx.box(field("Famille", "search", placeholder="Nom de famille"), flex="1"),
                              rx.button("Chercher", type="submit"), align="end", width="100%"),
                    on_submit=DebitsState.find, width="100%"),
            rx.hstack(rx.foreach(DebitsState.families, _family_choice), wrap="wrap"),
            rx.cond(DebitsState.chosen != 0, rx.form(rx.vstack(
                rx.text("Mandat pour : ", DebitsState.chosen_name, weight="bold"),
                error_callout(DebitsState.error),
                field("Titulaire du compte", "holder_name", required=True),
                rx.grid(field("IBAN", "iban", required=True), field("BIC (facultatif pour un IBAN français)", "bic"),
                        field("Référence unique du mandat (RUM)", "reference", required=True),
                        field("Signé le", "signed_on", type="date", required=True),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
                rx.button("Enregistrer le mandat", type="submit"),
                spacing="3", width="100%"), on_submit=DebitsState.save_mandate, key=DebitsState.form_key,
                width="100%"), rx.fragment()),
        ),
    )
