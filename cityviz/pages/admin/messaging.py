"""Staff « Messagerie »: « Messages en attente » and every conversation, one conversation
(« Répondre », « Marquer comme traité »), « Nouveau message » to a family or an activity's families."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, field
from cityviz.components.layout import staff_page
from cityviz.components.messaging import bubble, composer, field_values, thread_line
from cityviz.components.ui import pager, section, var_select
from cityviz.services.households.messaging import SUBJECT_MAX, ThreadRow
from cityviz.state.staff_messaging import UPLOAD_ID, StaffComposeState, StaffMessagesState, StaffThreadState

FILTER_LABELS = {"waiting": "En attente de réponse", "all": "Toutes les conversations"}
NEW_BUTTON = rx.link(rx.button(rx.icon("pencil", size=16), "Nouveau message", size="2"), href=routes.ADMIN_MESSAGE_NEW)


def _row(row: ThreadRow) -> rx.Component:
    return thread_line(row, routes.ADMIN_MESSAGE_THREAD + "?id=" + row.id.to_string(), "En attente")


def messages_admin_page() -> rx.Component:
    state = StaffMessagesState
    return staff_page(
        "Messagerie",
        rx.text("Les messages des familles de votre organisation. Pour écrire à une famille, ouvrez sa fiche "
                "(« Familles ») ; pour toutes les familles d'une activité (« Sortie annulée »), « Nouveau message ».",
                size="2", color_scheme="gray"),
        rx.hstack(*[rx.button(label, size="2", variant=rx.cond(state.status == key, "solid", "soft"),
                              on_click=state.filter(key)) for key, label in FILTER_LABELS.items()], wrap="wrap"),
        rx.cond(
            state.total == 0,
            rx.cond(state.status == "waiting",
                    empty_state("inbox", "Aucun message en attente",
                                "Tout est répondu. Les nouveaux messages des familles arriveront ici, et vous "
                                "recevrez un e-mail.",
                                rx.button("Voir toutes les conversations", variant="soft", on_click=state.filter("all"))),
                    empty_state("inbox", "Aucune conversation",
                                "Aucune famille n'a encore écrit. Vous pouvez écrire aux familles d'une activité "
                                "avec « Nouveau message », ou à une famille depuis sa fiche.", NEW_BUTTON)),
            rx.vstack(rx.foreach(state.rows, _row),
                      pager(state.page, state.total, state.per_page, state.previous_page, state.next_page,
                            labels=("Précédentes", "Suivantes")),
                      spacing="2", width="100%"),
        ),
        actions=[NEW_BUTTON],
    )


def _bubble(m) -> rx.Component:
    return bubble(m, ~m.from_family)


def thread_admin_page() -> rx.Component:
    state = StaffThreadState
    send = state.send(rx.upload_files(upload_id=UPLOAD_ID), field_values("body"))
    return staff_page(
        "Messagerie",
        rx.link("← Toutes les conversations", href=routes.ADMIN_MESSAGES, size="2"),
        rx.cond(
            state.missing,
            empty_state("mail-x", "Conversation introuvable",
                        "Elle n'existe pas ou n'appartient pas à votre organisation.",
                        rx.link(rx.button("Voir les conversations"), href=routes.ADMIN_MESSAGES)),
            rx.vstack(
                rx.hstack(
                    rx.vstack(
                        rx.heading(state.subject, size="5", as_="h2"),
                        rx.hstack(rx.link(state.family, href=state.family_link, size="2"),
                                  rx.cond(state.child != "", rx.text("· " + state.child, size="2"), rx.fragment()),
                                  spacing="1"),
                        spacing="1",
                    ),
                    rx.spacer(),
                    rx.cond(state.awaiting,
                            rx.button("Marquer comme traité", variant="soft", on_click=state.mark_handled),
                            rx.badge("Traité", color_scheme="green", variant="soft")),
                    width="100%", align="start", wrap="wrap",
                ),
                rx.vstack(rx.foreach(state.messages, _bubble), spacing="2", width="100%"),
                section("Répondre",
                        composer("Votre réponse", send, error=state.error, sending=state.sending,
                                 upload_id=UPLOAD_ID, key=state.form_key.to_string())),
                spacing="4",
                width="100%",
            ),
        ),
    )


def compose_admin_page() -> rx.Component:
    state = StaffComposeState
    to_family = state.household_id > 0
    send = state.send(rx.upload_files(upload_id=UPLOAD_ID),
                      field_values("child_id", "activity_id", "subject", "body"))
    subject = field("Objet", "subject", required=True, max_length=SUBJECT_MAX, hint="Par exemple : Sortie annulée")
    return staff_page(
        "Nouveau message",
        rx.link("← Messagerie", href=routes.ADMIN_MESSAGES, size="2"),
        rx.cond(
            to_family,
            section(rx.text("À : ", state.family),
                    composer("Message", send, error=state.error, sending=state.sending, upload_id=UPLOAD_ID,
                             before=(var_select("À propos de", "child_id", state.children), subject))),
            rx.cond(
                rx.State.is_hydrated & (state.activities.length() <= 1),
                empty_state("school", "Aucune activité",
                            "Pour écrire aux familles d'une activité, créez d'abord l'activité (« Activités »). "
                            "Pour écrire à une famille, ouvrez sa fiche depuis « Familles ».",
                            rx.link(rx.button("Voir les familles"), href=routes.ADMIN_FAMILIES)),
                section("À toutes les familles d'une activité",
                        rx.text("Chaque famille ayant un enfant inscrit reçoit le message dans sa messagerie (une "
                                "conversation par famille) et un e-mail. L'envoi est inscrit au « Journal ».",
                                size="2", color_scheme="gray"),
                        composer("Message", send, error=state.error, sending=state.sending, upload_id=UPLOAD_ID,
                                 before=(var_select("Activité", "activity_id", state.activities), subject),
                                 with_files=False)),
            ),
        ),
    )
