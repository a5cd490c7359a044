"""Staff home and platform administration pages."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.services.accounts import invitations, organizations, outbox
from cityviz.services.accounts.outbox import OutboxRow
from cityviz.services.backoffice import dashboard
from cityviz.services.backoffice.dashboard import Board, OrganizationFigures, OrganizationRow
from cityviz.state.base import AuthState, as_back_office, as_platform, errors_in, read, write
from cityviz.state.forms import text, texts, whole
from cityviz.state.paging import Paged

# The list behind each figure of the board (services name the page, the UI knows its address).
BOARD_PAGES = {"attendance": routes.ADMIN_ATTENDANCE, "dossiers": routes.ADMIN_DOSSIERS,
               "registrations": routes.ADMIN_REGISTRATIONS, "messages": routes.ADMIN_MESSAGES,
               "invoices": routes.ADMIN_INVOICES}


class AdminHomeState(AuthState):
    organizations: list[OrganizationFigures] = []
    platform: dict[str, int] = {}
    board: Board | None = None
    links: list[str] = []  # the address behind each figure of the board, in order
    activity_links: list[str] = []

    @rx.event
    @as_back_office
    async def load(self, actor):
        self.organizations = await read(dashboard.staff_overview, actor=actor)
        self.platform = await read(dashboard.platform_figures, actor=actor) if actor.is_platform_admin else {}
        self.board = None
        if actor.roles:
            org_id = self.org_id if self.org_id in actor.roles else min(actor.roles)
            self.board = await read(dashboard.today_board, actor=actor, organization_id=org_id)
            self.links = [BOARD_PAGES[f.page] + (f"?{f.query}" if f.query else "") for f in self.board.figures]
            self.activity_links = [f"{routes.ADMIN_OCCUPANCY}?{a.query}" for a in self.board.activities]


class OrganizationsState(AuthState):
    rows: list[OrganizationRow] = []
    error: str = ""
    staff_error: str = ""
    form_key: int = 0  # bumped to empty the forms after a success

    async def _reload(self, actor) -> None:
        self.rows = await read(dashboard.list_organizations, actor=actor)

    @rx.event
    @as_platform
    async def load(self, actor):
        self.error = self.staff_error = ""
        await self._reload(actor)

    @rx.event
    @as_platform
    @errors_in("error")
    async def create(self, actor, form: dict):
        org = await write(organizations.create_organization, actor=actor,
                          **texts(form, "name", "postal_code", "city"))
        self.form_key += 1
        await self._reload(actor)
        return rx.toast.success(f"Organisation « {org.name} » créée.")

    @rx.event
    @as_platform
    @errors_in("staff_error")
    async def invite_staff(self, actor, form: dict):
        invited = await write(invitations.create_staff, actor=actor,
                              organization_id=whole(form, "organization_id", "Choisissez une organisation."),
                              email=text(form, "email"), display_name=text(form, "display_name"),
                              role=str(form.get("role", "agent")))
        self.form_key += 1
        await self._reload(actor)
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")


class OutboxState(Paged, AuthState):
    rows: list[OutboxRow] = []

    @as_platform
    async def _show_page(self, actor):
        self.rows, self.total = await read(outbox.list_outbox, actor=actor, page=self.page, per_page=self.per_page)

    @rx.event
    async def load(self):
        return await self._show_page()
