"""Files, served only through access checks: documents, photos, news
pictures, the household's data export. Never by a guessable URL alone."""

from __future__ import annotations

import functools
from datetime import date
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response

from cityviz import db, routes
from cityviz.services.accounts import auth
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import certificate_pdf, invoices
from cityviz.services.booking import absences, attendance, feeds, menu_pdf
from cityviz.services.errors import DomainError, InvalidInput, NotAuthenticated, NotFound
from cityviz.services.households import documents, families, health, messaging, news, privacy, reenrolment


def _actor(request: Request) -> Actor:
    token = request.cookies.get(routes.SESSION_COOKIE, "")
    with db.read() as s:
        actor, _touch = auth.resolve_session(s, token=token)
    if actor.password_change_only:
        raise NotAuthenticated()
    return actor


def _private(body: bytes, content_type: str, filename: str = "", download: bool = False) -> Response:
    headers = {
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        # A PDF or image opened from here can run nothing and reach nothing.
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                   "plugin-types application/pdf; sandbox",
    }
    if filename:
        kind = "attachment" if download else "inline"
        headers["Content-Disposition"] = f"{kind}; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=content_type, headers=headers)


def _refusal(exc: DomainError) -> Response:
    status = 401 if isinstance(exc, NotAuthenticated) else 404 if isinstance(exc, NotFound) else 403
    return Response(exc.message, status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def _id(request: Request) -> int:
    try:
        return int(request.path_params["item_id"])
    except (KeyError, ValueError) as exc:
        raise NotFound() from exc


def _refusals(endpoint):
    """A refused or unknown request gets its status and French message, never a file."""
    @functools.wraps(endpoint)
    def checked(request: Request) -> Response:
        try:
            return endpoint(request)
        except DomainError as exc:
            return _refusal(exc)
    return checked


def _as_user(request: Request, fn, **kwargs):
    """Call a read service as the user of the session cookie."""
    actor = _actor(request)
    with db.read() as s:
        return fn(s, actor=actor, **kwargs)


def _download(request: Request) -> bool:
    return request.query_params.get("telecharger") == "1"


def _stored_file(request: Request, read, id_name: str) -> Response:
    """A stored file read by its service (which checks who may), under the request's id."""
    content = _as_user(request, read, **{id_name: _id(request)})
    return _private(content.data, content.content_type, content.filename, download=_download(request))


@_refusals
def document(request: Request) -> Response:
    return _stored_file(request, documents.document_content, "document_id")


@_refusals
def certificate(request: Request) -> Response:
    """The medical certificate joined to a reported absence."""
    return _stored_file(request, absences.certificate_content, "report_id")


@_refusals
def campaign_document(request: Request) -> Response:
    """A document sent again for next school year (« Réinscription »)."""
    return _stored_file(request, reenrolment.campaign_document_content, "document_id")


@_refusals
def pai(request: Request) -> Response:
    """A child's PAI document."""
    return _stored_file(request, health.pai_content, "child_id")


@_refusals
def message_attachment(request: Request) -> Response:
    """A file joined to a message: its household, or its organization's administrators and agents."""
    return _stored_file(request, messaging.attachment_content, "attachment_id")


@_refusals
def photo(request: Request) -> Response:
    return _private(_as_user(request, families.person_photo, person_id=_id(request)), "image/jpeg")


@_refusals
def news_image(request: Request) -> Response:
    return _private(_as_user(request, news.news_image, post_id=_id(request)), "image/jpeg")


@_refusals
def export(request: Request) -> Response:
    data = _as_user(request, privacy.export_household)
    return _private(data, "application/zip", "mes-donnees-cityviz.zip", download=True)


@_refusals
def daily_counts(request: Request) -> Response:
    """Booked children per day and activity, as CSV (staff of the organization)."""
    params = request.query_params
    try:
        start, end = date.fromisoformat(params.get("du", "")), date.fromisoformat(params.get("au", ""))
        organization_id = int(params.get("organisation", "0"))
    except ValueError:
        return Response("Paramètres invalides.", status_code=400, media_type="text/plain; charset=utf-8")
    data = _as_user(request, attendance.daily_counts_csv, organization_id=organization_id, start=start, end=end)
    return _private(data, "text/csv; charset=utf-8", f"effectifs-{start.isoformat()}-{end.isoformat()}.csv",
                    download=True)


@_refusals
def menu_week(request: Request) -> Response:
    """The week's canteen menu as PDF (staff of the organization): ?organisation=…&semaine=YYYY-MM-DD."""
    try:
        organization_id = int(request.query_params.get("organisation", "0"))
        monday = date.fromisoformat(request.query_params.get("semaine", ""))
    except ValueError:
        return Response("Paramètres invalides.", status_code=400, media_type="text/plain; charset=utf-8")
    try:
        data, name = _as_user(request, menu_pdf.week_pdf, organization_id=organization_id, monday=monday)
    except InvalidInput as exc:
        return Response(exc.message, status_code=400, media_type="text/plain; charset=utf-8")
    return _private(data, "application/pdf", name, download=True)


@_refusals
def calendar_feed(request: Request) -> Response:
    """The household's .ics: the secret link itself is the credential (revocable)."""
    with db.read() as s:
        data = feeds.render_feed(s, token=request.path_params.get("token", ""))
    return Response(data, media_type="text/calendar; charset=utf-8",
                    headers={"Cache-Control": "private, max-age=900", "X-Content-Type-Options": "nosniff"})


@_refusals
def certificate_pdf_file(request: Request) -> Response:
    """« Attestations »: ?enfant=…&annee=… (fiscale), ?du=…&au=… (paiement), both (presence)."""
    params = request.query_params
    try:
        child_id, year = int(params.get("enfant") or 0), int(params.get("annee") or 0)
        start = date.fromisoformat(params["du"]) if params.get("du") else None
        end = date.fromisoformat(params["au"]) if params.get("au") else None
    except ValueError:
        return Response("Paramètres invalides.", status_code=400, media_type="text/plain; charset=utf-8")
    try:
        data, name = _as_user(request, certificate_pdf.certificate_file, kind=request.path_params.get("kind", ""),
                              child_id=child_id, year=year, start=start, end=end)
    except InvalidInput as exc:
        return Response(exc.message, status_code=400, media_type="text/plain; charset=utf-8")
    return _private(data, "application/pdf", name, download=True)


@_refusals
def invoice_pdf(request: Request) -> Response:
    kind = "invoice" if request.path_params.get("kind") == "facture" else "credit_note"
    data, name = _as_user(request, invoices.pdf, kind=kind, document_id=_id(request))
    return _private(data, "application/pdf", name, download=_download(request))
