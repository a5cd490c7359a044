"""Validation patterns match a whole value: `$` also matches before a final newline, so
"14000\n" or "ABCDEF\n" would pass a `^…$` check; they end with \\Z instead."""

import pytest

from cityviz.api import bank_simulator
from cityviz.services.accounts import invitations, organizations
from cityviz.services.billing import bank_request
from cityviz.services.households import campaign_fields, family_import, people


@pytest.mark.parametrize("pattern, valid", [
    (people.POSTAL_CODE, "14000"),
    (organizations.POSTAL_CODE, "14760"),
    (invitations.EMAIL, "audrey.noiret@example.org"),
    (family_import.EMAIL, "audrey.noiret@example.org"),
    (campaign_fields._EMAIL, "audrey.noiret@example.org"),
    (campaign_fields._KEY, "household.city"),
    (bank_simulator._TRANSACTION_RE, "CV1234567"),
    (bank_request._REFERENCE_RE, "CV1234567"),
])
def test_a_pattern_takes_the_value_but_not_with_a_final_newline(pattern, valid):
    assert pattern.fullmatch(valid) and pattern.match(valid)
    assert pattern.match(valid + "\n") is None and pattern.fullmatch(valid + "\n") is None
