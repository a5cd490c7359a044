"""Audit log: every decision staff take is written down (who, when, what)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from cityviz import clock
from cityviz.models import AuditEntry

if TYPE_CHECKING:  # the shared modules sit below accounts: the type only
    from cityviz.services.accounts.actor import Actor


def record(
    s: Session,
    *,
    actor: Actor,
    action: str,
    organization_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    household_id: int | None = None,
    **details: Any,
) -> None:
    """`household_id`: the family the decision concerns (its history, « Journal »)."""
    if household_id is None and object_type == "household":
        household_id = object_id
    s.add(
        AuditEntry(
            at=clock.now(),
            actor_id=actor.user_id,
            organization_id=organization_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            household_id=household_id,
            details=json.dumps(details, ensure_ascii=False, default=str),
        )
    )
