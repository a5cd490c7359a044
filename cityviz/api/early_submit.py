"""Where a form goes when it is sent before React has taken the page over.

Pages are prerendered, so for a moment after the first paint a form is plain HTML: Enter in a
field makes the browser send it itself. Every form of the app (components/forms.safe_form) posts
here in that case, so that its fields (a password…) travel in a request body, never in an address
or the history. The body is not read; the browser is sent back (303, a GET) to the page it came
from, whose scripts are loading: the person sends the form again there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse

from cityviz import routes


def same_page(referer: str, host: str) -> str:
    """The local path (and query) of the page the form was on; home for anything else."""
    parts = urlsplit(referer)
    path = parts.path
    if parts.netloc.lower() != host.lower() or not path.startswith("/") or path.startswith("//") \
            or "\\" in path or path == routes.FORM_FALLBACK:
        return routes.HOME
    return path + (f"?{parts.query}" if parts.query else "")


def early_submit(request: Request) -> RedirectResponse:
    target = same_page(request.headers.get("referer", ""), request.headers.get("host", ""))
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
