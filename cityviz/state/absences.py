"""« Signaler une absence » (parents) and « Absences signalées » (staff)."""

from __future__ import annotations

import reflex as rx

from cityviz import clock
from cityviz.services.booking import absence_review, absences
from cityviz.services.booking.absence_review import AbsenceRow
from cityviz.services.booking.absences import HouseholdAbsence
from cityviz.services.households import people
from cityviz.state.base import AuthState, as_parent, as_staff, errors_in, read, write
from cityviz.state.forms import date_field, text, whole
from cityviz.state.paging import Paged
from cityviz.state.uploads import read_upload


class AbsenceState(AuthState):
    """The parent's form and their reports (a certificate can follow the report)."""

    children: list[list[str]] = []
    rows: list[HouseholdAbsence] = []
    error: str = ""
    form_key: int = 0
    today_iso: str = ""
    attaching: int = 0  # the report whose certificate is being chosen
    uploading: bool = False

    async def _reload(self, actor) -> None:
        self.rows = await read(absences.household_absences, actor=actor)

    @rx.event
    @as_parent
    async def load(self, actor):
        self.today_iso = clock.today().isoformat()
        self.children = [[str(c.id), c.first_name] for c in await read(people.list_children, actor=actor)]
        self.error, self.attaching = "", 0
        await self._reload(actor)

    @rx.event
    @as_parent
    @errors_in("error")
    async def submit(self, actor, form: dict):
        first = date_field(form, "date_from", "Indiquez la date de l'absence.")
        last = date_field(form, "date_to", "Date de fin invalide.", default=first.isoformat())
        ids = await write(absences.report_absence, actor=actor, child_id=whole(form, "child_id", "Choisissez l'enfant."),
                          date_from=first, date_to=last, reason=text(form, "reason"), comment=text(form, "comment"))
        self.form_key += 1
        await self._reload(actor)
        # A certificate is asked for right away for an illness (it can also come later).
        self.attaching = ids[0] if text(form, "reason") == "illness" else 0
        return rx.toast.success("Absence signalée : votre mairie va la traiter.")

    @rx.event
    def choose_certificate(self, report_id: int):
        self.attaching = int(report_id)

    @rx.event
    @as_parent
    async def attach(self, actor, uploads: list[rx.UploadFile]):
        if not self.attaching:
            return
        self.uploading = True
        yield
        try:
            data, name = await read_upload(uploads)
            await write(absences.attach_certificate, actor=actor, report_id=self.attaching, filename=name, data=data)
        finally:
            self.uploading = False
        self.attaching = 0
        await self._reload(actor)
        yield rx.toast.success("Certificat médical joint.")


DECISIONS = {True: "Absence acceptée", False: "Absence refusée"}


class AbsencesAdminState(Paged, AuthState):
    rows: list[AbsenceRow] = []
    status: str = "reported"
    refusing: int = 0

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(absence_review.list_absences, actor=actor, organization_id=org_id,
                                           status=self.status, page=self.page, per_page=self.per_page)

    @rx.event
    async def load(self):
        self.refusing = 0
        return await self._first_page()

    @rx.event
    async def filter(self, status: str):
        self.status = status if status in absence_review.FILTERS else "reported"
        return await self._first_page()

    @rx.event
    def start_refusal(self, report_id: int):
        self.refusing = int(report_id)

    @rx.event
    @as_staff
    async def accept(self, actor, org_id, report_id: int):
        return await self._decide(actor, int(report_id), accept=True)

    @rx.event
    @as_staff
    async def refuse(self, actor, org_id, form: dict):
        return await self._decide(actor, self.refusing, accept=False, reason=text(form, "reason"))

    async def _decide(self, actor, report_id: int, *, accept: bool, reason: str = ""):
        free, billed = await write(absence_review.decide_absence, actor=actor, report_id=report_id, accept=accept,
                                   reason=reason)
        self.refusing = 0
        await self._show_page()
        return rx.toast.success(f"{DECISIONS[accept]} : {free} séance(s) non facturée(s), {billed} facturée(s).")
