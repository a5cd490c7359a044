"""Drive Reflex state handlers without a browser.

`make_state(LoginState, cookie=token, url="/connexion")` gives a state whose
router carries those headers, as Reflex does for a websocket connection;
`await run(LoginState.submit, state, form)` collects what the handler
returned or yielded (redirects, scripts, toasts).
"""

from __future__ import annotations

import inspect
from typing import Any

import reflex as rx
from reflex.istate.data import RouterData

import cityviz.cityviz  # noqa: F401  (registers every page and state)
from cityviz import routes


def make_state(cls, *, token: str = "", url: str = "/", ip: str = "127.0.0.1"):
    root = rx.State()
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    path = url.split("?")[0]
    cookie = f"{routes.SESSION_COOKIE}={token}" if token else ""
    root.router = RouterData.from_router_data(
        {"headers": {"cookie": cookie, "user-agent": "pytest"}, "pathname": path, "asPath": url,
         "ip": ip}
    )
    return state


async def run(handler, state, *args) -> list[Any]:
    result = handler.fn(state, *args)
    events: list[Any] = []
    if inspect.isasyncgen(result):
        async for item in result:
            events.append(item)
    elif inspect.iscoroutine(result):
        events.append(await result)
    else:
        events.append(result)
    flat = []
    for item in events:
        flat.extend(item if isinstance(item, list) else [item])
    return [e for e in flat if e is not None]


def _arg(spec, name: str):
    for key, value in spec.args:
        if key._js_expr == name:
            return value._var_value
    return None


def redirects(events) -> list[str]:
    return [_arg(e, "path") for e in events if getattr(e, "handler", None)
            and getattr(e.handler.fn, "__name__", "") == "fn" and _arg(e, "path") is not None]


def scripts(events) -> list[str]:
    return [_arg(e, "javascript_code") for e in events if _arg(e, "javascript_code") is not None]
