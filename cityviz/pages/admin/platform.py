"""Platform administration: organizations and their first staff, outbox."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import pager
from cityviz.services.accounts.outbox import OutboxRow
from cityviz.services.backoffice.dashboard import OrganizationRow
from cityviz.state.admin import OrganizationsState, OutboxState


def _org_row(row: OrganizationRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row.name),
        rx.table.cell(row.postal_code, " ", row.city),
        rx.table.cell(row.staff),
        rx.table.cell(row.households),
    )


def organizations_page() -> rx.Component:
    create_form = safe_form(
        rx.vstack(
            rx.heading("Nouvelle organisation", size="4", as_="h2"),
            error_callout(OrganizationsState.error),
            field("Nom", "name", required=True),
            rx.hstack(
                rx.box(field("Code postal", "postal_code", required=True, input_mode="numeric",
                             max_length=5), width="140px"),
                rx.box(field("Commune", "city", required=True), flex="1"),
                width="100%",
            ),
            rx.button("Créer l'organisation", type="submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=OrganizationsState.create,
        key=OrganizationsState.form_key,
        width="100%",
    )
    staff_form = safe_form(
        rx.vstack(
            rx.heading("Inviter un agent", size="4", as_="h2"),
            error_callout(OrganizationsState.staff_error),
            rx.vstack(
                rx.el.label("Organisation", html_for="f-organization_id", font_weight="500",
                            font_size="14px"),
                rx.el.select(
                    rx.el.option("Choisir…", value=""),
                    rx.foreach(OrganizationsState.rows,
                               lambda r: rx.el.option(r.name, value=r.id.to_string())),
                    id="f-organization_id",
                    name="organization_id",
                    required=True,
                    class_name="cvz-select",
                ),
                spacing="1",
                width="100%",
            ),
            field("Nom affiché", "display_name", required=True),
            field("Adresse e-mail", "email", type="email", required=True),
            rx.vstack(
                rx.el.label("Rôle", html_for="f-role", font_weight="500", font_size="14px"),
                rx.el.select(
                    rx.el.option("Agent", value="agent"),
                    rx.el.option("Administrateur", value="admin"),
                    id="f-role",
                    name="role",
                    class_name="cvz-select",
                ),
                spacing="1",
                width="100%",
            ),
            rx.button("Envoyer l'invitation", type="submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=OrganizationsState.invite_staff,
        key=OrganizationsState.form_key,
        width="100%",
    )
    return staff_page(
        "Organisations",
        rx.card(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Nom"),
                        rx.table.column_header_cell("Commune"),
                        rx.table.column_header_cell("Agents"),
                        rx.table.column_header_cell("Familles"),
                    )
                ),
                rx.table.body(rx.foreach(OrganizationsState.rows, _org_row)),
                width="100%",
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.grid(rx.card(create_form), rx.card(staff_form), columns=rx.breakpoints(initial="1", md="2"),
                spacing="4", width="100%"),
    )


def _outbox_item(row: OutboxRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.subject, weight="bold"),
                rx.spacer(),
                rx.badge(row.status, color_scheme=rx.cond(row.status == "Envoyé", "green", "gray")),
                width="100%",
                wrap="wrap",
            ),
            rx.text("À : ", row.recipient, " · ", row.created_at, size="1", color_scheme="gray"),
            rx.el.details(
                rx.el.summary("Afficher le message", cursor="pointer", font_size="14px"),
                rx.text(row.body, size="2", white_space="pre-wrap", padding_top="2"),
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def outbox_page() -> rx.Component:
    return staff_page(
        "Messages envoyés",
        rx.text("Sans serveur SMTP configuré, les e-mails du portail restent ici (invitations, "
                "mots de passe oubliés, notifications). Les mots de passe temporaires et les liens de connexion "
                "y sont masqués : seul leur destinataire les lit.", size="2", color_scheme="gray"),
        rx.cond(
            OutboxState.total == 0,
            empty_state("mail", "Aucun message", "Les e-mails envoyés par le portail apparaîtront ici."),
            rx.vstack(
                rx.foreach(OutboxState.rows, _outbox_item),
                pager(OutboxState.page, OutboxState.total, OutboxState.per_page, OutboxState.previous_page,
                      OutboxState.next_page, counted=" message(s)"),
                spacing="3",
                width="100%",
            ),
        ),
    )
