"""Following a job from the page that asked for it (invoice runs, tax certificates, imports): one
loop for every page, in a background event, instead of one copy per page."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import reflex as rx

T = TypeVar("T")
# A job's state in the pages that follow one (« Tâches » has its own words: operations/board.py).
LABELS = {"queued": "En attente", "running": "En cours", "retrying": "Nouvel essai", "succeeded": "Terminée",
          "failed": "En échec", "cancelled": "Annulée", "": ""}
ACTIVE = ("queued", "running", "retrying")
POLL_SECONDS = 1.0
MAX_POLLS = 3600  # an hour: a page left open does not poll for ever


async def follow(state: Any, *, key: Callable[[Any], Any], poll: Callable[[Any, int, Any], Awaitable[T]],
                 show: Callable[[Any, T], Any], finished: Callable[[T], str | None]) -> AsyncIterator[Any]:
    """Every second, read where the job stands and show it, while the page still shows the same
    thing (`key(state)`: the month, the year, the job…), until it ends.

    - `poll(actor, org_id, key)`: the service call (its rights are checked there, each time);
    - `show(state, status)`: put it in the state (sync or async; under the state's lock);
    - `finished(status)`: None while it goes on; otherwise it ends — a message to toast, or "".

    Use it from a background event: `async for event in follow(self, …): yield event`.
    """
    async with state:
        actor, org_id, redirect = await state._staff_guard()
        if redirect:
            return
        watched = key(state)
    for _ in range(MAX_POLLS):
        status = await poll(actor, org_id, watched)
        async with state:
            if key(state) != watched:  # the page moved on to something else
                return
            shown = show(state, status)
            if inspect.isawaitable(shown):
                await shown
        outcome = finished(status)
        if outcome is not None:
            if outcome:
                yield rx.toast.success(outcome)
            return
        await asyncio.sleep(POLL_SECONDS)
