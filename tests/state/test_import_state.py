"""« Importer des familles »: « Importer » asks for a job and the page follows it to its summary
(the loop shared with the invoice and certificate runs, state/job_watch.py)."""

import pytest

from cityviz import db
from cityviz.state.staff_import import ImportState
from tests import factories
from tests.services.households.test_family_import import GOOD, HEADER
from tests.state.harness import make_state, run
from tests.state.test_booking_state import _token, toasts

pytestmark = [pytest.mark.usefixtures("database", "frozen"), pytest.mark.anyio]


@pytest.fixture
def agent():
    with db.transaction() as s:
        factories.make_staff(s, factories.make_organization(s, name="Bretteville-sur-Odon"), email="agent@mairie.fr")
    state = make_state(ImportState, token=_token("agent@mairie.fr"), url="/admin/import")
    return state


async def _import(state, text: str):
    await run(ImportState.load, state)
    state._data, state.filename = text.encode(), "familles.csv"  # what the upload handler kept
    return await run(ImportState.run, state, {"invite": ""})


async def test_importer_runs_a_job_the_page_follows_to_its_summary(agent):
    events = await _import(agent, GOOD)
    assert agent.job_id and agent.preview is None and agent._data == b""
    assert any("watch" in str(e) for e in events)
    events = await run(ImportState.watch, agent)
    assert toasts(events) == [("success", "Import terminé.")]
    assert (agent.job_status, agent.job_label, agent.job_percent) == ("succeeded", "Terminée", 100)
    assert agent.done.startswith("2 famille(s) créée(s)")


async def test_a_refused_import_says_why_on_the_page(agent):
    await _import(agent, HEADER + "\nMme;Camille;;pas-un-email;;;;;;;;;;")
    events = await run(ImportState.watch, agent)
    assert toasts(events) == [] and agent.job_status == "failed" and agent.done == ""
    assert "ligne(s) en erreur" in agent.job_message
