"""Parent page « Autorisations »: one child's form open at a time, signed by the guardian."""

from __future__ import annotations

import reflex as rx

from cityviz.services.households import authorizations, people
from cityviz.services.households.authorizations import AuthorizationView
from cityviz.state.base import AuthState, as_parent, errors_in, read, write
from cityviz.state.forms import text


class AuthorizationsState(AuthState):
    rows: list[AuthorizationView] = []
    names: dict[str, str] = {}  # child id -> first name
    editing: int = 0
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor) -> None:
        self.rows = await read(authorizations.household_authorizations, actor=actor)

    @rx.event
    @as_parent
    async def load(self, actor):
        self.names = {str(c.id): c.first_name for c in await read(people.list_children, actor=actor)}
        self.editing, self.error = 0, ""
        await self._reload(actor)

    @rx.event
    def edit(self, child_id: int):
        self.editing, self.error = int(child_id), ""
        self.form_key += 1

    @rx.event
    def cancel(self):
        self.editing = 0

    @rx.event
    @as_parent
    @errors_in("error")
    async def sign(self, actor, form: dict):
        pickups = [(text(form, f"pickup{n}_name"), text(form, f"pickup{n}_phone"), text(form, f"pickup{n}_relation"))
                   for n in range(3)]
        await write(authorizations.sign_authorizations, actor=actor, child_id=self.editing,
                    image=bool(form.get("image")), leave_alone=bool(form.get("leave_alone")),
                    leave_alone_from=text(form, "leave_alone_from"), pickups=pickups,
                    emergency_care=bool(form.get("emergency_care")), transport=bool(form.get("transport")))
        name = self.names.get(str(self.editing), "")
        self.editing = 0
        await self._reload(actor)
        return rx.toast.success(f"Autorisations de {name} signées.")
