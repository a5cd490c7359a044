"""Document counters: one continuous series per organization, year and kind."""

import pytest
from sqlmodel import select

from cityviz import db
from cityviz.models import DocumentCounter
from cityviz.services.billing.numbering import next_number
from tests import factories

pytestmark = pytest.mark.usefixtures("database")


def _take(org_id: int, year: int, kind: str, count: int = 1) -> int:
    with db.transaction() as s:
        return next_number(s, org_id, year, kind, count)


def _last_values() -> dict[tuple[int, int, str], int]:
    with db.read() as s:
        return {(c.organization_id, c.year, c.kind): c.last_value for c in s.exec(select(DocumentCounter)).all()}


def test_a_new_series_starts_at_one_and_reserves_without_gap():
    with db.transaction() as s:
        org = factories.make_organization(s).id
    assert _take(org, 2026, "invoice", 0) == 1  # looking does not use a number
    assert _last_values() == {(org, 2026, "invoice"): 0}
    assert _take(org, 2026, "invoice", 3) == 1
    assert _take(org, 2026, "invoice") == 4
    assert _take(org, 2026, "invoice", 0) == 5
    assert _last_values() == {(org, 2026, "invoice"): 4}


def test_each_organization_year_and_kind_has_its_own_series():
    with db.transaction() as s:
        first, second = factories.make_organization(s).id, factories.make_organization(s).id
    assert [_take(first, 2026, "invoice", 2), _take(first, 2026, "invoice")] == [1, 3]
    assert _take(second, 2026, "invoice") == 1  # another town
    assert _take(first, 2027, "invoice") == 1  # the counter resets each year
    assert _take(first, 2026, "credit_note") == 1  # credit notes: their own series
    assert [_take(second, 2026, "invoice"), _take(first, 2027, "invoice"), _take(first, 2026, "credit_note"),
            _take(first, 2026, "invoice")] == [2, 2, 2, 4]
    assert _last_values() == {(first, 2026, "invoice"): 4, (second, 2026, "invoice"): 2,
                              (first, 2027, "invoice"): 2, (first, 2026, "credit_note"): 2}


def test_within_one_transaction_numbers_follow_each_other():
    with db.transaction() as s:
        org = factories.make_organization(s).id
        assert [next_number(s, org, 2026, "invoice", n) for n in (0, 2, 0, 1, 5)] == [1, 1, 3, 3, 4]
        assert next_number(s, org, 2026, "invoice") == 9  # one number by default
    assert _last_values() == {(org, 2026, "invoice"): 9}
