"""« Tâches »: each organization's staff see their jobs, the platform administrator the platform's."""

import pytest
from sqlmodel import select

import tests.jobs.test_execution  # noqa: F401  (registers tests.echo)
from cityviz import clock, db
from cityviz.models import AuditEntry, Job
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import AccessDenied, Conflict, NotFound
from cityviz.services.operations import board
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


@pytest.fixture
def towns():
    with db.transaction() as s:
        a, b = factories.make_organization(s), factories.make_organization(s)
        staff_a = factories.actor(s, factories.make_staff(s, a))
        staff_b = factories.actor(s, factories.make_staff(s, b))
        now = clock.now()
        for org, label, status in ((a, "Émission A", "failed"), (a, "Relances A", "running"),
                                   (b, "Émission B", "succeeded"), (None, "Entretien de nuit", "succeeded")):
            s.add(Job(name="tests.echo", label=label, status=status, args='{"word": "x"}', organization_id=org.id if org else None,
                      run_after=now, created_at=now, attempts=5 if status == "failed" else 1,
                      last_error="SMTP injoignable" if status == "failed" else "", progress_done=3, progress_total=10))
    return {"a": a.id, "b": b.id, "staff_a": staff_a, "staff_b": staff_b}


def _board(actor, org_id, **kw):
    with db.read() as s:
        return board.list_jobs(s, actor=actor, organization_id=org_id, **kw)


def test_each_organization_sees_its_own_jobs(towns):
    mine = _board(towns["staff_a"], towns["a"])
    assert sorted(r.label for r in mine.rows) == ["Relances A", "Émission A"]
    assert (mine.total, mine.active, mine.failed) == (2, 1, 1)
    failed = next(r for r in mine.rows if r.status == "failed")
    assert (failed.status_label, failed.error, failed.can_retry, failed.attempts) == (
        "Échec", "SMTP injoignable", True, "5 essai(s) sur 5")
    running = next(r for r in mine.rows if r.status == "running")
    assert (running.percent, running.progress) == (30, "3 / 10")
    assert [r.label for r in _board(towns["staff_a"], towns["a"], status="failed").rows] == ["Émission A"]
    assert [r.label for r in _board(Actor.system(), None).rows] == ["Entretien de nuit"]
    with pytest.raises(AccessDenied):
        _board(towns["staff_b"], towns["a"])
    with pytest.raises(AccessDenied):
        _board(towns["staff_a"], None)  # platform jobs: the platform administrator only


def test_a_failed_job_can_be_run_again_and_it_is_logged(towns):
    failed = next(r for r in _board(towns["staff_a"], towns["a"]).rows if r.status == "failed")
    running = next(r for r in _board(towns["staff_a"], towns["a"]).rows if r.status == "running")
    with pytest.raises(NotFound), db.transaction() as s:
        board.retry(s, actor=towns["staff_b"], organization_id=towns["b"], job_id=failed.id)
    with pytest.raises(Conflict), db.transaction() as s:
        board.retry(s, actor=towns["staff_a"], organization_id=towns["a"], job_id=running.id)
    with db.transaction() as s:
        board.retry(s, actor=towns["staff_a"], organization_id=towns["a"], job_id=failed.id)
    with db.read() as s:
        job = s.get(Job, failed.id)
        logged = s.exec(select(AuditEntry).where(AuditEntry.action == "job.retry")).one()
    assert job.status == "succeeded" and job.attempts == 1  # tests.echo runs at once (eager in tests)
    assert logged.actor_id == towns["staff_a"].user_id
