"""Staff page « Attestations fiscales »: a year's tax certificates in one run, followed live."""

from __future__ import annotations

import asyncio

import reflex as rx

from cityviz import clock
from cityviz.services.billing import certificate_jobs
from cityviz.state.base import AuthState, as_staff, read, write

LABELS = {"queued": "En attente", "running": "En cours", "retrying": "Nouvel essai", "succeeded": "Terminée",
          "failed": "En échec", "cancelled": "Annulée", "": ""}


class TaxRunState(AuthState):
    year: int = 0
    years: list[str] = []
    status: str = ""
    status_label: str = ""
    done: int = 0
    total: int = 0
    summary: str = ""

    @rx.var
    def percent(self) -> int:
        return 100 if self.status == "succeeded" else round(100 * self.done / self.total) if self.total else 0

    def _apply(self, run: certificate_jobs.RunStatus) -> None:
        self.status, self.done, self.total, self.summary = run.status, run.done, run.total, run.summary
        self.status_label = LABELS.get(run.status, run.status)

    async def _show_run(self, actor, org_id) -> None:
        self._apply(await read(certificate_jobs.run_status, actor=actor, organization_id=org_id, year=self.year))

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        last = clock.today().year - 1
        self.years = [str(y) for y in range(last, last - 4, -1)]
        if str(self.year) not in self.years:
            self.year = last
        await self._show_run(actor, org_id)
        if self.status in ("queued", "running", "retrying"):
            return TaxRunState.watch

    @rx.event
    @as_staff
    async def choose_year(self, actor, org_id, year: str):
        self.year = int(year)
        await self._show_run(actor, org_id)

    @rx.event
    @as_staff
    async def start(self, actor, org_id):
        await write(certificate_jobs.request_tax_run, actor=actor, organization_id=org_id, year=self.year)
        await self._show_run(actor, org_id)
        return TaxRunState.watch

    @rx.event(background=True)
    async def watch(self):
        async with self:
            actor, org_id, redirect = await self._staff_guard()
            if redirect:
                return
            year = self.year
        for _ in range(3600):
            run = await read(certificate_jobs.run_status, actor=actor, organization_id=org_id, year=year)
            async with self:
                if self.year != year:
                    return
                self._apply(run)
            if run.status not in ("queued", "running", "retrying"):
                if run.status == "succeeded":
                    yield rx.toast.success(run.summary)
                return
            await asyncio.sleep(1)
