"""« Importer des familles » (template, preview, import) and the exports of lists."""

from __future__ import annotations

import reflex as rx

from cityviz.services.backoffice import lists
from cityviz.services.households import family_import, family_import_jobs
from cityviz.services.households.family_import import ImportPreview
from cityviz.state import job_watch
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text
from cityviz.state.uploads import read_upload


class ImportState(AuthState):
    preview: ImportPreview | None = None
    filename: str = ""
    error: str = ""
    done: str = ""  # what the last import did
    _data: bytes = b""  # the file previewed, kept on the server until « Importer »
    # The import asked for (a job, also in « Tâches »), followed while the page is open.
    job_id: int = 0
    job_status: str = ""
    job_label: str = ""
    job_message: str = ""
    job_percent: int = 0

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.preview, self.filename, self.error, self.done, self._data = None, "", "", "", b""
        self.job_id, self.job_status, self.job_label, self.job_message, self.job_percent = 0, "", "", "", 0

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
        """Ask for the import (a job: all or nothing, outside this page's request); the page follows it."""
        self.job_id = await write(family_import_jobs.request_import, actor=actor, organization_id=org_id,
                                  filename=self.filename, data=self._data, invite=bool(form.get("invite")))
        self.preview, self._data, self.done = None, b"", ""
        self.job_status, self.job_label, self.job_message, self.job_percent = "queued", job_watch.LABELS["queued"], "", 0
        return ImportState.watch

    def _show_job(self, job: family_import_jobs.ImportStatus) -> None:
        self.job_status, self.job_label = job.status, job_watch.LABELS.get(job.status, job.status)
        self.job_message = job.error or job.message
        self.job_percent = 100 if job.status == "succeeded" else round(100 * job.done / job.total) if job.total else 0
        self.done = job.summary

    @rx.event(background=True)
    async def watch(self):
        async for event in job_watch.follow(
                self, key=lambda state: state.job_id,
                poll=lambda actor, org_id, job_id: read(family_import_jobs.import_status, actor=actor,
                                                        organization_id=org_id, job_id=job_id),
                show=ImportState._show_job,
                finished=lambda job: None if job.active else ("Import terminé." if job.status == "succeeded" else "")):
            yield event

    @rx.event
    @as_staff
    async def export(self, actor, org_id, form: dict):
        data, name = await read(lists.export_list, actor=actor, organization_id=org_id, what=text(form, "what"),
                                file_format=text(form, "file_format"), search=text(form, "search"),
                                status=text(form, "status"), month=text(form, "month"),
                                allergies_only=bool(form.get("allergies_only")))
        return rx.download(data=data, filename=name)
