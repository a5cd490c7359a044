"""The root state of every page: who is logged in, derived on the server.

The session token travels only in an HttpOnly cookie, which the browser
sends with the websocket handshake; Reflex hands us those headers. No state
var decides access: each handler calls `_actor()`, which resolves the token
(30 min idle, 12 h absolute) every time — from the database, or from this
worker's memory of the last seconds while nothing about that user changed
(services/accounts/session_memory.py).
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import quote

import reflex as rx

from cityviz import db, observability, routes
from cityviz.services.accounts import auth, organizations, session_memory
from cityviz.services.accounts.actor import CAPABILITIES, Actor
from cityviz.services.errors import DomainError, NotAuthenticated
from cityviz.services.households import messaging, messaging_staff

T = TypeVar("T")


async def in_transaction(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run one service call in its own write transaction, off the event loop."""

    def run() -> T:
        with db.transaction() as s:
            return fn(s, **kwargs)

    return await asyncio.to_thread(run)


async def in_read(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run one read-only service call, off the event loop."""

    def run() -> T:
        with db.read() as s:
            return fn(s, **kwargs)

    return await asyncio.to_thread(run)


# The names the architecture guide uses in handlers: `await write(service, …)`.
write = in_transaction
read = in_read


# bcrypt work gets its own threads, one per core: twenty logins at once must
# not fill the default pool that every other page event reads the database with.
_SLOW_POOL = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="cityviz-bcrypt")


async def off_loop(fn: Callable[..., T], /, **kwargs: Any) -> T:
    """Run a slow service that manages its own transactions (bcrypt work)."""
    return await asyncio.get_running_loop().run_in_executor(_SLOW_POOL, functools.partial(fn, **kwargs))


def _resolve(token: str) -> Actor:
    return session_memory.resolve_token(token)


def photo_url(person_id: int, avatar_key: str) -> str:
    """The photo's address; its key in the query makes a new photo bypass the browser's cache."""
    return f"{routes.AVATAR_FILE}/{person_id}?v={avatar_key[:8]}" if avatar_key else ""


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


class AuthState(rx.State):
    """What the shell shows about the user (display only)."""

    user_name: str = ""
    user_initials: str = ""
    avatar_url: str = ""
    is_staff: bool = False
    is_platform_admin: bool = False
    # Staff: the organization the pages work on (checked again by every service).
    org_id: int = 0
    org_name: str = ""
    org_choices: list[list[str]] = []  # [id, name]
    # What the role allows in that organization: the menu shows only those pages (display only:
    # every service checks the role again).
    capabilities: list[str] = []
    # « Messagerie »: a parent's threads with an answer not read yet; the staff's « Messages en
    # attente » in the organization worked on (display only, read again at each page's load).
    unread_messages: int = 0
    waiting_messages: int = 0

    def _token(self) -> str:
        try:
            cookie = SimpleCookie(self.router.headers.cookie or "")
        except CookieError:
            return ""
        morsel = cookie.get(routes.SESSION_COOKIE)
        return morsel.value if morsel else ""

    async def _actor(self) -> Actor:
        """The logged-in user, from the server-side session. Raises NotAuthenticated."""
        return await asyncio.to_thread(_resolve, self._token())

    async def _actor_or_none(self) -> Actor | None:
        try:
            return await self._actor()
        except NotAuthenticated:
            return None

    def _query_int(self, name: str = "id") -> int:
        """A whole number from the page's address (`?id=12`); 0 when absent or not a number."""
        try:
            return int(self.router.url.query_parameters.get(name, "0"))
        except ValueError:
            return 0

    def _login_redirect(self):
        path = self.router.url.path or "/"
        return rx.redirect(f"{routes.LOGIN}?suite={quote(path)}", replace=True)

    def _assign(self, **values: Any) -> None:
        """Set only the vars whose value changed. Reflex sends every var assigned, equal or not,
        and the browser then re-renders everything that reads this state: the header and menus
        at every event of every page, for a name that has not changed. The browser always holds
        the server's values (the page's hydration sends them all), so an equal one is left out."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

    def _show(self, actor: Actor) -> None:
        org_id = self.org_id if self.org_id in actor.roles else min(actor.roles, default=0)
        self._assign(user_name=actor.display_name, user_initials=initials(actor.display_name),
                     is_staff=actor.is_staff, is_platform_admin=actor.is_platform_admin,
                     avatar_url=photo_url(actor.person_id, actor.avatar_key),
                     capabilities=sorted(CAPABILITIES.get(actor.roles.get(org_id, ""), ())))

    async def _guard(self, need: str) -> tuple[Actor | None, Any]:
        """(actor, None) if allowed on a page needing `need` ("parent", "staff",
        "platform"); otherwise (None, the redirect to return)."""
        actor = await self._actor_or_none()
        if actor is None:
            return None, self._login_redirect()
        if actor.password_change_only:
            return None, rx.redirect(routes.PASSWORD, replace=True)
        allowed = {
            "parent": actor.is_parent,
            "staff": actor.is_staff or actor.is_platform_admin,
            "platform": actor.is_platform_admin,
        }[need]
        if not allowed:
            return None, rx.redirect(routes.home_for(actor), replace=True)
        self._show(actor)
        return actor, None

    async def _staff_guard(self) -> tuple[Actor | None, int, Any]:
        """Like `_guard("staff")`, plus the organization worked on: (actor, org id, redirect)."""
        actor, redirect = await self._guard("staff")
        if redirect:
            return None, 0, redirect
        if not actor.roles:  # the platform administrator has no organization of their own
            return None, 0, rx.redirect(routes.ADMIN, replace=True)
        if self.org_id not in actor.roles:
            self.org_id = min(actor.roles)
            self._show(actor)
        # The names shown in the header: read again only when the memberships change.
        if {int(org_id) for org_id, _name in self.org_choices} != set(actor.roles):
            choices = await in_read(organizations.staff_organizations, actor=actor)
            self.org_choices = [[str(org_id), name] for org_id, name, _role in choices]
        self._assign(org_name=next((name for org_id, name in self.org_choices if int(org_id) == self.org_id), ""))
        return actor, self.org_id, None

    async def _count_messages(self, actor: Actor) -> None:
        unread = await in_read(messaging.family_unread_count, actor=actor) if actor.is_parent else 0
        org_id = self.org_id if self.org_id in actor.roles else min(actor.roles, default=0)
        waiting = (await in_read(messaging_staff.staff_waiting_count, actor=actor, organization_id=org_id)
                   if actor.can(org_id, "messages") else 0)
        self._assign(unread_messages=unread, waiting_messages=waiting)

    @rx.event
    async def load_counters(self):
        """After each page's own load (cityviz.py): the « Messagerie » counters of the menus."""
        actor = await self._actor_or_none()
        if actor is not None and not actor.password_change_only:
            await self._count_messages(actor)

    @rx.event
    async def switch_organization(self, org_id: str):
        """Work on another of one's organizations (a page reload follows)."""
        actor = await self._actor_or_none()
        if actor is not None and int(org_id or 0) in actor.roles:
            self.org_id = int(org_id)
        return rx.call_script("window.location.reload()")

    @rx.event
    async def logout(self):
        await in_transaction(auth.logout, token=self._token())
        # A fresh Reflex client token too, so nothing of this user's state remains.
        return rx.call_script(LEAVE_SCRIPT)


# Forget this tab's state and let the server clear the session cookie: a POST (from our own
# page: the server checks its Origin), so no other page can log a user out with a link or an image.
LEAVE_SCRIPT = (
    "window.sessionStorage.clear();"
    "const f = document.createElement('form'); f.method = 'post';"
    f"f.action = '{routes.LOGOUT_ENDPOINT}'; document.body.appendChild(f); f.submit();"
)


# --- Thin handlers ----------------------------------------------------------------------------
# "Who may run this, run the service, turn a domain error into a French toast" in one place, so
# that a handler reads as its intent:
#
#     @rx.event
#     @as_parent
#     async def cancel(self, actor, session_id: int):
#         await write(bookings.cancel_booking, actor=actor, session_id=int(session_id), ...)
#         return rx.toast.success("Réservation annulée.")
#
# The decorated handler receives the actor resolved from the session cookie (and, for staff,
# the organization worked on); a user who may not run it gets the redirect instead; a
# DomainError raised anywhere inside becomes `rx.toast.error(message)` (a session that ended
# meanwhile, NotAuthenticated, sends to the login page). Reflex reads the handler's signature to
# name the event's arguments, so the injected ones are hidden from it.
#
# `@as_parent(recover=method)`: after a domain error, `method(self, actor…)` (sync or async)
# runs before the toast, e.g. to show the page again as it now is.
#
# A form that shows its error inline rather than as a toast stacks `@errors_in("error")` under
# the guard (see there).


def _hide(wrapper, fn, injected: int):
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    visible = [params[0], *params[1 + injected:]]  # self, then the event's own arguments
    wrapper.__signature__ = signature.replace(parameters=visible)
    hidden = {p.name for p in params[1:1 + injected]}
    wrapper.__annotations__ = {k: v for k, v in getattr(fn, "__annotations__", {}).items() if k not in hidden}
    return wrapper


async def _maybe_await(value) -> None:
    if inspect.isawaitable(value):
        await value


def _guarded(need: str, *, organization: bool = False):
    def decorate(fn=None, *, recover: Callable[..., Any] | None = None):
        if fn is None:  # used as @as_parent(recover=…)
            return functools.partial(decorate, recover=recover)
        injected = 2 if organization else 1

        async def resolve(self):
            if organization:
                actor, org_id, redirect = await self._staff_guard()
                who = (actor, org_id)
            else:
                actor, redirect = await self._guard(need)
                who = (actor,)
            # The event's log lines and metrics (observability/__init__.py): who ran it, or a redirect.
            if redirect:
                observability.note_outcome("redirect")
            else:
                observability.bind(user_id=actor.user_id, **({"organization_id": who[1]} if organization else {}))
            return who, redirect

        async def counters(self, who) -> None:
            # A page's own load also reads the menus' counters (see counts_after): one event per
            # page view instead of two, each event being a round trip of the tab's whole state.
            if getattr(wrapper, _COUNTS_AFTER, False) and not who[0].password_change_only:
                await self._count_messages(who[0])

        async def refusal(self, who, exc: DomainError):
            observability.note_outcome("refused", error_code=exc.code)
            if isinstance(exc, NotAuthenticated):
                return self._login_redirect()
            if recover is not None:
                await _maybe_await(recover(self, *who))
            return rx.toast.error(exc.message)

        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                who, redirect = await resolve(self)
                if redirect:
                    yield redirect
                    return
                try:
                    async for item in fn(self, *who, *args, **kwargs):
                        yield item
                except DomainError as exc:
                    yield await refusal(self, who, exc)
                    return
                await counters(self, who)
        else:
            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                who, redirect = await resolve(self)
                if redirect:
                    return redirect
                try:
                    result = await fn(self, *who, *args, **kwargs)
                except DomainError as exc:
                    return await refusal(self, who, exc)
                await counters(self, who)
                return result

        setattr(wrapper, _GUARDED, True)
        return _hide(wrapper, fn, injected)

    return decorate


_GUARDED = "cityviz_guarded"
_COUNTS_AFTER = "cityviz_counts_after"


def counts_after(handler) -> bool:
    """Make a guarded handler (a page's load) read the menus' « Messagerie » counters once it has
    run, in the same event. False, and nothing changed, when `handler` is not guarded: the page
    then reads them with a separate `AuthState.load_counters` event (cityviz._page)."""
    fn = getattr(handler, "fn", None)
    if not getattr(fn, _GUARDED, False):
        return False
    setattr(fn, _COUNTS_AFTER, True)
    return True


as_parent = _guarded("parent")  # a parent (household member) who finished the password step
as_staff = _guarded("staff", organization=True)  # staff of an organization: receives (actor, org_id)
as_platform = _guarded("platform")  # the platform administrator
as_back_office = _guarded("staff")  # staff or the platform administrator, no organization (the staff home)


def errors_in(field: str, *, then: Any = None, toast: bool = False, **reset: Any):
    """A form's error shown inline: a DomainError inside the handler puts its message in the var
    `field` (a form's error text) instead of a toast, and the handler stops there.

    The field is emptied when the handler starts, so a success clears the last error. After an
    error the vars named in `reset` take those values (`detail=None`, `loading=False`), the
    handler returns `then` (e.g. a scroll to the form's top), and with `toast=True` the message
    is a toast as well (for a form far from where the error shows). A session that ended
    meanwhile (NotAuthenticated) sends to the login page. Stacks under `@as_parent`/`@as_staff`,
    or alone on a page without a guard (login)."""

    def failed(self, exc: DomainError) -> list[Any]:
        for name, value in reset.items():
            setattr(self, name, copy.copy(value))  # a fresh [] each time, never one shared list
        if isinstance(exc, NotAuthenticated):
            return [self._login_redirect()]
        setattr(self, field, exc.message)
        return [e for e in ((rx.toast.error(exc.message) if toast else None), then) if e is not None]

    def decorate(fn):
        if inspect.isasyncgenfunction(fn):
            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                setattr(self, field, "")
                try:
                    async for item in fn(self, *args, **kwargs):
                        yield item
                except DomainError as exc:
                    for event in failed(self, exc):
                        yield event
        else:
            @functools.wraps(fn)
            async def wrapper(self, *args, **kwargs):
                setattr(self, field, "")
                try:
                    return await fn(self, *args, **kwargs)
                except DomainError as exc:
                    return failed(self, exc) or None

        return wrapper

    return decorate
