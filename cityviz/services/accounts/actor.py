"""Who acts: derived on the server from the session, never from the client."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cityviz.services.errors import AccessDenied

ROLE_RANK = {"agent": 1, "admin": 2}


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

    def require_staff(self, organization_id: int, role: str = "agent") -> None:
        """Staff of this organization with at least `role`.

        The platform administrator creates organizations but does not read
        their families' data: no exception here.
        """
        held = self.roles.get(organization_id)
        if held is None or ROLE_RANK[held] < ROLE_RANK[role]:
            raise AccessDenied()

    def require_platform_admin(self) -> None:
        if not self.is_platform_admin:
            raise AccessDenied()
