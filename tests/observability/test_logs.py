"""JSON logs with an id per event (and the services it calls), event metrics, and the
hook that gives every Reflex event its scope."""

import io
import json
import logging
import os
import types

import pytest
import reflex as rx
import reflex.app
from prometheus_client import REGISTRY
from reflex_base.event.processor.base_state_processor import BaseStateEventProcessor

from cityviz import observability
from cityviz.observability import logs, reflex_events
from cityviz.services.errors import Conflict
from cityviz.state.base import AuthState, as_parent, write
from tests.state.harness import make_state, run
from tests.state.test_thin_handlers import _token, people  # noqa: F401  (fixture)

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


def _service_that_logs(s, *, actor):
    observability.get_logger("cityviz.services.test").info("inside the service", household=actor.household_id)


class LoggedState(AuthState):
    @rx.event
    @as_parent
    async def refused(self, actor):
        await write(_service_that_logs, actor=actor)
        raise Conflict("Cette date n'est plus disponible.")


@pytest.fixture
def lines():
    logs.configure()
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "cityviz")
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    handler.setStream(previous)


def _count(handler: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("cityviz_events_total", {"handler": handler, "outcome": outcome}) or 0.0


async def test_an_event_and_the_service_it_calls_share_one_id(people, lines):  # noqa: F811
    state = make_state(LoggedState, token=_token("parent@example.org"))
    before = _count("LoggedState.refused", "refused")
    with observability.event_scope("LoggedState.refused"):
        await run(LoggedState.refused, state)
    service, event = [line for line in lines() if line["logger"] in ("cityviz.services.test", "cityviz.events")]
    assert service["event"] == "inside the service" and service["household"] == people["household"]
    assert event["event"] == "event" and event["outcome"] == "refused" and event["error_code"] == "conflict"
    assert service["event_id"] == event["event_id"] and len(event["event_id"]) == 16
    assert event["handler"] == "LoggedState.refused" and event["user_id"] and event["level"] == "info"
    assert "timestamp" in event and "duration_ms" in event
    assert event["pid"] == service["pid"] == os.getpid()  # which of several workers wrote it
    assert _count("LoggedState.refused", "refused") == before + 1


def test_library_log_lines_are_json_with_their_extra_fields(lines):
    logging.getLogger("procrastinate.worker").warning("worker stopping", extra={"worker": "cityviz"})
    [line] = [x for x in lines() if x["logger"] == "procrastinate.worker"]
    assert (line["event"], line["level"], line["worker"]) == ("worker stopping", "warning", "cityviz")


async def test_every_reflex_event_goes_through_the_instrumented_processor(monkeypatch, lines):
    reflex_events.instrument()
    assert reflex.app.BaseStateEventProcessor is reflex_events.InstrumentedEventProcessor
    seen = []

    async def handled(self, *, entry, registered_handler):
        observability.get_logger("cityviz.test").info("handler ran")
        seen.append(entry)

    monkeypatch.setattr(BaseStateEventProcessor, "_execute_event", handled)
    processor = object.__new__(reflex_events.InstrumentedEventProcessor)
    handler = types.SimpleNamespace(fn=types.SimpleNamespace(__qualname__="CalendarState.load"), is_background=False)
    before = _count("CalendarState.load", "ok")
    await processor._execute_event(entry="entry", registered_handler=types.SimpleNamespace(handler=handler))
    assert seen == ["entry"] and _count("CalendarState.load", "ok") == before + 1
    ran, event = [x for x in lines() if x["logger"] in ("cityviz.test", "cityviz.events")]
    assert ran["event_id"] == event["event_id"] and event["handler"] == "CalendarState.load"
