"""Staff pages of step 4: closing a month, invoices, credit notes, payments,
unpaid invoices, direct debits, the régie's settings."""

from __future__ import annotations

import asyncio
from datetime import date

import reflex as rx

from cityviz import clock
from cityviz.services.billing import (
    credits,
    direct_debits,
    invoices,
    online_payment,
    payments,
    period_jobs,
    periods,
    regie,
)
from cityviz.services.billing.direct_debits import DebitRow
from cityviz.services.billing.invoices import CreditableLine, InvoiceDetail, StaffInvoiceRow
from cityviz.services.billing.online_payment import OptionSpec
from cityviz.services.billing.payments import Statement, UnpaidRow
from cityviz.services.billing.periods import Preview
from cityviz.services.errors import DomainError, InvalidInput
from cityviz.services.households import families
from cityviz.services.households.families import FamilyRow
from cityviz.state.base import AuthState, in_read, in_transaction
from cityviz.state.invoices import document_id, document_kind


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

    async def _refresh(self, actor, org_id) -> None:
        self.preview = await in_read(periods.preview_period, actor=actor, organization_id=org_id, month=self.month,
                                     page=self.page)
        self.status = self.preview.status

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.month = self.month or _previous_month()
        self.error, self.page = "", 0
        try:
            await self._refresh(actor, org_id)
        except DomainError as exc:
            self.error = exc.message
        if self.status == "issuing" and not self.running:
            return BillingState.watch

    @rx.event
    async def choose(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.month, self.page, self.error = str(form.get("month", "")), 0, ""
        try:
            await self._refresh(actor, org_id)
        except DomainError as exc:
            self.preview, self.error = None, exc.message

    @rx.event
    async def turn_page(self, delta: int):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.page = max(0, self.page + int(delta))
        await self._refresh(actor, org_id)

    @rx.event
    async def issue(self):
        """Ask a worker to issue the month (a job, « Tâches »); the progress bar follows it."""
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.error = ""
        try:
            await in_transaction(period_jobs.request_issue, actor=actor, organization_id=org_id, month=self.month)
        except DomainError as exc:
            self.error = exc.message
            return
        self.running, self.status = True, "issuing"
        self.done, self.total = 0, self.preview.households if self.preview else 0
        return BillingState.watch

    @rx.event(background=True)
    async def watch(self):
        """Follow the issuing job (this visit's, someone else's or an earlier one) until it ends."""
        async with self:
            actor, org_id, redirect = await self._staff_guard()
            if redirect:
                return
            month = self.month
        for _ in range(3600):
            state = await in_read(period_jobs.issue_status, actor=actor, organization_id=org_id, month=month)
            async with self:
                if self.month != month:
                    return
                self.status, self.done, self.total = state.period_status, state.done, state.total
                self.running, self.error = state.active, state.problem
                if state.period_status == "issued":
                    self.running = False
                    await self._refresh(actor, org_id)
            if state.period_status == "issued":
                yield rx.toast.success(f"{self.done} foyer(s) facturé(s) : factures envoyées aux familles.")
                return
            if state.period_status != "issuing" or state.job_status in ("", "failed", "succeeded"):
                return
            await asyncio.sleep(1)


class StaffInvoicesState(AuthState):
    rows: list[StaffInvoiceRow] = []
    total: int = 0
    page: int = 0
    search: str = ""

    async def _reload(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows, self.total = await in_read(invoices.list_documents, actor=actor, organization_id=org_id,
                                              search=self.search, page=self.page)

    @rx.event
    async def load(self):
        self.page = 0
        return await self._reload()

    @rx.event
    async def filter(self, form: dict):
        self.search, self.page = str(form.get("search", "")), 0
        return await self._reload()

    @rx.event
    async def turn_page(self, delta: int):
        self.page = max(0, self.page + int(delta))
        return await self._reload()


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
        self.detail = await in_read(invoices.detail, actor=actor, kind=kind, document_id=doc_id)
        self.household_id = await in_read(invoices.household_of, actor=actor, kind=kind, document_id=doc_id)
        self.lines = (await in_read(invoices.creditable_lines, actor=actor, invoice_id=doc_id)
                      if kind == "invoice" else [])
        self.statement = await in_read(payments.statement, actor=actor, organization_id=org_id,
                                       household_id=self.household_id)
        self.form_key += 1

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.error = ""
        try:
            await self._reload(actor, org_id)
        except DomainError as exc:
            self.detail, self.error = None, exc.message

    async def _act(self, fn, message: str, **kwargs):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(fn, actor=actor, **kwargs)
        except DomainError as exc:
            self.error = exc.message
            return rx.toast.error(exc.message)
        self.error = ""
        await self._reload(actor, org_id)
        return rx.toast.success(message)

    @rx.event
    async def credit(self, form: dict):
        line_ids = [int(k.split("-")[1]) for k, v in form.items() if k.startswith("line-") and v]
        return await self._act(credits.issue_credit_note, "Avoir émis et imputé.", invoice_id=document_id(self),
                               reason=str(form.get("reason", "")), line_ids=line_ids or None)

    @rx.event
    async def record_payment(self, form: dict):
        _actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            received = date.fromisoformat(str(form.get("received_on") or clock.today().isoformat()))
        except ValueError:
            return rx.toast.error("Date de réception invalide.")
        chosen = [int(k.split("-")[1]) for k, v in form.items() if k.startswith("pay-") and v]
        return await self._act(payments.record_payment, "Paiement enregistré.", organization_id=org_id,
                               household_id=self.household_id, method=str(form.get("method", "")),
                               amount=str(form.get("amount", "")), received_on=received,
                               reference=str(form.get("reference", "")), invoice_ids=chosen or None)

    @rx.event
    async def refund(self, form: dict):
        _actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        return await self._act(payments.refund, "Remboursement enregistré.", organization_id=org_id,
                               household_id=self.household_id, amount=str(form.get("amount", "")),
                               method=str(form.get("method", "")), reason=str(form.get("reason", "")))


class UnpaidState(AuthState):
    rows: list[UnpaidRow] = []
    total: str = ""

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows, self.total = await in_read(payments.unpaid, actor=actor, organization_id=org_id)

    @rx.event
    async def download(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        data = await in_read(payments.unpaid_csv, actor=actor, organization_id=org_id)
        return rx.download(data=data, filename=f"impayes-{clock.today().isoformat()}.csv")

    @rx.event
    async def remind(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        chosen = [int(k.split("-")[1]) for k, v in form.items() if k.startswith("invoice-") and v]
        try:
            sent = await in_transaction(payments.send_reminders, actor=actor, organization_id=org_id,
                                        invoice_ids=chosen)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.rows, self.total = await in_read(payments.unpaid, actor=actor, organization_id=org_id)
        return rx.toast.success(f"{sent} relance(s) envoyée(s).")


class RegieState(AuthState):
    legal_name: str = ""
    legal_address: str = ""
    siret: str = ""
    due_days: str = "30"
    backend: str = ""
    options: dict[str, str] = {}
    option_specs: list[OptionSpec] = []
    backends: list[list[str]] = []
    creditor_id: str = ""
    iban: str = ""
    bic: str = ""
    debit_day: str = "10"
    school_zone: str = ""
    reminder_days: str = "0"
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        r = await in_read(regie.regie_settings, actor=actor, organization_id=org_id)
        self.legal_name, self.legal_address, self.siret = r.legal_name, r.legal_address, r.siret
        self.due_days, self.backend, self.options = str(r.invoice_due_days), r.payment_backend, r.payment_options
        self.creditor_id, self.iban, self.bic, self.debit_day = (r.sepa_creditor_id, r.sepa_iban, r.sepa_bic,
                                                                 str(r.direct_debit_day))
        self.school_zone, self.reminder_days = r.school_zone, str(r.reminder_every_days)
        self.backends = [["", "Pas de paiement en ligne"], *[[k, v] for k, v in online_payment.SUPPORTED_BACKENDS.items()]]
        self.option_specs = online_payment.backend_options(self.backend) if self.backend else []
        self.error = ""
        self.form_key += 1

    @rx.event
    def choose_backend(self, backend: str):
        self.backend = backend
        self.option_specs = online_payment.backend_options(backend) if backend else []

    @rx.event
    async def save(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            due, day = int(form.get("due_days") or 0), int(form.get("debit_day") or 0)
            reminder_days = int(form.get("reminder_days") or 0)
        except ValueError:
            self.error = "Le délai, le jour de prélèvement et la fréquence des relances sont des nombres entiers."
            return
        options = {k[4:]: v for k, v in form.items() if k.startswith("opt-") and str(v).strip()}
        try:
            await in_transaction(regie.save_regie, actor=actor, organization_id=org_id,
                                 legal_name=str(form.get("legal_name", "")),
                                 legal_address=str(form.get("legal_address", "")), siret=str(form.get("siret", "")),
                                 invoice_due_days=due, payment_backend=self.backend, payment_options=options,
                                 sepa_creditor_id=str(form.get("creditor_id", "")), sepa_iban=str(form.get("iban", "")),
                                 sepa_bic=str(form.get("bic", "")), direct_debit_day=day,
                                 school_zone=str(form.get("school_zone", "")), reminder_every_days=reminder_days)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        return rx.toast.success("Réglages de la régie enregistrés.")


class DebitsState(AuthState):
    rows: list[DebitRow] = []
    families: list[FamilyRow] = []
    search: str = ""
    chosen: int = 0
    chosen_name: str = ""
    error: str = ""
    rejecting: int = 0
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await in_read(direct_debits.list_debits, actor=actor, organization_id=org_id)

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.chosen, self.error, self.rejecting, self.families = 0, "", 0, []
        await self._reload(actor, org_id)

    @rx.event
    async def find(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.search = str(form.get("search", ""))
        self.families, _total = await in_read(families.list_families, actor=actor, organization_id=org_id,
                                              search=self.search)

    @rx.event
    def choose(self, household_id: int, name: str):
        self.chosen, self.chosen_name = int(household_id), name
        self.form_key += 1

    @rx.event
    async def save_mandate(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            try:
                signed = date.fromisoformat(str(form.get("signed_on")))
            except ValueError as exc:
                raise InvalidInput("Indiquez la date de signature du mandat.") from exc
            await in_transaction(direct_debits.save_mandate, actor=actor, organization_id=org_id,
                                 household_id=self.chosen, holder_name=str(form.get("holder_name", "")),
                                 iban=str(form.get("iban", "")), bic=str(form.get("bic", "")),
                                 reference=str(form.get("reference", "")), signed_on=signed)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error, self.chosen, self.families = "", 0, []
        return rx.toast.success("Mandat enregistré : les prochaines factures de ce foyer seront prélevées.")

    @rx.event
    async def export(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            data, name = await in_transaction(direct_debits.export_file, actor=actor, organization_id=org_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)
        return rx.download(data=data, filename=name)

    @rx.event
    async def mark_paid(self, debit_id: int):
        return await self._settle(int(debit_id), True, "")

    @rx.event
    def start_reject(self, debit_id: int):
        self.rejecting = int(debit_id)

    @rx.event
    async def reject(self, form: dict):
        return await self._settle(self.rejecting, False, str(form.get("reason", "")))

    async def _settle(self, debit_id: int, paid: bool, reason: str):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            await in_transaction(direct_debits.settle, actor=actor, debit_id=debit_id, paid=paid, reason=reason)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.rejecting = 0
        await self._reload(actor, org_id)
        return rx.toast.success("Prélèvement payé." if paid else "Prélèvement rejeté : la facture est à nouveau due.")

