"""Structured logs: one JSON object per line, with the id of the request, the
Reflex event or the job being handled (structlog, contextvars).

`configure()` sends our loggers (structlog) and every library's (logging) through
one formatter on stderr; CITYVIZ_LOG_FORMAT=console prints them for a human.
The ids are bound in contextvars, which `asyncio.to_thread` copies to the thread
running the service, so a service's log lines carry the event that called it.
"""

from __future__ import annotations

import logging
import os
import secrets
import sys

import structlog

from cityviz import config

_HANDLER_NAME = "cityviz"


def _add_pid(_logger, _method, event_dict):
    """Which server process wrote the line (several workers share one log stream)."""
    event_dict.setdefault("pid", os.getpid())
    return event_dict


_SHARED = [
    structlog.contextvars.merge_contextvars,
    _add_pid,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def new_id() -> str:
    """A short random id for a request, an event, a job run (64 bits, hex)."""
    return secrets.token_hex(8)


def configure() -> None:
    """Idempotent: safe to call from the app module, the CLI and the worker."""
    settings = config.get()
    structlog.configure(
        processors=[*_SHARED, structlog.processors.StackInfoRenderer(),
                    structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (structlog.dev.ConsoleRenderer(colors=False) if settings.log_format == "console"
                else structlog.processors.JSONRenderer(ensure_ascii=False))
    formatter = structlog.stdlib.ProcessorFormatter(
        # Lines from other libraries (logging): the same fields, and their `extra=` values.
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer],
    )
    root = logging.getLogger()
    handler = next((h for h in root.handlers if h.get_name() == _HANDLER_NAME), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.set_name(_HANDLER_NAME)
        root.addHandler(handler)
    handler.setFormatter(formatter)
    root.setLevel(settings.log_level)
    # Our own lines say what matters (a line per request, event and job run); these libraries'
    # information lines would drown them (Reflex compares the schema at start-up through alembic,
    # procrastinate logs three lines per job).
    for noisy in ("httpx", "httpcore", "psycopg.pool", "alembic", "procrastinate"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


bind = structlog.contextvars.bind_contextvars
bound = structlog.contextvars.bound_contextvars
