"""« Journal »: the staff's decisions, filtered, exported; a family's page with its history."""

from __future__ import annotations

from datetime import date

import reflex as rx

from cityviz import routes
from cityviz.services.backoffice import journal
from cityviz.services.backoffice.journal import PER_PAGE, JournalRow
from cityviz.services.households import families
from cityviz.state.base import AuthState, as_staff, errors_in, read
from cityviz.state.forms import text, whole
from cityviz.state.paging import Paged


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


class DecisionsState(Paged, AuthState):
    rows: list[JournalRow] = []
    categories: list[list[str]] = []
    authors: list[list[str]] = []
    category: str = ""
    start: str = ""
    end: str = ""
    who: int = 0
    per_page: int = PER_PAGE
    error: str = ""

    def _filters(self) -> dict:
        return dict(category=self.category, start=_day(self.start), end=_day(self.end), who=self.who)

    @as_staff
    @errors_in("error", rows=[])
    async def _show_page(self, actor, org_id):
        self.categories = await read(journal.categories, actor=actor, organization_id=org_id)
        self.authors = await read(journal.authors, actor=actor, organization_id=org_id)
        self.rows, self.total = await read(journal.list_entries, actor=actor, organization_id=org_id,
                                           page=self.page, **self._filters())

    @rx.event
    async def load(self):
        return await self._first_page()

    @rx.event
    async def filter(self, form: dict):
        self.category, self.start, self.end = text(form, "category"), text(form, "start"), text(form, "end")
        self.who = whole(form, "who", "Personne inconnue.")
        return await self._first_page()

    @rx.event
    @as_staff
    async def export(self, actor, org_id):
        data = await read(journal.entries_csv, actor=actor, organization_id=org_id, **self._filters())
        return rx.download(data=data, filename="journal.csv")


class FamilyPageState(AuthState):
    title: str = "Famille"
    history: list[JournalRow] = []
    error: str = ""
    write_link: str = ""  # « Écrire à la famille » (Messagerie)

    @rx.event
    @as_staff
    @errors_in("error", history=[])
    async def load(self, actor, org_id):
        household_id = self._query_int()
        self.write_link = f"{routes.ADMIN_MESSAGE_NEW}?famille={household_id}"
        self.title = await read(families.family_name, actor=actor, organization_id=org_id, household_id=household_id)
        self.history = await read(journal.household_history, actor=actor, organization_id=org_id,
                                  household_id=household_id)
