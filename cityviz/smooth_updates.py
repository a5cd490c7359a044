"""Render what the server sends as a transition, so that a big update never freezes the phone.

Reflex applies each websocket message by calling the state reducers' dispatchers directly: an
update of React's default priority, which React renders in one piece, without giving the main
thread back. On « Réservations » the first message after loading carries the whole month (a few
hundred cells, drawn twice: the grid and the phone's list by week) and rendering it held the main
thread for about a quarter of a second on a slowed phone CPU; a tap in that moment waited.

This build step wraps those dispatches in React's `startTransition`: React then renders the
update in slices of a few milliseconds, yielding to taps and typing in between, and still commits
it at once (a page never shows half an update). Hydration is already started in a transition
(React Router's client entry), so the page behaves the same from load to the first data.

What is patched is Reflex's `utils/state.js` as generated in `.web`, through the plugin API's
modify task; if Reflex's code changes shape, the build fails loudly instead of shipping unpatched.
"""

from __future__ import annotations

import reflex as rx

STATE_JS = "utils/state.js"
_IMPORT = 'import { useCallback, useEffect, useRef, useState } from "react";'
_PATCHED_IMPORT = 'import { startTransition, useCallback, useEffect, useRef, useState } from "react";'
_DISPATCH = """        for (const substate in delta) {
          dispatch[substate](delta[substate]);
        }"""
_PATCHED_DISPATCH = """        // cityviz.smooth_updates: rendered in slices, the main thread stays free for taps.
        startTransition(() => {
          for (const substate in delta) {
            dispatch[substate](delta[substate]);
          }
        });"""


class ReflexShapeChanged(RuntimeError):
    """Reflex's state.js no longer has the lines this step rewrites."""


def patch(source: str) -> str:
    """state.js with the server's updates dispatched in a transition (idempotent)."""
    if _PATCHED_DISPATCH in source:
        return source
    if source.count(_IMPORT) != 1 or source.count(_DISPATCH) != 1:
        raise ReflexShapeChanged(f"{STATE_JS}: the React import or the delta dispatch loop changed "
                                 "in this Reflex version; update cityviz/smooth_updates.py")
    return source.replace(_IMPORT, _PATCHED_IMPORT).replace(_DISPATCH, _PATCHED_DISPATCH)


class SmoothUpdates(rx.plugins.Plugin):
    """rxconfig plugin: patches the generated state.js before the frontend is bundled."""

    def pre_compile(self, **context) -> None:
        context["add_modify_task"](STATE_JS, patch)
