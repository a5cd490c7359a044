"""« Banque simulée »: a local stand-in for the bank, for development and tests.

eopayment's ``dummy`` backend sends the payer to a "dummy payment service"
(``dummy_service_url`` option). Pointed at ``<app>/banque-simulee``, the whole
online payment round trip runs offline:

1. ``start_payment(kind="dummy", options={"dummy_service_url":
   "http://localhost:3000/banque-simulee"}, …)`` returns a redirect URL
   ``/banque-simulee?transaction_id=…&amount=12.40&email=…&return_url=…&
   direct_notification_url=…&origin=…&orderid=…&subject=…``.
2. GET ``/banque-simulee`` shows that request (amount, reference, subject)
   with two buttons, "Accepter le paiement" and "Refuser le paiement", in a
   ``<form method="post">`` that carries the same fields.
3. POST ``/banque-simulee`` builds the dummy bank's answer
   (``transaction_id``, ``amount``, ``orderid``, then ``ok=1``, or
   ``refused=1&reason=…``; see ``online_payment.dummy_answer``) and
   (a) POSTs it, form-encoded and with the ``signed=1`` marker, to
   ``direct_notification_url`` (server to server, 5 s timeout; a failure is
   logged and the payer is redirected anyway, as a real bank would), then
   (b) redirects the browser (303) to ``return_url`` + ``?`` + the same answer
   **without** ``signed``: what comes back through the payer's browser is not
   authenticated (eopayment's dummy service only signs its direct callback;
   set the ``consider_all_response_signed`` option to trust both).

Served only in a demonstration: the setting ``CITYVIZ_DEMO_PAYMENTS`` ("1",
which ``make run`` sets for its demo data; off by default, in production and
in tests). When off every route answers 404, the « Régie » page does not
offer the simulator, and notifications for it are refused.

Security notes:

- The simulator never touches the database, and it is not a payment: it
  signs whatever it is asked to. Anyone can also call the notification URL
  with ``ok=1&signed=1``: the ``dummy`` backend has no real signature, so a
  régie can choose it only in a demonstration (``online_payment.accepts_answers``;
  its answers also carry ``test=True``).
- The app verifies each notification with ``online_payment.read_bank_answer``
  (the régie's backend and options; ``signed`` must be true before counting a
  payment), finds the payment by ``(backend, answer.transaction_id)``, is
  idempotent on it (the answer arrives on the notification *and* on the
  return, and banks retry), and compares ``answer.amount_cents`` with the
  amount it asked for. That is the caller's job; this module only plays the
  bank.
- To be neither an open redirect nor a way to make the server call other
  hosts, the notification URL must be http(s) on the host of
  ``CITYVIZ_PUBLIC_URL`` (default localhost) or the loopback, and the return
  URL on those or on the host the page was served from.
- Everything shown is HTML-escaped; the page has a strict Content Security
  Policy, cannot be framed, and is not cached.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from cityviz import config
from cityviz.services.billing import online_payment

logger = logging.getLogger(__name__)

PATH = "/banque-simulee"
NOTIFICATION_TIMEOUT = 5.0  # seconds
MAX_BODY = 16 * 1024
MAX_AMOUNT = Decimal("100000.00")
_TRANSACTION_RE = re.compile(r"^[A-Za-z0-9_.!:-]{1,100}\Z")
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
# The request fields the page carries from GET to POST.
_FIELDS = (
    "transaction_id",
    "amount",
    "email",
    "return_url",
    "direct_notification_url",
    "origin",
    "orderid",
    "subject",
)


def simulator_enabled() -> bool:
    """Only in a demonstration (CITYVIZ_DEMO_PAYMENTS=1)."""
    return config.get().demo_payments


class _BadRequest(Exception):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# ---------------------------------------------------------------------------
# Checking what the app asked


def _allowed_hosts(request: Request, *, with_request_host: bool) -> set[str]:
    hosts = set(_LOOPBACK)
    if with_request_host and request.url.hostname:
        # From the Host header: fine for the browser redirect (a victim's
        # browser sends the real host), never for a call made by the server.
        hosts.add(request.url.hostname.lower())
    public = urlsplit(config.get().public_url).hostname
    if public:
        hosts.add(public.lower())
    return hosts


def _check_url(request: Request, url: str, *, what: str, server_side: bool) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise _BadRequest(f"Adresse {what} non valide.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise _BadRequest(f"Adresse {what} non valide.")
    if parts.hostname.lower() not in _allowed_hosts(request, with_request_host=not server_side):
        raise _BadRequest(f"Adresse {what} refusée : elle doit désigner cette application.")
    return url


def _parse_amount(raw: str) -> Decimal:
    try:
        amount = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        raise _BadRequest("Montant non valide.") from None
    if not amount.is_finite() or amount <= 0 or amount > MAX_AMOUNT:
        raise _BadRequest("Montant non valide.")
    if amount != amount.quantize(Decimal("0.01")):
        raise _BadRequest("Montant non valide : deux décimales au plus.")
    return amount.quantize(Decimal("0.01"))


def _read(request: Request, fields: dict[str, str]) -> dict[str, str]:
    data = {name: fields.get(name, "").strip() for name in _FIELDS}
    if not _TRANSACTION_RE.match(data["transaction_id"]):
        raise _BadRequest("Numéro de transaction manquant ou non valide.")
    data["amount"] = f"{_parse_amount(data['amount'])}"
    data["return_url"] = _check_url(request, data["return_url"], what="de retour", server_side=False)
    data["direct_notification_url"] = _check_url(
        request, data["direct_notification_url"], what="de notification", server_side=True
    )
    for name, limit in (("email", 254), ("origin", 200), ("orderid", 100), ("subject", 500)):
        data[name] = data[name][:limit]
    return data


# ---------------------------------------------------------------------------
# Pages

_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:#eef1f5;color:#1d2430;line-height:1.5}
main{max-width:28rem;margin:0 auto;padding:1rem}
.banner{background:#8a4b00;color:#fff;text-align:center;font-weight:700;
padding:.6rem 1rem;border-radius:.5rem;margin:0 0 1rem}
.card{background:#fff;border-radius:.75rem;padding:1.25rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.2rem;margin:0 0 1rem}
.label{margin:0;text-align:center;color:#5a6270}
.amount{font-size:2rem;font-weight:700;margin:0 0 1rem;text-align:center}
dl{margin:0 0 1.25rem;display:grid;grid-template-columns:auto 1fr;gap:.35rem .75rem}
dt{color:#5a6270}dd{margin:0;overflow-wrap:anywhere}
.actions{display:flex;flex-direction:column;gap:.75rem}
button{font:inherit;font-weight:600;font-size:1.05rem;padding:.85rem 1rem;border:0;
border-radius:.5rem;cursor:pointer;min-height:3rem;width:100%}
button:focus-visible{outline:3px solid #1d2430;outline-offset:2px}
.accept{background:#176b34;color:#fff}.refuse{background:#fff;color:#a11d1d;border:2px solid #a11d1d}
.note{font-size:.85rem;color:#5a6270;margin:1rem 0 0;text-align:center}
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _page(title: str, body: str, *, status: int = 200, form_targets: str = "") -> HTMLResponse:
    document = (
        "<!DOCTYPE html>\n"
        '<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{_e(title)} — Banque simulée</title><style>{_CSS}</style></head>"
        '<body><main><p class="banner" role="note">Banque simulée — aucun paiement réel</p>'
        f"{body}</main></body></html>"
    )
    response = HTMLResponse(document, status_code=status)
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
        f"frame-ancestors 'none'; form-action 'self'{form_targets}"
    )
    _no_store(response)
    # Not "no-referrer" here: with it, the browser sends `Origin: null` with the page's own
    # form, and the origin check (cityviz/api/origin.py) rightly refuses that.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"


def _error_page(message: str) -> HTMLResponse:
    body = (
        '<div class="card"><h1>Demande de paiement non valide</h1>'
        f"<p>{_e(message)}</p></div>"
    )
    return _page("Demande non valide", body, status=400)


def _not_found() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain")


def _payment_page(data: dict[str, str]) -> HTMLResponse:
    amount_cents = int(Decimal(data["amount"]) * 100)
    rows = [("Référence", data["transaction_id"])]
    if data["orderid"]:
        rows.append(("Référence du service", data["orderid"]))
    if data["subject"]:
        rows.append(("Objet", data["subject"]))
    if data["origin"]:
        rows.append(("Demandé par", data["origin"]))
    if data["email"]:
        rows.append(("Payeur", data["email"]))
    details = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    hidden = "".join(
        f'<input type="hidden" name="{_e(name)}" value="{_e(data[name])}">'
        for name in _FIELDS
        if data[name]
    )
    body = (
        '<div class="card"><h1>Paiement par carte</h1>'
        '<p class="label">Montant à payer</p>'
        f'<p class="amount">{_e(online_payment.format_euros(amount_cents))}</p>'
        f"<dl>{details}</dl>"
        f'<form method="post" action="{_e(PATH)}">{hidden}<div class="actions">'
        '<button type="submit" name="decision" value="accept" class="accept">'
        "Accepter le paiement</button>"
        '<button type="submit" name="decision" value="refuse" class="refuse">'
        "Refuser le paiement</button></div></form>"
        '<p class="note">Page de test : aucune carte n’est demandée, aucun argent ne circule.</p>'
        "</div>"
    )
    return _page("Paiement", body, form_targets=_origin(data["return_url"]))


def _origin(url: str) -> str:
    """' http://localhost:3000' for the CSP form-action (the redirect after POST)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f" {parts.scheme}://{host}{port}"


