"""« Importer des familles » (template, preview, import) and the exports of lists."""

from __future__ import annotations

import reflex as rx

from cityviz.services.backoffice import lists
from cityviz.services.households import family_import
from cityviz.services.households.family_import import ImportPreview
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text
from cityviz.state.uploads import read_upload


class ImportState(AuthState):
    preview: ImportPreview | None = None
    filename: str = ""
    error: str = ""
    done: str = ""  # what the last import did
    _data: bytes = b""  # the file previewed, kept on the server until « Importer »

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.preview, self.filename, self.error, self.done, self._data = None, "", "", "", b""

    @rx.event
    @as_staff
    async def template(self, actor, org_id, kind: str):
        data, name = await read(family_import.template, actor=actor, organization_id=org_id, kind=kind)
        return rx.download(data=data, filename=name)

    @rx.event
    @as_staff
    @errors_in("error", preview=None)
    async def upload(self, actor, org_id, uploads: list[rx.UploadFile]):
        self.done = ""
        data, name = await read_upload(uploads)
        self.preview = await read(family_import.preview_import, actor=actor, organization_id=org_id, filename=name,
                                  data=data)
        self._data, self.filename = data, name

    @rx.event
    @as_staff
    @errors_in("error")
    async def run(self, actor, org_id, form: dict):
        result = await write(family_import.import_families, actor=actor, organization_id=org_id,
                             filename=self.filename, data=self._data, invite=bool(form.get("invite")))
        self.done = (f"{result.new_families} famille(s) créée(s), {result.updated_families} mise(s) à jour, "
                     f"{result.new_children} enfant(s) ajouté(s), {result.updated_children} mis à jour, "
                     f"{result.invited} invitation(s) envoyée(s).")
        self.preview, self._data = None, b""
        return rx.toast.success("Import terminé.")

    @rx.event
    @as_staff
    async def export(self, actor, org_id, form: dict):
        data, name = await read(lists.export_list, actor=actor, organization_id=org_id, what=text(form, "what"),
                                file_format=text(form, "file_format"), search=text(form, "search"),
                                status=text(form, "status"), month=text(form, "month"),
                                allergies_only=bool(form.get("allergies_only")))
        return rx.download(data=data, filename=name)
