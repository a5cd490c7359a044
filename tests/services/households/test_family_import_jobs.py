"""« Importer » runs as a job: all or nothing, followed by the import page and in « Tâches », refused
lines fail it at once, another town's staff never read it. (Jobs run right after the commit
that asks for them in tests: CITYVIZ_JOBS=eager.)"""

import pytest
from sqlmodel import func, select

from cityviz import clock, config, db
from cityviz.models import Household, Job
from cityviz.services.errors import AccessDenied, NotFound
from cityviz.services.households import family_import_jobs
from cityviz.services.operations import board
from tests import factories
from tests.services.households.test_family_import import GOOD, HEADER

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def town():
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        agent = factories.actor(s, factories.make_staff(s, org, role="agent", email="agent@mairie.fr"))
        other = factories.make_organization(s, name="Verson")
        stranger = factories.actor(s, factories.make_staff(s, other, role="admin", email="admin@verson.fr"))
        return {"org": org.id, "agent": agent, "other": other.id, "stranger": stranger}


def _ask(town, text, invite=False):
    with db.transaction() as s:
        return family_import_jobs.request_import(s, actor=town["agent"], organization_id=town["org"],
                                                 filename="familles.csv", data=text.encode(), invite=invite)


def _status(town, job_id, actor=None, org=None):
    with db.read() as s:
        return family_import_jobs.import_status(s, actor=actor or town["agent"], organization_id=org or town["org"],
                                                job_id=job_id)


def _kept_files() -> list:
    imports = config.get().upload_dir
    return [p for p in imports.rglob("*") if p.is_file()] if imports.exists() else []


def _households() -> int:
    with db.read() as s:
        return s.exec(select(func.count()).select_from(Household)).one()


def test_the_import_runs_as_a_job_and_says_what_it_did(town):
    before = _households()
    job_id = _ask(town, GOOD)
    status = _status(town, job_id)
    assert (status.status, status.done, status.total, status.active) == ("succeeded", 1, 1, False)
    assert status.summary == ("2 famille(s) créée(s), 0 mise(s) à jour, 2 enfant(s) ajouté(s), 0 mis à jour, "
                              "0 invitation(s) envoyée(s).")
    assert _households() == before + 2
    assert _kept_files() == []  # the file is not kept once imported
    with db.read() as s:
        listed = board.list_jobs(s, actor=town["agent"], organization_id=town["org"])
    assert [(row.label, row.status) for row in listed.rows] == [("Import de familles : familles.csv", "succeeded")]


def test_a_file_with_errors_fails_the_job_at_once_and_imports_nothing(town):
    before = _households()
    job_id = _ask(town, HEADER + "\nMme;Camille;;pas-un-email;;;;;;;;;;")
    status = _status(town, job_id)
    assert status.status == "failed" and "ligne(s) en erreur" in status.error and "Rien n'a été importé" in status.error
    assert _households() == before and _kept_files() == []
    with db.read() as s:
        assert s.get(Job, job_id).attempts == 1  # a refusal is not tried again
    # « Relancer » in « Tâches »: the file is gone, the job says so instead of importing anything.
    with db.transaction() as s:
        board.retry(s, actor=town["agent"], organization_id=town["org"], job_id=job_id)
    assert "n'est plus disponible" in _status(town, job_id).error and _households() == before


def test_another_towns_staff_and_parents_never_reach_an_import(town):
    job_id = _ask(town, GOOD)
    with pytest.raises(NotFound):
        _status(town, job_id, actor=town["stranger"], org=town["other"])  # their own town: not their job
    with pytest.raises(AccessDenied):
        _status(town, job_id, actor=town["stranger"], org=town["org"])  # our town: not their organization
    with db.transaction() as s:
        _h, _g, user = factories.make_household(s, email="parent@example.org")
        parent = factories.actor(s, user)
    with pytest.raises(AccessDenied), db.transaction() as s:
        family_import_jobs.request_import(s, actor=parent, organization_id=town["org"], filename="f.csv",
                                          data=GOOD.encode())
    with pytest.raises(AccessDenied):
        _status(town, job_id, actor=parent)


def test_a_job_of_another_kind_is_not_an_import(town):
    with db.transaction() as s:
        other = Job(name="billing.tax_certificates", label="Attestations", organization_id=town["org"],
                    status="queued", args="{}", run_after=clock.now(), created_at=clock.now())
        s.add(other)
        s.flush()
        other_id = other.id
    with pytest.raises(NotFound):
        _status(town, other_id)