def _done_page(accepted: bool) -> HTMLResponse:
    title = "Paiement accepté" if accepted else "Paiement refusé"
    body = (
        f'<div class="card"><h1>{_e(title)}</h1>'
        "<p>Aucune adresse de retour n’a été indiquée : vous pouvez fermer cette page.</p></div>"
    )
    return _page(title, body)


# ---------------------------------------------------------------------------
# Endpoints


def _append_query(url: str, fields: list[tuple[str, str]]) -> str:
    separator = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
    return f"{url}{separator}{urlencode(fields)}"


def routes(
    *, transport_factory: Callable[[], httpx.AsyncBaseTransport | None] | None = None
) -> list[Route]:
    """The simulator's routes, to mount in the backend's Starlette app.

    `transport_factory` (tests) gives the httpx transport used for the
    server-to-server notification; by default, the network.
    """

    async def notify(data: dict[str, str], answer: list[tuple[str, str]]) -> bool:
        url = data["direct_notification_url"]
        if not url:
            return True
        transport = transport_factory() if transport_factory else None
        try:
            async with httpx.AsyncClient(
                transport=transport, timeout=NOTIFICATION_TIMEOUT, follow_redirects=False
            ) as client:
                response = await client.post(
                    url,
                    content=urlencode(answer),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
            if response.status_code >= 400:
                logger.warning(
                    "banque simulée : notification %s refusée (HTTP %s) pour %s",
                    url, response.status_code, data["transaction_id"],
                )
                return False
        except httpx.HTTPError as exc:
            logger.warning(
                "banque simulée : notification %s impossible pour %s : %s",
                url, data["transaction_id"], exc,
            )
            return False
        return True

    async def show(request: Request) -> Response:
        if not simulator_enabled():
            return _not_found()
        try:
            data = _read(request, dict(request.query_params))
        except _BadRequest as exc:
            return _error_page(exc.message)
        return _payment_page(data)

    async def decide(request: Request) -> Response:
        if not simulator_enabled():
            return _not_found()
        body = await request.body()
        if len(body) > MAX_BODY:
            return _error_page("Demande trop volumineuse.")
        fields: dict[str, str] = {}
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            fields.setdefault(key, value)
        decision = fields.get("decision", "")
        if decision not in ("accept", "refuse"):
            return _error_page("Choisissez « Accepter le paiement » ou « Refuser le paiement ».")
        try:
            data = _read(request, fields)
        except _BadRequest as exc:
            return _error_page(exc.message)
        accepted = decision == "accept"

        def answer(signed: bool) -> list[tuple[str, str]]:
            return online_payment.dummy_answer(
                transaction_id=data["transaction_id"],
                amount=Decimal(data["amount"]),
                accepted=accepted,
                signed=signed,
                order_id=data["orderid"],
            )

        notified = await notify(data, answer(signed=True))
        if not data["return_url"]:
            response: Response = _done_page(accepted)
        else:
            response = RedirectResponse(
                _append_query(data["return_url"], answer(signed=False)), status_code=303
            )
            _no_store(response)
        response.headers["X-Banque-Simulee-Notification"] = "ok" if notified else "echec"
        return response

    return [
        Route(PATH, show, methods=["GET"]),
        Route(PATH, decide, methods=["POST"]),
    ]
