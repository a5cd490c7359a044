"""Closing a month and reminding unpaid invoices as background jobs."""

from datetime import datetime

import pytest
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.jobs import execution
from cityviz.models import AuditEntry, Invoice, Job, Organization, OutboxEmail
from cityviz.services.billing import period_jobs, periods
from cityviz.services.errors import AccessDenied
from tests import factories
from tests.services.billing import test_billing
from tests.services.billing.test_billing import SEPT

pytestmark = pytest.mark.usefixtures("database")
town = test_billing.town  # the September town, as a fixture here too


def _request(town):
    with db.transaction() as s:
        return period_jobs.request_issue(s, actor=town["staff"], organization_id=town["org"], month=SEPT)


def _status(town):
    with db.read() as s:
        return period_jobs.issue_status(s, actor=town["staff"], organization_id=town["org"], month=SEPT)


def _job(job_id) -> Job:
    with db.read() as s:
        return s.get(Job, job_id)


def test_staff_ask_and_a_job_issues_the_month_as_them(town):
    job_id = _request(town)
    job = _job(job_id)
    assert (job.status, job.organization_id, job.created_by_id) == ("succeeded", town["org"], town["staff"].user_id)
    assert job.label == "Émission des factures de sept. 2026"
    assert job.result == "2 facture(s) émise(s) et envoyée(s) aux familles."
    assert (job.progress_done, job.progress_total) == (2, 2)
    with db.read() as s:
        assert [i.number for i in s.exec(select(Invoice).order_by(Invoice.number))] == ["20260900001", "20260900002"]
    status = _status(town)
    assert (status.period_status, status.done, status.total, status.job_status) == ("issued", 2, 2, "succeeded")


def test_asking_twice_while_it_waits_gives_the_same_job(town, settings):
    settings(jobs="thread")  # nobody runs it in this test
    first, second = _request(town), _request(town)
    assert first == second
    assert _status(town).job_status == "queued"


def test_a_failing_run_is_retried_and_resumes_where_it_stopped(town, frozen, monkeypatch):
    real = periods.issue_chunk
    calls = {"n": 0}

    def flaky(s, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # the second chunk: the database went away
            raise ConnectionError("base de données injoignable")
        return real(s, **kw)

    monkeypatch.setattr(periods, "issue_chunk", flaky)
    monkeypatch.setattr(periods, "CHUNK", 1)
    monkeypatch.setattr(period_jobs.periods, "issue_chunk", lambda s, **kw: flaky(s, **{**kw, "limit": 1}))
    job_id = _request(town)
    status = _status(town)
    assert (status.period_status, status.done, status.job_status) == ("issuing", 1, "retrying")
    assert "base de données injoignable" in status.job_error
    assert status.active and "Nouvel essai automatique" in status.problem
    frozen.shift(30)
    jobs.run_due()
    status = _status(town)
    assert (status.period_status, status.done, status.job_status, status.job_error) == ("issued", 2, "succeeded", "")
    assert _job(job_id).attempts == 2
    with db.read() as s:
        assert sorted(i.counter_value for i in s.exec(select(Invoice))) == [1, 2]


def test_only_the_organizations_staff_may_ask(town):
    with db.transaction() as s:
        other = factories.make_organization(s)
        stranger = factories.actor(s, factories.make_staff(s, other, role="admin"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        period_jobs.request_issue(s, actor=stranger, organization_id=town["org"], month=SEPT)
    with pytest.raises(AccessDenied), db.read() as s:
        period_jobs.issue_status(s, actor=stranger, organization_id=town["org"], month=SEPT)


def test_issue_mail_goes_through_a_delivery_job_of_the_organization(town, settings):
    settings(smtp_host="127.0.0.1", smtp_port=1)  # nothing listens: delivery fails, retried later
    _request(town)
    with db.read() as s:
        mails = s.exec(select(OutboxEmail).where(OutboxEmail.subject.like("Votre facture%"))).all()
        delivery = s.get(Job, mails[0].job_id)
    assert {m.job_id for m in mails} == {delivery.id}
    assert (delivery.name, delivery.organization_id, delivery.status) == ("mail.deliver", town["org"], "retrying")


def _reminders(subject_number: str) -> list[str]:
    with db.read() as s:
        return [m.to_address for m in s.exec(select(OutboxEmail).where(
            OutboxEmail.subject == f"Rappel : facture n° {subject_number} à régler"))]


def test_automatic_reminders_every_n_days_three_times_at_most(town, frozen):
    with db.transaction() as s:
        s.get(Organization, town["org"]).reminder_every_days = 15
    _request(town)  # issued on 05/10/2026, due on 04/11/2026
    frozen.move_to(datetime(2026, 11, 18, 7, 5, tzinfo=clock.PARIS))  # 14 days late: not yet
    execution.schedule_due()
    assert _reminders("20260900001") == []
    for day, expected in ((19, 1), (20, 1), (27, 1)):
        frozen.move_to(datetime(2026, 11, day, 7, 5, tzinfo=clock.PARIS))
        execution.schedule_due()
        assert len(_reminders("20260900001")) == expected, day
    frozen.move_to(datetime(2026, 12, 4, 7, 5, tzinfo=clock.PARIS))  # 15 days after the first
    execution.schedule_due()
    assert len(_reminders("20260900001")) == 2
    for day in (19, 20):
        frozen.move_to(datetime(2026, 12, day, 7, 5, tzinfo=clock.PARIS))
        execution.schedule_due()
    frozen.move_to(datetime(2027, 1, 10, 7, 5, tzinfo=clock.PARIS))
    execution.schedule_due()
    assert _reminders("20260900001") == ["noiret@example.org"] * 3  # never a fourth
    with db.read() as s:
        per_org = s.exec(select(Job).where(Job.name == "billing.auto_reminders").order_by(Job.id)).all()
        logged = s.exec(select(AuditEntry).where(AuditEntry.action == "invoice.reminder")).all()
    assert {j.organization_id for j in per_org} == {town["org"]}
    assert per_org[0].label == "Relances automatiques des impayés" and per_org[0].result.endswith("relance(s) envoyée(s).")
    assert all('"automatic": true' in a.details and a.actor_id is None for a in logged)


def test_no_automatic_reminder_unless_the_organization_asks(town, frozen):
    _request(town)
    frozen.move_to(datetime(2026, 12, 1, 7, 5, tzinfo=clock.PARIS))
    execution.schedule_due()
    assert _reminders("20260900001") == []
    with db.read() as s:
        assert s.exec(select(Job).where(Job.name == "billing.auto_reminders")).all() == []
