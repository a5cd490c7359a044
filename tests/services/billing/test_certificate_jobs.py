"""A year's tax certificates in one run (a job, as the staff member who asked): each family with
care paid for a child under 6 is told once, with the figures of its certificate."""

from datetime import date, datetime

import pytest
from sqlmodel import select

from cityviz import clock, db
from cityviz.models import Job, OutboxEmail, TaxCertificateNotice
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import certificate_jobs
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories
from tests.services.billing.test_certificates import _pay, town  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("database")


def _request(actor, org, year=2026):
    with db.transaction() as s:
        return certificate_jobs.request_tax_run(s, actor=actor, organization_id=org, year=year)


def _tax_mails():
    with db.read() as s:
        return s.exec(select(OutboxEmail).where(OutboxEmail.subject.startswith("Votre attestation fiscale"))).all()


def test_the_run_tells_each_family_once_with_its_figures(town, frozen):  # noqa: F811
    _pay(town, "20,40", date(2026, 12, 10), frozen)
    frozen.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=clock.PARIS))
    job_id = _request(town["staff"], town["org"])  # runs right after the commit (eager jobs in tests)
    with db.read() as s:
        job = s.get(Job, job_id)
        notices = s.exec(select(TaxCertificateNotice)).all()
        status = certificate_jobs.run_status(s, actor=town["staff"], organization_id=town["org"], year=2026)
    assert job.status == "succeeded", job.last_error
    assert job.result == "1 attestation(s) fiscale(s) 2026 : 1 foyer(s) traité(s), familles prévenues."
    assert [(n.household_id, n.total_cents) for n in notices] == [(town["household"], 960)]
    assert (status.status, status.done) == ("succeeded", 1)
    [mail] = _tax_mails()
    assert mail.to_address == "parent@example.org" and "- Zoé : 9,60\xa0€" in mail.body
    assert _request(town["staff"], town["org"]) == job_id  # asked again: the same run, nobody told twice
    assert len(_tax_mails()) == 1


def test_who_may_run_it_and_for_which_year(town, frozen):  # noqa: F811
    frozen.move_to(datetime(2027, 1, 10, 9, 0, tzinfo=clock.PARIS))
    with pytest.raises(InvalidInput, match="année terminée"):
        _request(town["staff"], town["org"], year=2027)
    with db.transaction() as s:
        elsewhere = factories.make_organization(s, name="Ailleurs")
        stranger = factories.actor(s, factories.make_staff(s, elsewhere, role="admin"))
    agent = Actor(user_id=town["staff"].user_id, roles={town["org"]: "agent"})  # no money
    for who in (stranger, town["parent"], agent):
        with pytest.raises(AccessDenied):
            _request(who, town["org"])
        with pytest.raises(AccessDenied), db.read() as s:
            certificate_jobs.run_status(s, actor=who, organization_id=town["org"], year=2026)
    with db.read() as s:
        assert s.exec(select(Job).where(Job.name == certificate_jobs.JOB)).all() == []
