"""Staff: « Pièces à renouveler » (accepted documents that expired or soon will)."""

from __future__ import annotations

import reflex as rx

from cityviz.services.households import document_validity
from cityviz.services.households.document_validity import ExpiringDocument
from cityviz.state.base import AuthState, as_staff, read
from cityviz.state.paging import Paged

WINDOWS = {30: "30 jours", 60: "60 jours", 120: "4 mois"}


class ExpiringDocumentsState(Paged, AuthState):
    rows: list[ExpiringDocument] = []
    days: int = 60

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(document_validity.expiring_documents, actor=actor, organization_id=org_id,
                                           days=self.days, page=self.page, per_page=self.per_page)

    @rx.event
    async def load(self):
        return await self._first_page()

    @rx.event
    async def within(self, days: int):
        self.days = int(days) if int(days) in WINDOWS else 60
        return await self._first_page()
