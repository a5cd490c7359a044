"""Staff pages of the régie: unpaid invoices and reminders, direct debits (mandates, the SEPA
file, paid or rejected debits), the régie's settings (legal details, online payment, SEPA)."""

from __future__ import annotations

import reflex as rx

from cityviz import clock
from cityviz.services.billing import direct_debits, online_payment, payments, regie
from cityviz.services.billing.direct_debits import DebitRow
from cityviz.services.billing.online_payment import OptionSpec
from cityviz.services.billing.payments import UnpaidRow
from cityviz.services.formatting import format_money
from cityviz.services.households import families
from cityviz.services.households.families import FamilyRow
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import date_field, text, texts, ticked, whole


class UnpaidState(AuthState):
    rows: list[UnpaidRow] = []
    total: str = ""

    async def _reload(self, actor, org_id) -> None:
        self.rows, self.total = await read(payments.unpaid, actor=actor, organization_id=org_id)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def download(self, actor, org_id):
        data = await read(payments.unpaid_csv, actor=actor, organization_id=org_id)
        return rx.download(data=data, filename=f"impayes-{clock.today().isoformat()}.csv")

    @rx.event
    @as_staff
    async def remind(self, actor, org_id, form: dict):
        sent = await write(payments.send_reminders, actor=actor, organization_id=org_id,
                           invoice_ids=ticked(form, "invoice"))
        await self._reload(actor, org_id)
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
    on_simulator: bool = False
    send_pdf: bool = False
    error: str = ""
    form_key: int = 0

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        r = await read(regie.regie_settings, actor=actor, organization_id=org_id)
        self.legal_name, self.legal_address, self.siret = r.legal_name, r.legal_address, r.siret
        self.due_days, self.backend, self.options = str(r.invoice_due_days), r.payment_backend, r.payment_options
        self.creditor_id, self.iban, self.bic, self.debit_day = (r.sepa_creditor_id, r.sepa_iban, r.sepa_bic,
                                                                 str(r.direct_debit_day))
        self.school_zone, self.reminder_days = r.school_zone, str(r.reminder_every_days)
        self.backends, self.on_simulator = [list(choice) for choice in r.backend_choices], r.on_simulator
        self.send_pdf = r.email_invoice_pdf
        self.option_specs = online_payment.backend_options(self.backend) if self.backend else []
        self.error = ""
        self.form_key += 1

    @rx.event
    def choose_backend(self, backend: str):
        self.backend = backend
        self.option_specs = online_payment.backend_options(backend) if backend else []

    @rx.event
    @as_staff
    @errors_in("error")
    async def save(self, actor, org_id, form: dict):
        not_whole = "Le délai, le jour de prélèvement et la fréquence des relances sont des nombres entiers."
        await write(regie.save_regie, actor=actor, organization_id=org_id,
                    invoice_due_days=whole(form, "due_days", not_whole),
                    direct_debit_day=whole(form, "debit_day", not_whole), payment_backend=self.backend,
                    reminder_every_days=whole(form, "reminder_days", not_whole),
                    email_invoice_pdf=bool(form.get("send_pdf")),
                    payment_options={k[4:]: v for k, v in form.items() if k.startswith("opt-") and str(v).strip()},
                    sepa_creditor_id=text(form, "creditor_id"), sepa_iban=text(form, "iban"),
                    sepa_bic=text(form, "bic"), **texts(form, "legal_name", "legal_address", "siret", "school_zone"))
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
    pending: str = ""  # what an export would send ("" : nothing)

    async def _reload(self, actor, org_id) -> None:
        self.rows = await read(direct_debits.list_debits, actor=actor, organization_id=org_id)
        self.pending = await read(direct_debits.pending_summary, actor=actor, organization_id=org_id)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.chosen, self.error, self.rejecting, self.families = 0, "", 0, []
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def find(self, actor, org_id, form: dict):
        self.search = text(form, "search")
        self.families, _total = await read(families.list_families, actor=actor, organization_id=org_id,
                                           search=self.search)

    @rx.event
    def choose(self, household_id: int, name: str):
        self.chosen, self.chosen_name = int(household_id), name
        self.form_key += 1

    @rx.event
    @as_staff
    @errors_in("error")
    async def save_mandate(self, actor, org_id, form: dict):
        signed = date_field(form, "signed_on", "Indiquez la date de signature du mandat.")
        await write(direct_debits.save_mandate, actor=actor, organization_id=org_id, household_id=self.chosen,
                    signed_on=signed, **texts(form, "holder_name", "iban", "bic", "reference"))
        self.chosen, self.families = 0, []
        return rx.toast.success("Mandat enregistré : les prochaines factures de ce foyer seront prélevées.")

    @rx.event
    @as_staff
    async def export(self, actor, org_id):
        data, name, count, cents = await write(direct_debits.export_file, actor=actor, organization_id=org_id)
        await self._reload(actor, org_id)
        return [rx.download(data=data, filename=name),
                rx.toast.success(f"Fichier {name} : {count} prélèvement(s), {format_money(cents)}. "
                                 "Déposez-le sur le site de votre banque.")]

    @rx.event
    def start_reject(self, debit_id: int):
        self.rejecting = int(debit_id)

    @rx.event
    @as_staff
    async def mark_paid(self, actor, org_id, debit_id: int):
        return await self._settle(actor, org_id, int(debit_id), paid=True)

    @rx.event
    @as_staff
    async def reject(self, actor, org_id, form: dict):
        return await self._settle(actor, org_id, self.rejecting, paid=False, reason=text(form, "reason"))

    async def _settle(self, actor, org_id, debit_id: int, *, paid: bool, reason: str = ""):
        await write(direct_debits.settle, actor=actor, debit_id=debit_id, paid=paid, reason=reason)
        self.rejecting = 0
        await self._reload(actor, org_id)
        return rx.toast.success("Prélèvement payé." if paid else "Prélèvement rejeté : la facture est à nouveau due.")
