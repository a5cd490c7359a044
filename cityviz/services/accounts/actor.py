"""Who acts: derived on the server from the session, never from the client."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cityviz.services.errors import AccessDenied

ROLES = ("admin", "agent", "animateur", "regisseur")
ROLE_LABELS = {"admin": "Administrateur", "agent": "Agent", "animateur": "Animateur", "regisseur": "Régisseur"}

# What each staff role may do in its organization (DOMAIN.md, « Rôles »). Services name the
# capability they need: `actor.require_capability(org_id, "billing")`.
CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset({"team", "families", "documents", "activities", "bookings", "attendance", "news",
                        "billing", "regie", "journal", "messages"}),
    # « Messagerie »: administrators and agents read and answer the families. Not the animateur (on
    # the ground; a family's message may carry health or family matters an agent relays if need be),
    # nor the régisseur (billing questions reach the agents, who hand them over).
    "agent": frozenset({"families", "documents", "activities", "bookings", "attendance", "news", "messages"}),
    "animateur": frozenset({"attendance"}),  # only the activities assigned to them (checked by the service)
    "regisseur": frozenset({"billing", "regie", "journal"}),
}


@dataclasses.dataclass(frozen=True)
class Actor:
    user_id: int | None
    email: str = ""
    display_name: str = ""
    person_id: int | None = None
    household_id: int | None = None
    is_platform_admin: bool = False
    roles: Mapping[int, str] = dataclasses.field(default_factory=dict)  # organization id -> role
    session_id: int | None = None
    password_change_only: bool = False
    avatar_key: str = ""  # display only

    @classmethod
    def system(cls) -> Actor:
        """The command line and scheduled jobs: platform rights, no user."""
        return cls(user_id=None, display_name="Système", is_platform_admin=True)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def is_parent(self) -> bool:
        return self.household_id is not None

    def require_household(self, household_id: int | None = None) -> int:
        """The actor's own household; refuse anyone else's."""
        if self.household_id is None or (
            household_id is not None and household_id != self.household_id
        ):
            raise AccessDenied()
        return self.household_id

    def require_staff(self, organization_id: int, role: str | None = None) -> str:
        """Staff of this organization (any role, or exactly `role`: "admin"); returns the role.
        Most services ask for a capability instead (`require_capability`).

        The platform administrator creates organizations but does not read
        their families' data: no exception here.
        """
        held = self.roles.get(organization_id)
        if held is None or (role is not None and held != role):
            raise AccessDenied()
        return held

    def can(self, organization_id: int, capability: str) -> bool:
        role = self.roles.get(organization_id)
        return role is not None and capability in CAPABILITIES.get(role, frozenset())

    def require_capability(self, organization_id: int, capability: str) -> str:
        """Staff of this organization whose role allows `capability`; returns the role."""
        if capability not in CAPABILITIES["admin"]:
            raise ValueError(f"unknown capability {capability!r}")
        if not self.can(organization_id, capability):
            raise AccessDenied()
        return self.roles[organization_id]

    def require_platform_admin(self) -> None:
        if not self.is_platform_admin:
            raise AccessDenied()
