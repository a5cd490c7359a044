"""Staff pages of step 4: closing a month, invoices, one invoice with its credit notes,
payments and refunds. (Unpaid invoices, direct debits and the régie's settings: staff_regie.)"""

from __future__ import annotations

import reflex as rx

from cityviz import clock
from cityviz.services.billing import credits, invoices, payments, period_jobs, periods
from cityviz.services.billing.invoices import CreditableLine, InvoiceDetail, StaffInvoiceRow
from cityviz.services.billing.payments import Statement
from cityviz.services.billing.periods import Preview
from cityviz.state import job_watch
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import date_field, text, ticked, whole
from cityviz.state.invoices import document_id, document_kind
from cityviz.state.paging import Paged


def _previous_month() -> str:
    today = clock.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


class BillingState(AuthState):
    month: str = ""
    preview: Preview | None = None
    page: int = 0
    period_id: int = 0
    status: str = ""
    done: int = 0
    total: int = 0
    running: bool = False
    error: str = ""

    @rx.var
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))

    @errors_in("error", preview=None)
    async def _refresh(self, actor, org_id) -> None:
        self.preview = await read(periods.preview_period, actor=actor, organization_id=org_id, month=self.month,
                                  page=self.page)
        self.status = self.preview.status

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.month = self.month or _previous_month()
        self.page = 0
        await self._refresh(actor, org_id)
        if self.status == "issuing" and not self.running:
            return BillingState.watch

    @rx.event
    @as_staff
    async def choose(self, actor, org_id, form: dict):
        self.month, self.page = text(form, "month"), 0
        await self._refresh(actor, org_id)

    @rx.event
    @as_staff
    async def turn_page(self, actor, org_id, delta: int):
        self.page = max(0, self.page + int(delta))
        await self._refresh(actor, org_id)

    @rx.event
    @as_staff
    @errors_in("error")
    async def issue(self, actor, org_id):
        """Ask a worker to issue the month (a job, « Tâches »); the progress bar follows it."""
        await write(period_jobs.request_issue, actor=actor, organization_id=org_id, month=self.month)
        self.running, self.status = True, "issuing"
        self.done, self.total = 0, self.preview.households if self.preview else 0
        return BillingState.watch

    async def _show_issue(self, state: period_jobs.IssueStatus) -> None:
        self.status, self.done, self.total = state.period_status, state.done, state.total
        self.running, self.error = state.active, state.problem
        if state.period_status == "issued":
            self.running = False
            actor, org_id, _redirect = await self._staff_guard()
            if actor is not None:
                await self._refresh(actor, org_id)

    @staticmethod
    def _issue_finished(state: period_jobs.IssueStatus) -> str | None:
        if state.period_status == "issued":
            return f"{state.done} foyer(s) facturé(s) : factures envoyées aux familles."
        if state.period_status != "issuing" or state.job_status in ("", "failed", "succeeded"):
            return ""
        return None

    @rx.event(background=True)
    async def watch(self):
        """Follow the issuing job (this visit's, someone else's or an earlier one) until it ends."""
        async for event in job_watch.follow(
                self, key=lambda state: state.month,
                poll=lambda actor, org_id, month: read(period_jobs.issue_status, actor=actor,
                                                       organization_id=org_id, month=month),
                show=BillingState._show_issue, finished=BillingState._issue_finished):
            yield event


class StaffInvoicesState(Paged, AuthState):
    rows: list[StaffInvoiceRow] = []
    search: str = ""
    status: str = ""
    month: str = ""
    per_page: int = 30

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(invoices.list_documents, actor=actor, organization_id=org_id,
                                           search=self.search, status=self.status, month=self.month,
                                           page=self.page, per_page=self.per_page)

    @rx.event
    async def load(self):
        # A link may open the list filtered: /admin/factures?etat=late
        status = self.router.url.query_parameters.get("etat", "")
        if status in invoices.STATUS_FILTERS:
            self.status = status
        return await self._first_page()

    @rx.event
    async def filter(self, form: dict):
        self.search, self.status, self.month = text(form, "search"), text(form, "status"), text(form, "month")
        return await self._first_page()


class StaffInvoiceState(AuthState):
    """One invoice: its lines, a credit note, a payment; the family's account."""

    detail: InvoiceDetail | None = None
    lines: list[CreditableLine] = []
    statement: Statement | None = None
    household_id: int = 0
    error: str = ""
    form_key: int = 0
    today: str = ""

    async def _reload(self, actor, org_id) -> None:
        self.today = clock.today().isoformat()
        kind, doc_id = document_kind(self), document_id(self)
        self.detail = await read(invoices.detail, actor=actor, kind=kind, document_id=doc_id)
        self.household_id = await read(invoices.household_of, actor=actor, kind=kind, document_id=doc_id)
        self.lines = (await read(invoices.creditable_lines, actor=actor, invoice_id=doc_id)
                      if kind == "invoice" else [])
        self.statement = await read(payments.statement, actor=actor, organization_id=org_id,
                                    household_id=self.household_id)
        self.form_key += 1

    @rx.event
    @as_staff
    @errors_in("error", detail=None)
    async def load(self, actor, org_id):
        await self._reload(actor, org_id)

    # The forms are far below the error text: a refusal is a toast as well.
    @errors_in("error", toast=True)
    async def _act(self, actor, org_id, fn, message: str, **kwargs):
        await write(fn, actor=actor, **kwargs)
        await self._reload(actor, org_id)
        return rx.toast.success(message)

    @rx.event
    @as_staff
    async def credit(self, actor, org_id, form: dict):
        return await self._act(actor, org_id, credits.issue_credit_note, "Avoir émis et imputé.",
                               invoice_id=document_id(self), reason=text(form, "reason"),
                               line_ids=ticked(form, "line") or None)

    @rx.event
    @as_staff
    async def record_payment(self, actor, org_id, form: dict):
        received = date_field(form, "received_on", "Date de réception invalide.", default=clock.today().isoformat())
        return await self._act(actor, org_id, payments.record_payment, "Paiement enregistré.",
                               organization_id=org_id, household_id=self.household_id, method=text(form, "method"),
                               amount=text(form, "amount"), received_on=received, reference=text(form, "reference"),
                               invoice_ids=ticked(form, "pay") or None)

    @rx.event
    @as_staff
    async def refund(self, actor, org_id, form: dict):
        return await self._act(actor, org_id, payments.refund, "Remboursement enregistré.", organization_id=org_id,
                               household_id=self.household_id, source=text(form, "source"),
                               amount=text(form, "amount"), method=text(form, "method"),
                               reason=text(form, "reason"))

    @rx.event
    @as_staff
    async def reverse(self, actor, org_id, form: dict):
        return await self._act(actor, org_id, payments.reverse_payment, "Paiement rejeté : les factures qu'il "
                               "réglait sont de nouveau dues.", organization_id=org_id,
                               payment_id=whole(form, "payment", "Choisissez le paiement à rejeter."), reason=text(form, "reason"))
