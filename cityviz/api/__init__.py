"""HTTP endpoints served by the Reflex backend next to its websocket:
session cookie exchange, and (later) file downloads, calendar feeds,
payment notifications."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from cityviz import routes
from cityviz.api import bank_simulator, early_submit, files, payments, session
from cityviz.api.origin import OriginCheck
from cityviz.observability import http as observability


def build_api() -> Starlette:
    return Starlette(
        # OriginCheck wraps Reflex's own app too (mounted inside this one): websocket, uploads.
        middleware=[Middleware(observability.RequestContext), Middleware(OriginCheck)],
        routes=[
            # Before Reflex's own: ours also checks the job queue (Reflex's /ping stays).
            Route(routes.HEALTH, observability.health_endpoint, methods=["GET"]),
            Route(routes.METRICS, observability.metrics_endpoint, methods=["GET"]),
            Route(routes.SESSION_ENDPOINT, session.open_session, methods=["GET"]),
            Route(routes.LOGOUT_ENDPOINT, session.clear_session, methods=["POST"]),
            Route(routes.FORM_FALLBACK, early_submit.early_submit, methods=["POST"]),
            Route(routes.DOCUMENT_FILE + "/{item_id}", files.document, methods=["GET"]),
            Route(routes.CERTIFICATE_FILE + "/{item_id}", files.certificate, methods=["GET"]),
            Route(routes.CAMPAIGN_FILE + "/{item_id}", files.campaign_document, methods=["GET"]),
            Route(routes.PAI_FILE + "/{item_id}", files.pai, methods=["GET"]),
            Route(routes.MESSAGE_FILE + "/{item_id}", files.message_attachment, methods=["GET"]),
            Route(routes.AVATAR_FILE + "/{item_id}", files.photo, methods=["GET"]),
            Route(routes.NEWS_IMAGE + "/{item_id}", files.news_image, methods=["GET"]),
            Route(routes.EXPORT, files.export, methods=["GET"]),
            Route(routes.DAILY_COUNTS, files.daily_counts, methods=["GET"]),
            Route(routes.MENU_PDF, files.menu_week, methods=["GET"]),
            Route(routes.CALENDAR_FEED + "/{token}.ics", files.calendar_feed, methods=["GET"]),
            Route(routes.INVOICE_FILE + "/{kind}/{item_id}", files.invoice_pdf, methods=["GET"]),
            Route(routes.CERTIFICATE_PDF + "/{kind}", files.certificate_pdf_file, methods=["GET"]),
            Route("/paiement/notification/{organization_id}", payments.notification, methods=["GET", "POST"]),
            Route("/paiement/retour/{organization_id}", payments.payer_return, methods=["GET"]),
            *bank_simulator.routes(),
        ]
    )
