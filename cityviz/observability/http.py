"""HTTP side of observability: /metrics, /_health, and an id for every request.

- `/metrics` (Prometheus text format) answers only with the bearer token of
  CITYVIZ_METRICS_TOKEN (`Authorization: Bearer …`) when it is set; without it,
  only to a client on the same machine that did not come through a proxy (no
  X-Forwarded-For / Forwarded / X-Real-IP header): behind the usual reverse proxy,
  the outside world never reaches it.
- `/_health` replaces Reflex's own (our routes come before Reflex's): database,
  Redis when configured, and the job queue; 503 when one of them fails. `/ping`
  stays Reflex's (is the process up).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from cityviz import clock, config, db
from cityviz.observability import logs, metrics

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")
_log = logs.get_logger("cityviz.http")


def metrics_allowed(request: Request) -> bool:
    token = config.get().metrics_token
    if token:
        return hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}")
    client = request.client.host if request.client else ""
    return client in _LOOPBACK and not any(h in request.headers for h in _PROXY_HEADERS)


async def metrics_endpoint(request: Request) -> Response:
    if not metrics_allowed(request):
        if config.get().metrics_token:
            return PlainTextResponse("Jeton requis.", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return PlainTextResponse("Accès réservé à la machine du serveur.", status_code=403)
    body = await asyncio.to_thread(metrics.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


# --- Health -------------------------------------------------------------------------------------

def _database() -> bool:
    with db.get_engine().connect() as connection:
        return connection.execute(text("SELECT 1")).scalar() == 1


async def _redis() -> bool | str:
    url = config.get().redis_url
    if not url:
        return "NA"
    import redis.asyncio

    client = redis.asyncio.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(await client.ping())
    finally:
        await client.aclose()


def _queue() -> dict[str, Any]:
    """Is there something to run the jobs, and are due jobs being taken?"""
    from sqlmodel import col, func, select

    from cityviz.jobs import backends, local
    from cityviz.jobs.execution import WAITING
    from cityviz.models import Job

    kind = backends.backend()
    now = clock.now()
    with db.read() as s:
        oldest = s.exec(select(func.min(Job.run_after)).where(col(Job.status).in_(WAITING),
                                                             col(Job.run_after) <= now)).one()
        failed = s.exec(select(func.count()).select_from(Job).where(Job.status == "failed")).one()
        detail: dict[str, Any] = {"backend": kind, "failed": failed,
                                  "oldest_due_seconds": round((now - oldest).total_seconds()) if oldest else 0}
        if kind == "procrastinate":
            from cityviz.jobs import pg

            detail["workers"] = s.execute(text(
                f"SELECT count(*) FROM {pg.SCHEMA}.procrastinate_workers "
                "WHERE last_heartbeat > now() - interval '1 minute'")).scalar()
    if kind == "thread":
        detail["runner"] = local.is_running()
    stuck = oldest is not None and now - oldest > metrics.STALE_QUEUE
    # Something must be there to run jobs: the runner of this process, or a live worker.
    alive = detail.get("runner", True) is not False and detail.get("workers", 1) > 0
    detail["ok"] = not stuck and alive
    return detail


async def _guard(check, timeout: float = 5.0):
    try:
        return await asyncio.wait_for(check, timeout)
    except Exception as exc:  # noqa: BLE001  (a failing check is an answer, not a crash)
        _log.warning("health check failed", check=getattr(check, "__name__", "check"), error=str(exc)[:300])
        return False


async def health_endpoint(_request: Request) -> JSONResponse:
    database, redis_ok, queue = await asyncio.gather(
        _guard(asyncio.to_thread(_database)), _guard(_redis()), _guard(asyncio.to_thread(_queue)))
    queue_ok = bool(queue and queue.get("ok"))
    body = {"status": bool(database) and redis_ok is not False and queue_ok, "db": bool(database),
            "redis": redis_ok, "queue": queue_ok, "queue_detail": queue or {}}
    return JSONResponse(body, status_code=200 if body["status"] else 503)


# --- Request ids --------------------------------------------------------------------------------

_QUIET = ("/assets/", "/favicon", "/ping", "/metrics", "/_health", "/manifest", "/sw.js", "/styles.css")


def _request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The proxy's X-Request-ID when it looks like one (so that both logs join), else ours."""
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")[:64]
            if candidate and all(c.isalnum() or c in "-_." for c in candidate):
                return candidate
    return logs.new_id()


class RequestContext:
    """ASGI middleware: a request id in every log line (and in the X-Request-ID answer header),
    one line per request, its metrics by route template."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope.get("headers", []))
        status = [500]

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        started = time.perf_counter()
        path = scope.get("path", "")
        with logs.bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                elapsed = time.perf_counter() - started
                route = getattr(scope.get("route"), "path", None)
                label = route if route else "reflex"
                metrics.REQUESTS.labels(label, str(status[0])).inc()
                metrics.REQUEST_SECONDS.labels(label).observe(elapsed)
                if route and not path.startswith(_QUIET):
                    _log.info("request", method=scope.get("method"), path=path, route=route, status=status[0],
                              duration_ms=round(elapsed * 1000, 1))
