"""« Messagerie » for parents: the list of conversations, « Nouveau message », one conversation.

A message and its attachments go in one call: the « Envoyer » button uploads the chosen files
and names the form's fields (read from the page, components/messaging.field_values), so the
text and the files reach the service together — all written, or nothing."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.households import messaging
from cityviz.services.households.messaging import MessageView, ThreadRow
from cityviz.state.base import AuthState, as_parent, errors_in, read, write
from cityviz.state.forms import text, whole
from cityviz.state.uploads import read_uploads

UPLOAD_ID = "pieces-jointes"


class MessagesState(AuthState):
    """/messagerie: the household's threads."""

    rows: list[ThreadRow] = []

    @rx.event
    @as_parent
    async def load(self, actor):
        self.rows = await read(messaging.household_threads, actor=actor)


class NewMessageState(AuthState):
    """/messagerie/nouveau: to one of the household's organizations, about a child or a topic."""

    organizations: list[list[str]] = []
    children: list[list[str]] = []  # [id, first name]; "" first: « Sujet général »
    error: str = ""
    sending: bool = False

    @rx.event
    @as_parent
    async def load(self, actor):
        self.error, self.sending = "", False
        self.organizations, children = await read(messaging.message_choices, actor=actor)
        self.children = [["", "Sujet général (pas un enfant en particulier)"], *children]

    @rx.event
    @as_parent
    @errors_in("error", sending=False)
    async def send(self, actor, uploads: list[rx.UploadFile], form: dict):
        self.sending = True
        yield
        child = whole(form, "child_id", "Choisissez l'enfant.")
        thread_id = await write(messaging.start_thread, actor=actor,
                                organization_id=whole(form, "organization_id", "Choisissez l'organisation."),
                                child_id=child or None, subject=text(form, "subject"), body=text(form, "body"),
                                attachments=await read_uploads(uploads))
        self.sending = False
        yield rx.clear_selected_files(UPLOAD_ID)
        yield rx.redirect(f"{routes.MESSAGE_THREAD}?id={thread_id}")
        yield rx.toast.success("Message envoyé : la réponse arrivera ici, et vous serez prévenu(e) par e-mail.")


class ThreadState(AuthState):
    """/messagerie/fil?id=…: the conversation (its answers are read from now on) and « Répondre »."""

    thread_id: int = 0
    subject: str = ""
    organization: str = ""
    child: str = ""
    messages: list[MessageView] = []
    error: str = ""
    sending: bool = False
    form_key: int = 0
    missing: bool = False

    async def _reload(self, actor) -> None:
        view = await write(messaging.open_family_thread, actor=actor, thread_id=self.thread_id)
        self.subject, self.organization, self.child = view.subject, view.organization, view.child
        self.messages = view.messages

    async def _not_found(self, actor) -> None:
        self.missing, self.messages, self.subject = True, [], ""

    @rx.event
    @as_parent(recover=_not_found)
    async def load(self, actor):
        self.thread_id, self.missing, self.error, self.sending = self._query_int(), False, "", False
        await self._reload(actor)

    @rx.event
    @as_parent
    @errors_in("error", sending=False)
    async def send(self, actor, uploads: list[rx.UploadFile], form: dict):
        self.sending = True
        yield
        await write(messaging.reply_as_family, actor=actor, thread_id=self.thread_id, body=text(form, "body"),
                    attachments=await read_uploads(uploads))
        await self._reload(actor)
        self.sending, self.form_key = False, self.form_key + 1
        yield rx.clear_selected_files(UPLOAD_ID)
        yield rx.toast.success("Réponse envoyée.")
