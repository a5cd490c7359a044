"""« Messagerie » pieces shared by the parents' and the staff's pages: a message bubble, a thread's
line in a list, and the composer (text, up to three attachments, « Envoyer »)."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import DOCUMENT_ACCEPT, TEN_MB, error_callout, named_file_input
from cityviz.components.ui import file_link, textarea
from cityviz.services.households.messaging import BODY_MAX, MessageView, ThreadRow


def field_values(*names: str) -> rx.Var:
    """The current values of the page's fields `f-<name>`, read when the event fires: they travel with
    the upload of the attachments (one call: the text and its files together)."""
    pairs = ", ".join(f"{name}: (document.getElementById('f-{name}')?.value ?? '')" for name in names)
    return rx.Var(_js_expr="({" + pairs + "})", _var_type=dict)


def _attachment(a: rx.Var) -> rx.Component:
    return file_link(
        rx.hstack(rx.icon("paperclip", size=14), rx.text(a[1], size="2", text_decoration="underline"),
                  align="center", spacing="1", color="var(--accent-11)"),
        href=routes.MESSAGE_FILE + "/" + a[0].to(str),
        target="_blank",
    )


def bubble(m: MessageView, mine: rx.Var) -> rx.Component:
    """One message; `mine`: written by the side reading it (shown on the right, tinted)."""
    return rx.box(
        rx.vstack(
            rx.hstack(rx.text(m.author, size="1", weight="bold"), rx.text(m.when, size="1", color_scheme="gray"),
                      spacing="2", wrap="wrap"),
            rx.text(m.body, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            rx.foreach(m.attachments, _attachment),
            spacing="1",
            width="100%",
        ),
        background=rx.cond(mine, "var(--accent-3)", "var(--color-panel-solid)"),
        border="1px solid var(--gray-5)",
        border_radius="12px",
        padding="10px 12px",
        max_width="90%",
        align_self=rx.cond(mine, "flex-end", "flex-start"),
    )


def thread_line(row: ThreadRow, href: rx.Var, unread_label: str) -> rx.Component:
    """A conversation in a list: its subject (bold while unread), with whom, the child, the last date."""
    return rx.link(
        rx.card(
            rx.hstack(
                # Two static icons: an icon named by a variable would ship every Lucide icon.
                rx.cond(row.unread, rx.icon("mail", size=20, color="var(--accent-11)", flex_shrink="0"),
                        rx.icon("mail-open", size=20, color="var(--gray-9)", flex_shrink="0")),
                rx.vstack(
                    rx.text(row.subject, weight=rx.cond(row.unread, "bold", "medium")),
                    rx.text(row.with_whom, rx.cond(row.child != "", " · " + row.child, ""), size="1",
                            color_scheme="gray"),
                    spacing="0",
                    flex="1",
                    min_width="0",
                ),
                rx.vstack(
                    rx.text(row.last, size="1", color_scheme="gray", white_space="nowrap"),
                    rx.cond(row.unread, rx.badge(unread_label, color_scheme="red", variant="soft"), rx.fragment()),
                    align="end",
                    spacing="1",
                ),
                align="center",
                width="100%",
            ),
            width="100%",
        ),
        href=href,
        underline="none",
        color="inherit",
        width="100%",
    )


def _chosen(name: rx.Var) -> rx.Component:
    return rx.hstack(rx.icon("paperclip", size=14), rx.text(name, size="2"), align="center", spacing="1")


def attachments_zone(upload_id: str) -> rx.Component:
    """Up to three files, chosen now and sent with « Envoyer » (PDF, JPEG or PNG, 10 MB each)."""
    return rx.vstack(
        named_file_input("Joindre des fichiers", rx.upload(
            rx.hstack(
                rx.icon("paperclip", size=18, color="var(--accent-9)"),
                rx.text("Joindre des fichiers (facultatif)", size="2", weight="medium", color="var(--accent-11)"),
                align="center",
                spacing="2",
            ),
            id=upload_id,
            accept=DOCUMENT_ACCEPT,
            max_files=3,
            multiple=True,
            max_size=TEN_MB,
            on_drop_rejected=rx.toast.error("Fichier refusé : envoyez au plus 3 fichiers PDF, JPEG ou PNG de "
                                            "10 Mo chacun."),
            border="1px dashed var(--gray-7)",
            border_radius="10px",
            padding="10px 12px",
            width="100%",
            cursor="pointer",
        )),
        rx.foreach(rx.selected_files(upload_id), _chosen),
        rx.text("PDF, JPEG ou PNG, 10 Mo au plus chacun, 3 fichiers au plus.", size="1", color_scheme="gray"),
        spacing="1",
        width="100%",
    )


def composer(label: str, on_send, *, error: rx.Var, sending: rx.Var, upload_id: str,
             key: rx.Var | str = "", before: tuple[rx.Component, ...] = (), with_files: bool = True,
             button: str = "Envoyer", hint: str = "") -> rx.Component:
    """The message's fields (those in `before`, then the text), the attachments and « Envoyer ».
    `on_send`: the event the button fires (the upload with the fields' values)."""
    return rx.vstack(
        error_callout(error),
        *before,
        textarea(label, "body", rows="5", max_length=BODY_MAX, hint=hint),
        attachments_zone(upload_id) if with_files else rx.fragment(),
        rx.button(rx.icon("send", size=16), button, on_click=on_send, loading=sending, size="3", width="100%"),
        key=key,
        spacing="3",
        width="100%",
    )
