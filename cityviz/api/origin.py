"""Refuse what another site's page asks the browser to do here.

Every request that may change something — any HTTP method but GET, HEAD and
OPTIONS, and every websocket (Reflex's events act as the logged-in user) —
is refused when it carries an Origin other than ours (settings'
`allowed_origins`, from CITYVIZ_PUBLIC_URL). Browsers always send Origin on
such requests; servers that call us (a bank's notification) send none, and
are checked by what they send. Reflex's Socket.IO server checks the same
list (rxconfig's `cors_allowed_origins`): this is the second lock, and the
one that also covers our own routes and Reflex's uploads.
"""

from __future__ import annotations

import logging

from starlette.responses import PlainTextResponse

from cityviz import config

logger = logging.getLogger(__name__)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return value.decode("latin-1").strip()
    return None


def allowed(origin: str | None) -> bool:
    """No Origin (not a browser), or ours."""
    return origin is None or origin.rstrip("/").lower() in config.get().allowed_origins


def from_another_site(headers) -> bool:
    """A navigation (a GET, which carries no Origin) started by another site's page, as the
    browser tells it (Sec-Fetch-Site). For the few GETs that change something: the session
    cookie exchange, so that no page can log a visitor into someone else's account."""
    return headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site")


class OriginCheck:
    """ASGI middleware (see the module docstring)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        kind = scope["type"]
        changes = kind == "websocket" or (kind == "http" and scope.get("method", "GET") not in SAFE_METHODS)
        if changes and not allowed(origin := _origin(scope)):
            logger.warning("request refused: foreign origin %r for %s %s", origin, kind, scope.get("path", ""))
            if kind == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
                return
            await PlainTextResponse("Origine refusée.", status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)
