"""Every Reflex event, whatever its handler, gets an id in the logs, a log line and
its metrics (cityviz_events_total, cityviz_event_duration_seconds).

Reflex's event processor documents `_execute_event` as the method subclasses
override; the app builds a `BaseStateEventProcessor` by that name when it starts,
so `instrument()` has it build ours instead. The thin-handler decorators of
state/base.py add how a guarded handler ended (refused, redirect) and who ran it.
"""

from __future__ import annotations

import reflex.app
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

from cityviz.observability import event_scope


class InstrumentedEventProcessor(BaseStateEventProcessor):
    async def _execute_event(self, *, entry, registered_handler) -> None:
        handler = registered_handler.handler
        with event_scope(handler.fn.__qualname__, **({"background": True} if handler.is_background else {})):
            await super()._execute_event(entry=entry, registered_handler=registered_handler)


def instrument() -> None:
    reflex.app.BaseStateEventProcessor = InstrumentedEventProcessor
