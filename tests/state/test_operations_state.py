"""Handlers of « Supprimer mon compte », « Suppressions de compte », « Tâches » and the
background invoice run, driven without a browser."""

import pytest
from sqlmodel import select

import tests.jobs.test_execution  # noqa: F401  (registers tests.echo)
from cityviz import clock, db
from cityviz.models import Household, Invoice, Job
from cityviz.state.account_deletion import AccountDeletionState, DeletionRequestsState
from cityviz.state.staff_billing import BillingState
from cityviz.state.staff_jobs import JobsState
from tests import factories
from tests.services.billing import test_billing
from tests.state.harness import make_state, redirects, run
from tests.state.test_booking_state import toasts
from tests.state.test_thin_handlers import _token

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]
town = test_billing.town


@pytest.fixture
def people():
    with db.transaction() as s:
        org = factories.make_organization(s)
        factories.make_staff(s, org, role="admin", email="agent@example.org")
        household, _g, _u = factories.make_household(s, email="parent@example.org", org=org)
        return {"org": org.id, "household": household.id}


async def test_a_parent_asks_staff_confirm_and_the_account_is_gone(people):
    parent = make_state(AccountDeletionState, token=_token("parent@example.org"), url="/profil")
    await run(AccountDeletionState.load, parent)
    assert parent.deletion_status == ""
    events = await run(AccountDeletionState.ask, parent)
    assert parent.deletion_status == "pending" and "organisation va la confirmer" in str(events)
    staff = make_state(DeletionRequestsState, token=_token("agent@example.org"), url="/admin/suppressions")
    await run(DeletionRequestsState.load, staff)
    assert [r.family for r in staff.rows] == ["Camille MARTIN"] and staff.retention_years == "3"
    events = await run(DeletionRequestsState.confirm, staff, str(staff.rows[0].id))
    assert staff.rows == [] and "données personnelles de la famille sont effacées" in str(events)
    with db.read() as s:
        assert s.get(Household, people["household"]).anonymised_at is not None
    assert redirects(await run(AccountDeletionState.load, parent))[0].startswith("/connexion")


async def test_staff_refuse_with_a_reason_and_set_the_retention(people):
    parent = make_state(AccountDeletionState, token=_token("parent@example.org"), url="/profil")
    await run(AccountDeletionState.ask, parent)
    staff = make_state(DeletionRequestsState, token=_token("agent@example.org"), url="/admin/suppressions")
    await run(DeletionRequestsState.load, staff)
    await run(DeletionRequestsState.start_refusal, staff, staff.rows[0].id)
    events = await run(DeletionRequestsState.refuse, staff, {"reason": ""})
    assert "Indiquez la raison du refus" in str(events)
    await run(DeletionRequestsState.refuse, staff, {"reason": "Facture impayée en cours de recouvrement."})
    await run(AccountDeletionState.load, parent)
    assert (parent.deletion_status, parent.deletion_refusal) == ("refused", "Facture impayée en cours de recouvrement.")
    events = await run(DeletionRequestsState.save_retention, staff, {"years": "12"})
    assert "entre 1 et 10 ans" in str(events)
    await run(DeletionRequestsState.save_retention, staff, {"years": "5"})
    assert staff.retention_years == "5"


async def test_the_task_board_lists_and_retries(people):
    with db.transaction() as s:
        s.add(Job(name="tests.echo", label="Envoi des e-mails", status="failed", organization_id=people["org"],
                  args='{"word": "x"}', attempts=5, last_error="SMTP injoignable", run_after=clock.now(),
                  created_at=clock.now()))
    state = make_state(JobsState, token=_token("agent@example.org"), url="/admin/taches")
    await run(JobsState.load, state)
    assert [(r.label, r.status) for r in state.rows] == [("Envoi des e-mails", "failed")] and state.failed == 1
    await run(JobsState.retry, state, str(state.rows[0].id))
    assert state.rows[0].status == "succeeded" and state.failed == 0
    parent = make_state(JobsState, token=_token("parent@example.org"), url="/admin/taches")
    assert redirects(await run(JobsState.load, parent)) == ["/"]


async def test_issuing_a_month_from_the_billing_page_runs_as_a_job(town):
    with db.read() as s:
        email = s.exec(select(factories.User.email).where(factories.User.id == town["staff"].user_id)).one()
    state = make_state(BillingState, token=_token(email), url="/admin/facturation")
    await run(BillingState.load, state)
    events = await run(BillingState.issue, state)
    assert state.running and state.status == "issuing"
    assert any("watch" in str(e) for e in events)
    with db.read() as s:
        job = s.exec(select(Job).where(Job.name == "billing.issue_period")).one()
        assert job.status == "succeeded" and len(s.exec(select(Invoice)).all()) == 2
    # The page's follower (the loop shared with the certificate and import pages) ends on the toast.
    events = await run(BillingState.watch, state)
    assert toasts(events) == [("success", "2 foyer(s) facturé(s) : factures envoyées aux familles.")]
    assert state.status == "issued" and not state.running and state.preview.status == "issued"
