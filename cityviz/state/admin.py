"""Staff home and platform administration pages."""

from __future__ import annotations

import reflex as rx

from cityviz.services.accounts import invitations, organizations, outbox
from cityviz.services.accounts.outbox import OutboxRow
from cityviz.services.backoffice import dashboard
from cityviz.services.backoffice.dashboard import OrganizationFigures, OrganizationRow
from cityviz.services.errors import DomainError
from cityviz.state.base import AuthState, in_read, in_transaction


class AdminHomeState(AuthState):
    organizations: list[OrganizationFigures] = []
    platform: dict[str, int] = {}

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("staff")
        if redirect:
            return redirect
        self.organizations = await in_read(dashboard.staff_overview, actor=actor)
        self.platform = (
            await in_read(dashboard.platform_figures, actor=actor) if actor.is_platform_admin else {}
        )


class OrganizationsState(AuthState):
    rows: list[OrganizationRow] = []
    error: str = ""
    staff_error: str = ""
    form_key: int = 0  # bumped to empty the forms after a success

    async def _reload(self, actor) -> None:
        self.rows = await in_read(dashboard.list_organizations, actor=actor)

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("platform")
        if redirect:
            return redirect
        self.error = self.staff_error = ""
        await self._reload(actor)

    @rx.event
    async def create(self, form: dict):
        actor, redirect = await self._guard("platform")
        if redirect:
            return redirect
        try:
            org = await in_transaction(organizations.create_organization, actor=actor,
                                       name=str(form.get("name", "")),
                                       postal_code=str(form.get("postal_code", "")),
                                       city=str(form.get("city", "")))
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        self.form_key += 1
        await self._reload(actor)
        return rx.toast.success(f"Organisation « {org.name} » créée.")

    @rx.event
    async def invite_staff(self, form: dict):
        actor, redirect = await self._guard("platform")
        if redirect:
            return redirect
        try:
            invited = await in_transaction(
                invitations.create_staff, actor=actor,
                organization_id=int(form.get("organization_id") or 0),
                email=str(form.get("email", "")), display_name=str(form.get("display_name", "")),
                role=str(form.get("role", "agent")),
            )
        except (DomainError, ValueError) as exc:
            self.staff_error = getattr(exc, "message", "Choisissez une organisation.")
            return
        self.staff_error = ""
        self.form_key += 1
        await self._reload(actor)
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")


class OutboxState(AuthState):
    rows: list[OutboxRow] = []
    total: int = 0
    page: int = 0
    per_page: int = 20

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("platform")
        if redirect:
            return redirect
        self.rows, self.total = await in_read(outbox.list_outbox, actor=actor, page=self.page,
                                              per_page=self.per_page)

    @rx.event
    async def next_page(self):
        if (self.page + 1) * self.per_page < self.total:
            self.page += 1
        return OutboxState.load

    @rx.event
    async def previous_page(self):
        self.page = max(0, self.page - 1)
        return OutboxState.load
