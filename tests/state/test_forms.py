"""Reading a submitted form: what a browser sends, and what it should not."""

from datetime import date

import pytest

from cityviz.services.errors import InvalidInput
from cityviz.state.forms import date_field, text, texts, ticked, whole


def test_text_fields_and_ticked_boxes():
    form = {"name": "Léo", "line-12": True, "line-7": "on", "line-3": False, "pay-5": True, "lines": "x"}
    assert text(form, "name") == "Léo" and text(form, "absent") == ""
    assert texts(form, "name", "city") == {"name": "Léo", "city": ""}
    assert ticked(form, "line") == [12, 7]
    assert ticked(form, "pay") == [5] and ticked(form, "child") == []


def test_whole_numbers():
    assert whole({"due_days": "30"}, "due_days", "Nombre entier.") == 30
    assert whole({"due_days": ""}, "due_days", "Nombre entier.") == 0
    assert whole({}, "due_days", "Nombre entier.") == 0
    with pytest.raises(InvalidInput) as refused:
        whole({"due_days": "trente"}, "due_days", "Le délai est un nombre entier.")
    assert refused.value.message == "Le délai est un nombre entier." and refused.value.field == "due_days"


def test_dates():
    assert date_field({"start": "2026-09-14"}, "start", "Date invalide.") == date(2026, 9, 14)
    assert date_field({"end": ""}, "end", "Date invalide.", default="2026-09-18") == date(2026, 9, 18)
    for form in ({}, {"start": ""}, {"start": "14/09/2026"}):
        with pytest.raises(InvalidInput, match="Indiquez les dates"):
            date_field(form, "start", "Indiquez les dates de la fermeture.")
