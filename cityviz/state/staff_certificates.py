"""Staff page « Attestations fiscales »: a year's tax certificates in one run, followed live."""

from __future__ import annotations

import reflex as rx

from cityviz import clock
from cityviz.services.billing import certificate_jobs
from cityviz.state import job_watch
from cityviz.state.base import AuthState, as_staff, read, write


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
        self.status_label = job_watch.LABELS.get(run.status, run.status)

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
        if self.status in job_watch.ACTIVE:
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
        """Follow the year's run (this visit's, someone else's or an earlier one) until it ends."""
        async for event in job_watch.follow(
                self, key=lambda state: state.year,
                poll=lambda actor, org_id, year: read(certificate_jobs.run_status, actor=actor,
                                                      organization_id=org_id, year=year),
                show=TaxRunState._apply,
                finished=lambda run: None if run.status in job_watch.ACTIVE else (
                    run.summary if run.status == "succeeded" else "")):
            yield event
