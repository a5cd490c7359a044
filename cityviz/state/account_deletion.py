"""« Supprimer mon compte » (profile page) and the staff list of requests to decide."""

from __future__ import annotations

import reflex as rx

from cityviz.services.operations import deletion_requests as requests
from cityviz.services.operations.deletion_requests import DeletionRow
from cityviz.state.base import LEAVE_SCRIPT, AuthState, as_parent, as_staff, read, write


class AccountDeletionState(AuthState):
    """The parent's side: ask, see where the request stands, cancel it."""

    deletion_status: str = ""  # "", pending, refused
    deletion_requested_at: str = ""
    deletion_refusal: str = ""

    async def _reload(self, actor) -> None:
        mine = await read(requests.my_request, actor=actor)
        self.deletion_status, self.deletion_requested_at = mine.status, mine.requested_at
        self.deletion_refusal = mine.refusal_reason

    @rx.event
    @as_parent
    async def load(self, actor):
        await self._reload(actor)

    @rx.event
    @as_parent
    async def ask(self, actor):
        if await write(requests.request_deletion, actor=actor) == "done":
            # Nobody had to confirm: the account is gone already, and with it this session.
            return rx.call_script(LEAVE_SCRIPT)
        await self._reload(actor)
        return rx.toast.success("Demande envoyée : votre organisation va la confirmer.")

    @rx.event
    @as_parent
    async def cancel(self, actor):
        await write(requests.cancel_request, actor=actor)
        await self._reload(actor)
        return rx.toast.success("Demande de suppression annulée.")


class DeletionRequestsState(AuthState):
    """Staff: pending requests of the organization's families; the retention setting."""

    rows: list[DeletionRow] = []
    refusing: int = 0
    retention_years: str = "3"
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await read(requests.list_requests, actor=actor, organization_id=org_id)
        self.retention_years = str(await read(requests.retention_years, actor=actor, organization_id=org_id))
        self.form_key += 1

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.refusing = 0
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def confirm(self, actor, org_id, request_id: int):
        await write(requests.confirm, actor=actor, organization_id=org_id, request_id=int(request_id))
        await self._reload(actor, org_id)
        return rx.toast.success("Compte supprimé : les données personnelles de la famille sont effacées.")

    @rx.event
    def start_refusal(self, request_id: int):
        self.refusing = int(request_id)

    @rx.event
    @as_staff
    async def refuse(self, actor, org_id, form: dict):
        await write(requests.refuse, actor=actor, organization_id=org_id, request_id=self.refusing,
                    reason=str(form.get("reason", "")))
        self.refusing = 0
        await self._reload(actor, org_id)
        return rx.toast.success("Demande refusée : la famille est prévenue par e-mail.")

    @rx.event
    @as_staff
    async def save_retention(self, actor, org_id, form: dict):
        try:
            years = int(form.get("years") or 0)
        except ValueError:
            years = 0
        await write(requests.save_retention_years, actor=actor, organization_id=org_id, years=years)
        await self._reload(actor, org_id)
        return rx.toast.success("Durée de conservation enregistrée.")
