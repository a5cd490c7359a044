"""Shared by the test_access_* modules: an id staff send is refused the same way whether
it does not exist or belongs to a household their organization does not know."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cityviz import db
from cityviz.services.errors import NotFound

MISSING_ID = 987_654


def assert_refused_alike(call: Callable[[object, int], object], foreign_id: int) -> str:
    """`call(session, id)` raises the same NotFound, with the same French sentence, for a
    missing id and for `foreign_id`; returns that sentence."""
    refusals = []
    for object_id in (MISSING_ID, foreign_id):
        with pytest.raises(NotFound) as refused, db.transaction() as s:
            call(s, object_id)
        refusals.append(refused.value)
    missing, foreign = refusals
    assert type(missing) is type(foreign) and missing.message == foreign.message, (missing, foreign)
    assert missing.message and str(foreign_id) not in missing.message
    return missing.message
