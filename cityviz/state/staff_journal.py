"""« Journal de la régie »: every money event with its filters, the takings per method,
CSV and PDF exports (the régisseur's and administrators' page)."""

from __future__ import annotations

from datetime import date

import reflex as rx

from cityviz import clock
from cityviz.services.billing import journal_report
from cityviz.services.billing.journal_report import JournalFilter, JournalRow, MethodTotal
from cityviz.state.base import AuthState, as_staff, errors_in, read
from cityviz.state.forms import date_field, text
from cityviz.state.paging import Paged


class JournalState(Paged, AuthState):
    date_from: str = ""
    date_to: str = ""
    kind: str = ""
    family: str = ""
    rows: list[JournalRow] = []
    totals: list[MethodTotal] = []
    net: str = ""
    loaded: bool = False
    error: str = ""
    per_page: int = journal_report.PAGE_SIZE

    def _filters(self) -> JournalFilter:
        return JournalFilter(date.fromisoformat(self.date_from), date.fromisoformat(self.date_to), self.kind,
                             self.family)

    @as_staff
    @errors_in("error", rows=[], totals=[], total=0)
    async def _show_page(self, actor, org_id):
        result = await read(journal_report.journal, actor=actor, organization_id=org_id, filters=self._filters(),
                            page=self.page)
        self.rows, self.total, self.totals, self.net = result.rows, result.total_rows, result.totals, result.net
        self.loaded = True

    @rx.event
    async def load(self):
        if not self.date_from:  # this month so far
            today = clock.today()
            self.date_from, self.date_to = today.replace(day=1).isoformat(), today.isoformat()
        self.loaded = False
        return await self._first_page()

    @rx.event
    @errors_in("error")
    async def choose(self, form: dict):
        start = date_field(form, "date_from", "Date de début invalide.")
        end = date_field(form, "date_to", "Date de fin invalide.")
        self.date_from, self.date_to = start.isoformat(), end.isoformat()
        self.kind, self.family = text(form, "kind"), text(form, "family")
        return await self._first_page()

    @rx.event
    async def today_only(self):
        self.date_from = self.date_to = clock.today().isoformat()
        return await self._first_page()

    @rx.event
    @as_staff
    @errors_in("error", toast=True)
    async def download_csv(self, actor, org_id):
        data = await read(journal_report.journal_csv, actor=actor, organization_id=org_id, filters=self._filters())
        return rx.download(data=data, filename=f"journal-regie-{self.date_from}-{self.date_to}.csv")

    @rx.event
    @as_staff
    @errors_in("error", toast=True)
    async def download_pdf(self, actor, org_id):
        data = await read(journal_report.journal_pdf, actor=actor, organization_id=org_id, filters=self._filters())
        return rx.download(data=data, filename=f"journal-regie-{self.date_from}-{self.date_to}.pdf")
