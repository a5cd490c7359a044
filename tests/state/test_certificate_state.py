"""« Attestations » (parents) and « Attestations fiscales » (staff): handlers derive the user from
the session; a refused certificate is a French toast, an accepted one a download."""

from datetime import date, datetime

import pytest

from cityviz import clock, db
from cityviz.models import User
from cityviz.state.certificates import CertificatesState
from cityviz.state.staff_certificates import TaxRunState
from tests.services.billing.test_certificates import _pay, town  # noqa: F401  (the fixture)
from tests.state.harness import make_state, run
from tests.state.test_booking_state import _token, toasts

pytestmark = [pytest.mark.usefixtures("database"), pytest.mark.anyio]


async def test_the_parent_page_shows_the_year_and_downloads(town, frozen):  # noqa: F811
    _pay(town, "20,40", date(2026, 12, 10), frozen)
    state = make_state(CertificatesState, token=_token("parent@example.org"), url="/attestations")
    await run(CertificatesState.load, state)
    assert state.year == 2025 and state.years[0] == "2026"
    await run(CertificatesState.choose_year, state, "2026")
    assert [(r.child, r.amount) for r in state.rows] == [("Léo", ""), ("Zoé", "9,60\xa0€")]
    events = await run(CertificatesState.payment, state, {"payment_from": "2026-12-01", "payment_to": "2026-12-31"})
    assert "window.location.href" in str(events[0]) and "/fichiers/attestation/paiement?du=2026-12-01" in str(events[0])
    events = await run(CertificatesState.presence, state, {"presence_child": str(town["zoe"]),
                                                           "presence_from": "2026-01-01", "presence_to": "2026-01-31"})
    assert toasts(events) == [("error", "Aucune présence enregistrée sur cette période.")]
    events = await run(CertificatesState.presence, state, {"presence_child": str(town["jade"]),
                                                           "presence_from": "2026-11-01", "presence_to": "2026-11-30"})
    assert toasts(events) == [("error", "Vous n'avez pas accès à cette information.")]


async def test_the_staff_run_starts_and_reports(town, frozen):  # noqa: F811
    _pay(town, "20,40", date(2026, 12, 10), frozen)
    frozen.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=clock.PARIS))
    with db.read() as s:
        email = s.get(User, town["staff"].user_id).email
    state = make_state(TaxRunState, token=_token(email), url="/admin/attestations-fiscales")
    await run(TaxRunState.load, state)
    assert (state.year, state.status) == (2026, "")
    await run(TaxRunState.start, state)
    assert state.status == "succeeded" and state.done == 1 and state.percent == 100
    # The page's follower (the loop shared with the billing and import pages) ends on the summary.
    events = await run(TaxRunState.watch, state)
    assert toasts(events) == [("success", state.summary)] and state.status_label == "Terminée"
