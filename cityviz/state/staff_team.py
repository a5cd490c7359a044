"""« Équipe »: colleagues, their roles and an animateur's activities."""

from __future__ import annotations

import reflex as rx

from cityviz.services.accounts import team
from cityviz.services.accounts.team import TeamMember
from cityviz.services.booking import attendance
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text, texts, ticked


class TeamState(AuthState):
    members: list[TeamMember] = []
    activity_choices: list[list[str]] = []  # [id, name]
    error: str = ""
    form_key: int = 0
    role: str = "agent"  # of the invitation form: the activities show for an animateur
    editing: int = 0  # the member whose role is being changed
    editing_role: str = ""

    async def _reload(self, actor, org_id) -> None:
        self.members = await read(team.list_team, actor=actor, organization_id=org_id)
        self.activity_choices = await read(attendance.attendance_activities, actor=actor, organization_id=org_id)

    @rx.event
    @as_staff
    @errors_in("error", members=[])
    async def load(self, actor, org_id):
        self.editing, self.role = 0, "agent"
        await self._reload(actor, org_id)

    @rx.event
    def choose_role(self, role: str):
        self.role = role

    @rx.event
    def edit(self, user_id: int, role: str):
        self.editing, self.editing_role = int(user_id), role

    @rx.event
    def choose_editing_role(self, role: str):
        self.editing_role = role

    @rx.event
    @as_staff
    @errors_in("error")
    async def invite(self, actor, org_id, form: dict):
        invited = await write(team.invite_member, actor=actor, organization_id=org_id, role=text(form, "role"),
                              activity_ids=ticked(form, "activity"), **texts(form, "email", "display_name"))
        self.form_key += 1
        self.role = "agent"
        await self._reload(actor, org_id)
        return rx.toast.success(f"Invitation envoyée à {invited.email}.")

    @rx.event
    @as_staff
    async def save_member(self, actor, org_id, form: dict):
        await write(team.change_member, actor=actor, organization_id=org_id, user_id=self.editing,
                    role=text(form, "role"), activity_ids=ticked(form, "activity"))
        self.editing = 0
        await self._reload(actor, org_id)
        return rx.toast.success("Rôle enregistré : il s'applique dès la prochaine action de la personne.")

    @rx.event
    @as_staff
    async def remove(self, actor, org_id, user_id: int):
        await write(team.remove_member, actor=actor, organization_id=org_id, user_id=int(user_id))
        await self._reload(actor, org_id)
        return rx.toast.success("Cette personne ne fait plus partie de l'équipe.")
