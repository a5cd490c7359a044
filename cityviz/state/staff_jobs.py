"""« Tâches »: background jobs of the organization (or of the platform), followed live."""

from __future__ import annotations

import asyncio

import reflex as rx

from cityviz.services.errors import DomainError
from cityviz.services.operations import board
from cityviz.services.operations.board import JobRow
from cityviz.state.base import AuthState, in_read, in_transaction

PER_PAGE = 20
WATCH_SECONDS = 600  # live refresh while jobs run, for ten minutes at most per visit


class JobsState(AuthState):
    rows: list[JobRow] = []
    total: int = 0
    active: int = 0
    failed: int = 0
    page: int = 0
    status: str = ""  # "", active, failed, done
    watching: bool = False

    async def _scope(self):
        """(actor, organization id or None for the platform administrator, redirect)."""
        actor, redirect = await self._guard("staff")
        if redirect:
            return None, None, redirect
        if not actor.roles:
            return actor, None, None
        actor, org_id, redirect = await self._staff_guard()
        return actor, org_id, redirect

    async def _reload(self, actor, org_id) -> None:
        result = await in_read(board.list_jobs, actor=actor, organization_id=org_id, status=self.status,
                               page=self.page, per_page=PER_PAGE)
        self.rows, self.total, self.active, self.failed = result.rows, result.total, result.active, result.failed

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._scope()
        if redirect:
            return redirect
        await self._reload(actor, org_id)
        if self.active and not self.watching:
            return JobsState.watch

    @rx.event
    async def show(self, status: str):
        self.status, self.page = status if status in board.FILTERS else "", 0
        return JobsState.load

    @rx.event
    async def turn_page(self, delta: int):
        self.page = max(0, self.page + int(delta))
        return JobsState.load

    @rx.event
    async def retry(self, job_id: int):
        actor, org_id, redirect = await self._scope()
        if redirect:
            return redirect
        try:
            await in_transaction(board.retry, actor=actor, organization_id=org_id, job_id=int(job_id))
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)
        return [rx.toast.success("Tâche relancée."), JobsState.watch]

    @rx.event(background=True)
    async def watch(self):
        """Refresh every two seconds while some job is waiting or running."""
        async with self:
            if self.watching:
                return
            actor, org_id, redirect = await self._scope()
            if redirect:
                return
            self.watching = True
        try:
            for _ in range(WATCH_SECONDS // 2):
                await asyncio.sleep(2)
                async with self:
                    await self._reload(actor, org_id)
                    if not self.active:
                        return
        finally:
            async with self:
                self.watching = False
