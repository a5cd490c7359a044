import os

import reflex as rx

from cityviz import config
from cityviz.paint_first import PaintFirst
from cityviz.radix_css import RadixThemes

settings = config.get()
if settings.redis_url:
    # Several workers keep each tab's state in Redis. A tab's websocket stays on one worker, so
    # that worker may keep holding the tab's lock and its state in memory between events (written
    # back to Redis when the lease ends, or at once when another worker asks for it), instead of
    # locking, reading and writing Redis at every event. `REFLEX_OPLOCK_ENABLED=0` turns it off.
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "1")

config = rx.Config(
    app_name="cityviz",
    plugins=[
        # Reflex's Radix Themes plugin, without the colour scales the app never uses (radix_css.py).
        RadixThemes(
            theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large",
                           has_background=True)
        ),
        rx.plugins.SitemapPlugin(),
        # The built pages are painted from their HTML before React's scripts load (paint_first.py).
        PaintFirst(),
    ],
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # Precompressed build output: brotli (smaller) where the browser takes it, gzip otherwise.
    frontend_compression_formats=["brotli", "gzip"],
    # Our own engine (cityviz.db) does the work; Reflex only needs to know the URL.
    db_url=settings.database_url,
    redis_url=settings.redis_url or None,
    # Only pages of our own address may open the websocket (which acts as the logged-in user);
    # left unset, Reflex accepts any origin ("*").
    cors_allowed_origins=list(settings.allowed_origins),
    frontend_port=3000,
    backend_port=3000,
)
