"""Setting and clearing the HttpOnly session cookie.

A websocket cannot set an HttpOnly cookie, so the login handler hands the
browser a one-minute, one-use ticket, and this endpoint trades it for the
session token in a cookie that page scripts can never read.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

from cityviz import config, db, routes
from cityviz.api.origin import from_another_site
from cityviz.services.accounts import auth
from cityviz.services.errors import NotAuthenticated


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def open_session(request: Request) -> RedirectResponse:
    ticket = request.query_params.get("ticket", "")
    target = routes.safe_next(request.query_params.get("suite"))
    if from_another_site(request.headers):  # login CSRF: only our login page sends here
        return _redirect(f"{routes.LOGIN}?suite={quote(target)}")
    try:
        with db.transaction() as s:
            token = auth.exchange_ticket(s, ticket=ticket)
    except NotAuthenticated:
        return _redirect(f"{routes.LOGIN}?suite={quote(target)}")
    response = _redirect(target)
    response.set_cookie(
        routes.SESSION_COOKIE,
        token,
        max_age=int(auth.ABSOLUTE_TIMEOUT.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=config.get().secure_cookies,
    )
    return response


def clear_session(request: Request) -> RedirectResponse:
    """Forget the cookie (the session itself was ended by the logout handler)."""
    token = request.cookies.get(routes.SESSION_COOKIE, "")
    if token:
        with db.transaction() as s:
            auth.logout(s, token=token)
    response = _redirect(f"{routes.LOGIN}?deconnecte=1")
    response.delete_cookie(routes.SESSION_COOKIE, path="/")
    return response
