"""Staff pages of the régie: unpaid invoices and reminders, direct debits, the régie's settings."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, section, textarea
from cityviz.services.billing.direct_debits import DebitRow
from cityviz.services.billing.online_payment import OptionSpec
from cityviz.services.billing.payments import UnpaidRow
from cityviz.services.households.families import FamilyRow
from cityviz.state.staff_regie import DebitsState, RegieState, UnpaidState

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
                safe_form(rx.vstack(
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
        safe_form(rx.vstack(
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
            section("E-mails des factures",
                    checkbox("Joindre le PDF aux e-mails des factures et des avoirs", "send_pdf",
                             default=RegieState.send_pdf),
                    rx.text("Sinon, l'e-mail invite la famille à consulter et télécharger le document sur le "
                            "portail.", size="1", color_scheme="gray")),
            section("Relances des impayés",
                    field("Relancer automatiquement tous les … jours (0 : jamais)", "reminder_days", type="number",
                          default_value=RegieState.reminder_days),
                    rx.text("Chaque matin, une facture restée impayée ce nombre de jours après son échéance reçoit "
                            "un rappel par e-mail, puis à nouveau au même rythme, trois fois au plus (les factures "
                            "prélevées sont laissées à la banque).", size="1", color_scheme="gray")),
            section("Paiement en ligne",
                    rx.cond(RegieState.on_simulator,
                            rx.callout("Cette régie utilise le simulateur de banque : aucun paiement n'y est réel et "
                                       "n'importe qui peut y simuler un paiement. Hors démonstration, ses avis de "
                                       "paiement sont refusés. Choisissez le service de paiement de votre banque ou "
                                       "de la DGFiP.", icon="triangle-alert", color_scheme="red", role="alert",
                                       width="100%"),
                            rx.fragment()),
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
        rx.cond(DebitsState.pending != "",
                rx.hstack(rx.text(DebitsState.pending, weight="medium"),
                          rx.button(rx.icon("file-down", size=16), "Exporter le fichier de prélèvement (SEPA)",
                                    on_click=DebitsState.export), wrap="wrap", align="center"),
                rx.callout("Aucun prélèvement à transmettre : ils naissent à l'émission des factures des familles "
                           "titulaires d'un mandat.", icon="info", color_scheme="gray", width="100%")),
        rx.cond(DebitsState.rejecting != 0,
                safe_form(rx.hstack(rx.box(field("Motif du rejet (donné par la banque)", "reason", required=True),
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
            safe_form(rx.hstack(rx.box(field("Famille", "search", placeholder="Nom de famille"), flex="1"),
                              rx.button("Chercher", type="submit"), align="end", width="100%"),
                    on_submit=DebitsState.find, width="100%"),
            rx.hstack(rx.foreach(DebitsState.families, _family_choice), wrap="wrap"),
            rx.cond(DebitsState.chosen != 0, safe_form(rx.vstack(
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
