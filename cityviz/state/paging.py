"""Lists shown one page at a time: the service pages and counts in SQL, the state keeps the page
number, the rows of that page and the total (Reflex state holds one page, never a table)."""

from __future__ import annotations

import reflex as rx


class Paged(rx.State, mixin=True):
    """`class DossiersState(Paged, AuthState)`: the state defines `_show_page`, the one guarded
    read of the current page, e.g.

        @as_staff
        async def _show_page(self, actor, org_id):
            self.rows, self.total = await read(service.list_x, ..., page=self.page)

    and every event that shows a page (the pager's, its own load and filters) goes through it,
    so each derives the user from the session again."""

    page: int = 0
    total: int = 0
    per_page: int = 20

    async def _show_page(self):
        raise NotImplementedError(f"{type(self).__name__} must define _show_page")

    async def _first_page(self):
        self.page = 0
        return await self._show_page()

    @rx.event
    async def next_page(self):
        if (self.page + 1) * self.per_page < self.total:
            self.page += 1
        return await self._show_page()

    @rx.event
    async def previous_page(self):
        self.page = max(0, self.page - 1)
        return await self._show_page()
