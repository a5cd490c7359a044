"""Parent page « Attestations »: the tax certificate per child and year; the PDFs come from
/fichiers/attestation (produced on demand, for the household of the session only)."""

from __future__ import annotations

import json

import reflex as rx

from cityviz import clock, routes
from cityviz.services.billing import certificate_pdf, certificates
from cityviz.services.billing.certificates import TaxRow
from cityviz.services.households import people
from cityviz.state.base import AuthState, as_parent, read
from cityviz.state.forms import date_field, whole


class CertificatesState(AuthState):
    year: int = 0
    years: list[str] = []
    rows: list[TaxRow] = []
    children: list[list[str]] = []
    first_day: str = ""
    today_iso: str = ""

    @rx.event
    @as_parent
    async def load(self, actor):
        today = clock.today()
        if self.year not in range(today.year - 3, today.year + 1):
            self.year = today.year - 1  # in January, last year's certificate
        self.years = [str(y) for y in range(today.year, today.year - 4, -1)]
        self.first_day, self.today_iso = today.replace(month=1, day=1).isoformat(), today.isoformat()
        self.children = [[str(c.id), c.first_name] for c in await read(people.list_children, actor=actor)]
        self.rows = await read(certificates.tax_summary, actor=actor, year=self.year)

    @rx.event
    @as_parent
    async def choose_year(self, actor, year: str):
        self.year = int(year)
        self.rows = await read(certificates.tax_summary, actor=actor, year=self.year)

    @rx.event
    @as_parent
    async def presence(self, actor, form: dict):
        child_id = whole(form, "presence_child", "Choisissez l'enfant.")
        start, end = self._period(form, "presence")
        await read(certificate_pdf.certificate_file, actor=actor, kind="presence", child_id=child_id, start=start,
                   end=end)  # refused here with its French message rather than on a blank page
        return _download(f"{routes.CERTIFICATE_PDF}/presence?enfant={child_id}&du={start}&au={end}")

    @rx.event
    @as_parent
    async def payment(self, actor, form: dict):
        start, end = self._period(form, "payment")
        await read(certificate_pdf.certificate_file, actor=actor, kind="paiement", start=start, end=end)
        return _download(f"{routes.CERTIFICATE_PDF}/paiement?du={start}&au={end}")

    def _period(self, form: dict, kind: str):
        message = "Indiquez les dates de début et de fin."
        return date_field(form, f"{kind}_from", message), date_field(form, f"{kind}_to", message)


def _download(url: str):
    """The browser fetches the PDF (sent as an attachment: the page stays)."""
    return rx.call_script(f"window.location.href = {json.dumps(url)}")
