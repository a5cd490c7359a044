"""How pages and static files travel: no redirect, the right cache headers, compressed.

Wraps the whole server (pages, API, websocket) as ASGI middleware:

- `/reservations` is served as `/reservations/` would be (Starlette's static files answer a
  307 to the slashed path first, which costs a phone a round trip on every first visit);
- hashed build output (`/assets/<name>-<hash>.js|css`) is cached for a year, immutable;
  pages and other static files (`/sw.js`, the manifest, icons) are revalidated (`no-cache`);
  answers that set their own Cache-Control (files, session, API) keep it;
- what is not precompressed already is gzipped (Reflex ships `.gz` sidecars for its build).
"""

from __future__ import annotations

import functools
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASHED_PREFIX = "/assets/"


@functools.cache
def _static_dir() -> Path:
    from reflex import constants
    from reflex.utils import prerequisites

    return prerequisites.get_web_dir() / constants.Dirs.STATIC


@functools.lru_cache(maxsize=512)
def _is_page_directory(path: str) -> bool:
    """A built page lives in `<path>/index.html`: the request needs no redirect."""
    relative = path.strip("/")
    if not relative or ".." in relative.split("/"):
        return False
    return (_static_dir() / relative / "index.html").is_file()


def page_path(path: str) -> str:
    """The path the static files answer without a redirect (`/x` → `/x/` for a built page)."""
    if path.endswith("/") or "." in path.rsplit("/", 1)[-1]:
        return path
    return path + "/" if _is_page_directory(path) else path


def cache_control(path: str) -> str:
    if path.startswith(HASHED_PREFIX):
        return IMMUTABLE
    return REVALIDATE


class WebDelivery:
    def __init__(self, app: ASGIApp):
        self.app = GZipMiddleware(app, minimum_size=1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        served = page_path(path)
        if served != path:
            scope = {**scope, "path": served, "raw_path": served.encode()}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = cache_control(path)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wrap(app: ASGIApp) -> ASGIApp:
    return WebDelivery(app)
