"""« Statistiques CAF » of a month."""

from __future__ import annotations

import reflex as rx

from cityviz import clock
from cityviz.services.backoffice import caf
from cityviz.services.backoffice.caf import CafRow
from cityviz.state.base import AuthState, as_staff, errors_in, read
from cityviz.state.forms import text


class CafState(AuthState):
    month: str = ""
    rows: list[CafRow] = []
    error: str = ""

    @rx.event
    @as_staff
    @errors_in("error", rows=[])
    async def load(self, actor, org_id):
        if not self.month:
            today = clock.today()
            self.month = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"  # last month
        self.rows = await read(caf.caf_statistics, actor=actor, organization_id=org_id, month=self.month)

    @rx.event
    @as_staff
    @errors_in("error", rows=[])
    async def choose(self, actor, org_id, form: dict):
        self.month = text(form, "month")
        self.rows = await read(caf.caf_statistics, actor=actor, organization_id=org_id, month=self.month)

    @rx.event
    @as_staff
    async def export(self, actor, org_id, file_format: str):
        data, name = await read(caf.caf_export, actor=actor, organization_id=org_id, month=self.month,
                                file_format=file_format)
        return rx.download(data=data, filename=name)
