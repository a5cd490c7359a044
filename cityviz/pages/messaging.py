"""« Messagerie » for parents (phone first): the conversations, « Nouveau message », a conversation."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, field
from cityviz.components.layout import parent_page
from cityviz.components.messaging import bubble, composer, field_values, thread_line
from cityviz.components.ui import section, var_select
from cityviz.services.households.messaging import SUBJECT_MAX, ThreadRow
from cityviz.state.messaging import UPLOAD_ID, MessagesState, NewMessageState, ThreadState

NEW_BUTTON = rx.link(rx.button(rx.icon("pencil", size=16), "Nouveau message", size="2"), href=routes.MESSAGE_NEW)


def _row(row: ThreadRow) -> rx.Component:
    return thread_line(row, routes.MESSAGE_THREAD + "?id=" + row.id.to_string(), "Nouveau")


def messages_page() -> rx.Component:
    return parent_page(
        "Messagerie",
        rx.text("Écrivez à votre mairie au sujet d'un enfant ou d'une question ; sa réponse arrive ici, et un "
                "e-mail vous prévient.", size="2", color_scheme="gray"),
        rx.cond(
            MessagesState.rows.length() > 0,
            rx.vstack(rx.foreach(MessagesState.rows, _row), spacing="2", width="100%"),
            empty_state("mail", "Aucun message pour l'instant",
                        "Une question sur une inscription, une facture, un repas ? Touchez « Nouveau message », "
                        "choisissez votre mairie et écrivez-lui ; vous pouvez joindre un document.",
                        NEW_BUTTON),
        ),
        actions=[NEW_BUTTON],
    )


def new_message_page() -> rx.Component:
    fields = (
        var_select("Destinataire", "organization_id", NewMessageState.organizations),
        var_select("À propos de", "child_id", NewMessageState.children),
        field("Objet", "subject", required=True, max_length=SUBJECT_MAX, hint="Par exemple : Repas de Léo jeudi"),
    )
    send = NewMessageState.send(rx.upload_files(upload_id=UPLOAD_ID),
                                field_values("organization_id", "child_id", "subject", "body"))
    return parent_page(
        "Nouveau message",
        rx.link("← Messagerie", href=routes.MESSAGES, size="2"),
        rx.cond(
            rx.State.is_hydrated & (NewMessageState.organizations.length() == 0),
            empty_state("building-2", "Pas encore d'organisation à qui écrire",
                        "La messagerie relie votre foyer aux organisations où il est inscrit. Commencez par "
                        "« Inscrire à une organisation ».",
                        rx.link(rx.button("Inscrire à une organisation"), href=routes.ORGANIZATIONS)),
            section("Votre message",
                    composer("Message", send, error=NewMessageState.error, sending=NewMessageState.sending,
                             upload_id=UPLOAD_ID, before=fields,
                             hint="Ne donnez des informations de santé que si elles sont utiles à la mairie.")),
        ),
    )


def _bubble(m) -> rx.Component:
    return bubble(m, m.from_family)


def thread_page() -> rx.Component:
    send = ThreadState.send(rx.upload_files(upload_id=UPLOAD_ID), field_values("body"))
    return parent_page(
        "Messagerie",
        rx.link("← Toutes les conversations", href=routes.MESSAGES, size="2"),
        rx.cond(
            ThreadState.missing,
            empty_state("mail-x", "Conversation introuvable",
                        "Elle n'existe pas ou n'est pas celle de votre foyer. Retrouvez vos conversations dans "
                        "« Messagerie ».", rx.link(rx.button("Voir mes conversations"), href=routes.MESSAGES)),
            rx.vstack(
                rx.vstack(
                    rx.heading(ThreadState.subject, size="5", as_="h2"),
                    rx.text(ThreadState.organization, rx.cond(ThreadState.child != "", " · " + ThreadState.child, ""),
                            size="2", color_scheme="gray"),
                    spacing="1",
                ),
                rx.vstack(rx.foreach(ThreadState.messages, _bubble), spacing="2", width="100%"),
                section("Répondre",
                        composer("Votre réponse", send, error=ThreadState.error, sending=ThreadState.sending,
                                 upload_id=UPLOAD_ID, key=ThreadState.form_key.to_string())),
                spacing="4",
                width="100%",
            ),
        ),
    )
