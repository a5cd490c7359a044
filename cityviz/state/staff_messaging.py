"""« Messagerie » for staff: the organization's conversations, one conversation (« Répondre »,
« Marquer comme traité »), « Nouveau message » to one family or to every family of an activity."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.households import messaging_staff
from cityviz.services.households.messaging import MessageView, ThreadRow
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text, whole
from cityviz.state.paging import Paged
from cityviz.state.uploads import read_uploads

UPLOAD_ID = "pieces-jointes-agent"


class StaffMessagesState(Paged, AuthState):
    """/admin/messagerie: « Messages en attente » (default) or every conversation."""

    rows: list[ThreadRow] = []
    status: str = "waiting"

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(messaging_staff.staff_threads, actor=actor, organization_id=org_id,
                                           status=self.status, page=self.page, per_page=self.per_page)

    @rx.event
    async def load(self):
        self.status = "all" if self.router.url.query_parameters.get("etat") == "tous" else "waiting"
        return await self._first_page()

    @rx.event
    async def filter(self, status: str):
        self.status = status if status in messaging_staff.FILTERS else "waiting"
        return await self._first_page()


class StaffThreadState(AuthState):
    """/admin/messagerie/fil?id=…"""

    thread_id: int = 0
    subject: str = ""
    family: str = ""
    family_link: str = ""
    organization: str = ""
    child: str = ""
    awaiting: bool = False
    messages: list[MessageView] = []
    error: str = ""
    sending: bool = False
    form_key: int = 0
    missing: bool = False

    async def _reload(self, actor) -> None:
        view, self.family = await read(messaging_staff.staff_thread, actor=actor, thread_id=self.thread_id)
        self.subject, self.organization, self.child = view.subject, view.organization, view.child
        self.awaiting, self.messages = view.awaiting_staff, view.messages
        self.family_link = f"{routes.ADMIN_FAMILY}?id={view.household_id}"

    async def _not_found(self, actor, org_id) -> None:
        self.missing, self.messages, self.subject = True, [], ""

    @rx.event
    @as_staff(recover=_not_found)
    async def load(self, actor, org_id):
        self.thread_id, self.missing, self.error, self.sending = self._query_int(), False, "", False
        await self._reload(actor)

    @rx.event
    @as_staff
    @errors_in("error", sending=False)
    async def send(self, actor, org_id, uploads: list[rx.UploadFile], form: dict):
        self.sending = True
        yield
        await write(messaging_staff.reply_as_staff, actor=actor, thread_id=self.thread_id, body=text(form, "body"),
                    attachments=await read_uploads(uploads))
        await self._reload(actor)
        await self._count_messages(actor)
        self.sending, self.form_key = False, self.form_key + 1
        yield rx.clear_selected_files(UPLOAD_ID)
        yield rx.toast.success("Réponse envoyée : la famille est prévenue par e-mail.")

    @rx.event
    @as_staff
    async def mark_handled(self, actor, org_id):
        await write(messaging_staff.mark_handled, actor=actor, thread_id=self.thread_id)
        await self._reload(actor)
        await self._count_messages(actor)
        return rx.toast.success("Conversation marquée comme traitée.")


class StaffComposeState(AuthState):
    """/admin/messagerie/nouveau[?famille=…]: to one family (from its page) or to an activity's families."""

    household_id: int = 0
    family: str = ""
    children: list[list[str]] = []
    activities: list[list[str]] = []
    error: str = ""
    sending: bool = False

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.household_id, self.error, self.sending = self._query_int("famille"), "", False
        choices = await read(messaging_staff.compose_choices, actor=actor, organization_id=org_id,
                             household_id=self.household_id or None)
        self.family = choices.family
        self.activities = [["", "Choisir l'activité…"], *choices.activities]
        self.children = [["", "Sujet général (pas un enfant en particulier)"], *choices.children]

    @rx.event
    @as_staff
    @errors_in("error", sending=False)
    async def send(self, actor, org_id, uploads: list[rx.UploadFile], form: dict):
        self.sending = True
        yield
        if self.household_id:
            child = whole(form, "child_id", "Choisissez l'enfant.")
            thread_id = await write(messaging_staff.write_to_family, actor=actor, organization_id=org_id,
                                    household_id=self.household_id, child_id=child or None,
                                    subject=text(form, "subject"), body=text(form, "body"),
                                    attachments=await read_uploads(uploads))
            then, said = f"{routes.ADMIN_MESSAGE_THREAD}?id={thread_id}", "la famille est prévenue par e-mail."
        else:
            sent = await write(messaging_staff.write_to_activity, actor=actor, organization_id=org_id,
                               activity_id=whole(form, "activity_id", "Choisissez l'activité."),
                               subject=text(form, "subject"), body=text(form, "body"))
            then = f"{routes.ADMIN_MESSAGES}?etat=tous"
            said = f"{sent} famille(s) le reçoivent dans leur messagerie et par e-mail."
        self.sending = False
        yield rx.clear_selected_files(UPLOAD_ID)
        yield rx.redirect(then)
        yield rx.toast.success(f"Message envoyé : {said}")
