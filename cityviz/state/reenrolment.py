"""Parent page « Réinscription »: one part of the dossier at a time, confirmed or corrected, then sent."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.households import reenrolment
from cityviz.services.households.reenrolment import DocumentAsked, FieldView, ReenrolmentView
from cityviz.state.base import AuthState, as_parent, errors_in, read, write
from cityviz.state.uploads import read_upload

SEND = "send"  # the last step: send the dossier


class ReenrolmentState(AuthState):
    view: ReenrolmentView | None = None
    part: str = "contacts"
    fields: list[FieldView] = []
    doc_index: int = 0
    error: str = ""
    uploading: bool = False
    form_key: int = 0

    async def _reload(self, actor) -> None:
        self.view = await read(reenrolment.reenrolment, actor=actor, dossier_id=self._query_int())
        self.fields = [] if self.part in ("documents", SEND) else await read(
            reenrolment.part_fields, actor=actor, dossier_id=self._query_int(), part=self.part)
        self.form_key += 1

    def _next_part(self) -> str:
        todo = [key for key, _label, done in self.view.parts if not done]
        return todo[0] if todo else SEND

    @rx.var
    def document(self) -> DocumentAsked | None:
        if self.view is None or not self.view.documents:
            return None
        return self.view.documents[min(self.doc_index, len(self.view.documents) - 1)]

    @rx.event
    @as_parent
    @errors_in("error", view=None)
    async def load(self, actor):
        self.part, self.doc_index = "contacts", 0
        self.view = await read(reenrolment.reenrolment, actor=actor, dossier_id=self._query_int())
        self.part = self._next_part()
        self._first_missing_document()
        await self._reload(actor)

    def _first_missing_document(self) -> None:
        missing = [i for i, d in enumerate(self.view.documents) if not d.sent]
        self.doc_index = missing[0] if missing else 0

    @rx.event
    @as_parent
    @errors_in("error")
    async def go(self, actor, part: str):
        self.part = part
        await self._reload(actor)

    @rx.event
    @as_parent
    @errors_in("error")
    async def confirm(self, actor, form: dict):
        await write(reenrolment.confirm_part, actor=actor, dossier_id=self._query_int(), part=self.part,
                    values={str(k): str(v) for k, v in form.items()})
        label = dict((k, v) for k, v, _done in self.view.parts).get(self.part, "")
        self.view = await read(reenrolment.reenrolment, actor=actor, dossier_id=self._query_int())
        self.part = self._next_part()
        await self._reload(actor)
        return rx.toast.success(f"« {label} » confirmé.")

    @rx.event
    def choose_document(self, index: int):
        self.doc_index, self.error = int(index), ""

    @rx.event
    @as_parent
    @errors_in("error", uploading=False)
    async def upload(self, actor, uploads: list[rx.UploadFile]):
        current = self.document
        if current is None:
            return
        self.uploading = True
        yield
        data, name = await read_upload(uploads)
        await write(reenrolment.upload_campaign_document, actor=actor, dossier_id=self._query_int(),
                    requirement_id=current.requirement_id, person_id=current.person_id or None, filename=name,
                    data=data)
        self.uploading = False
        await self._reload(actor)
        self._first_missing_document()
        yield rx.toast.success(f"« {current.name} » envoyé.")

    @rx.event
    @as_parent
    @errors_in("error")
    async def send(self, actor):
        await write(reenrolment.send_reenrolment, actor=actor, dossier_id=self._query_int())
        return [rx.toast.success("Dossier de réinscription envoyé : votre organisation va le vérifier."),
                rx.redirect(routes.HOME)]
