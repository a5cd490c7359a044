"""Parent pages of step 4: "Mes factures", one invoice, paying online."""

from __future__ import annotations

import json

import reflex as rx

from cityviz import routes
from cityviz.services.billing import invoices, pay_online
from cityviz.services.billing.invoices import DocumentRow, InvoiceDetail
from cityviz.state.base import AuthState, as_parent, errors_in, off_loop, read

PAYMENT_MESSAGES = {
    "paid": ("success", "Paiement reçu, merci ! Votre facture est réglée."),
    "refused": ("error", "Le paiement a été refusé par la banque : aucun montant n'a été prélevé. Vous pouvez réessayer."),
    "cancelled": ("error", "Paiement abandonné : aucun montant n'a été prélevé."),
    "error": ("error", "Le paiement n'a pas pu être confirmé. Contactez votre mairie si votre compte a été débité."),
    "pending": ("info", "Paiement en cours de confirmation par la banque : actualisez la page dans un instant."),
    "waiting": ("info", "Paiement en cours de confirmation par la banque : actualisez la page dans un instant."),
}


def document_kind(state: rx.State) -> str:
    return "credit_note" if state.router.url.query_parameters.get("type") == "avoir" else "invoice"


def document_id(state: AuthState) -> int:
    return state._query_int("id")


class InvoiceListState(AuthState):
    rows: list[DocumentRow] = []
    loaded: bool = False

    @rx.event
    @as_parent
    async def load(self, actor):
        self.rows = await read(invoices.household_documents, actor=actor)
        self.loaded = True


class InvoiceState(AuthState):
    detail: InvoiceDetail | None = None
    error: str = ""
    payment_tone: str = ""
    payment_message: str = ""
    paying: bool = False

    @rx.var
    def children(self) -> list[str]:
        """Children in the order of the lines (the invoice groups lines per child)."""
        if self.detail is None:
            return []
        return list(dict.fromkeys(line.child for line in self.detail.lines))

    @rx.var
    def pdf_url(self) -> str:
        if self.detail is None:
            return ""
        kind = "facture" if self.detail.kind == "invoice" else "avoir"
        return f"{routes.INVOICE_FILE}/{kind}/{self.detail.id}"

    @rx.event
    @as_parent
    @errors_in("error", detail=None)
    async def load(self, actor):
        self.paying = False
        outcome = self.router.url.query_parameters.get("paiement", "")
        self.payment_tone, self.payment_message = PAYMENT_MESSAGES.get(outcome, ("", ""))
        self.detail = await read(invoices.detail, actor=actor, kind=document_kind(self),
                                 document_id=document_id(self))

    def _not_paying(self, _actor) -> None:
        self.paying = False

    @rx.event
    @as_parent(recover=_not_paying)
    async def pay(self, actor):
        """Off to the bank (or the simulator): a redirect, or a form posted for the payer."""
        self.paying = True
        yield
        started = await off_loop(pay_online.start_online_payment, actor=actor, invoice_id=document_id(self))
        if started.is_redirect:
            yield rx.call_script(f"window.location.assign({json.dumps(started.url)})")
            return
        fields = json.dumps(list(started.form_fields))
        yield rx.call_script(
            "(() => { const f = document.createElement('form'); f.method = 'POST'; "
            f"f.action = {json.dumps(started.url)}; "
            f"for (const [n, v] of {fields}) {{ const i = document.createElement('input'); "
            "i.type = 'hidden'; i.name = n; i.value = v; f.appendChild(i); } "
            "document.body.appendChild(f); f.submit(); })()")
