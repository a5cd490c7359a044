"""Retention: inactive households anonymised after the organization's N years; archives
purged after ten, through the only door the database triggers leave open."""

import json
from datetime import date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from cityviz import clock, db, jobs
from cityviz.models import (
    ArchivePurge,
    AuditEntry,
    Household,
    Invoice,
    InvoiceLine,
    Organization,
    Payment,
    PaymentAllocation,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.operations import anonymisation, retention
from tests import factories
from tests.services.operations.conftest import issued_invoice

pytestmark = pytest.mark.usefixtures("database")


def _at(frozen, *args):
    frozen.move_to(datetime(*args, tzinfo=clock.PARIS))


@pytest.fixture
def households(frozen):
    """Four families of one town, as seen on Monday 14/09/2026."""
    _at(frozen, 2023, 6, 1, 10)
    with db.transaction() as s:
        org = factories.make_organization(s, name="Commune A")
        careful = factories.make_organization(s, name="Commune B")
        careful.retention_years = 5
        staff = factories.actor(s, factories.make_staff(s, org))
        canteen = factories.make_activity(s, org, staff, start_date=date(2023, 6, 1), end_date=date(2023, 7, 7))
        ids = {}
        for name, town in (("ANCIEN", org), ("RECENT", org), ("DEBITEUR", org), ("PRUDENT", careful)):
            household, _g, _u = factories.make_household(s, last_name=name, email=f"{name.lower()}@example.org",
                                                         org=town)
            child = factories.make_child(s, household, org=town)
            factories.register(s, canteen, child)
            ids[name] = (household.id, child)
        unpaid = issued_invoice(s, org, s.get(Household, ids["DEBITEUR"][0]), ids["DEBITEUR"][1],
                                number="20230600001", start=date(2023, 6, 1))
    _at(frozen, 2025, 3, 3, 9)
    with db.transaction() as s:  # RECENT came back last year: a new dossier activity
        from cityviz.models import Enrollment

        enrollment = s.exec(select(Enrollment).where(Enrollment.household_id == ids["RECENT"][0])).first()
        enrollment.updated_at = clock.now()
        s.add(enrollment)
    _at(frozen, 2026, 9, 14, 10)
    return {"org": org.id, **{k: v[0] for k, v in ids.items()}, "unpaid": unpaid.id}


def test_only_households_inactive_for_their_organizations_years_are_due(households):
    with db.read() as s:
        assert retention.inactive_households(s) == [households["ANCIEN"]]


def test_the_nightly_job_anonymises_them(households):
    with db.transaction() as s:
        job = jobs.enqueue(s, "operations.retention")
    with db.read() as s:
        anonymised = {h.id for h in s.exec(select(Household).where(Household.anonymised_at.is_not(None)))}
        from cityviz.models import Job

        result = s.get(Job, job.id).result
    assert anonymised == {households["ANCIEN"]}
    assert result.startswith("1 foyer(s) anonymisé(s)")


def test_the_retention_setting_belongs_to_the_organizations_administrators(households):
    from cityviz.services.errors import AccessDenied, InvalidInput
    from cityviz.services.operations import deletion_requests

    with db.transaction() as s:
        org = s.get(Organization, households["org"])
        admin = factories.actor(s, factories.make_staff(s, org, role="admin"))
        agent = factories.actor(s, factories.make_staff(s, org, role="agent"))
    with pytest.raises(AccessDenied), db.transaction() as s:
        deletion_requests.save_retention_years(s, actor=agent, organization_id=org.id, years=6)
    with pytest.raises(InvalidInput), db.transaction() as s:
        deletion_requests.save_retention_years(s, actor=admin, organization_id=org.id, years=0)
    with db.transaction() as s:
        deletion_requests.save_retention_years(s, actor=admin, organization_id=org.id, years=4)
    with db.read() as s:
        assert retention.inactive_households(s) == []  # ANCIEN: 3 years and 3 months, now kept 4


# --- Archives ---------------------------------------------------------------------------------

@pytest.fixture
def archived(frozen):
    """A household invoiced and paid in 2015 then anonymised, another invoiced in January 2016."""
    _at(frozen, 2015, 10, 5, 10)
    with db.transaction() as s:
        org = factories.make_organization(s)
        old_household, _g, _u = factories.make_household(s, last_name="VIEUX", org=org)
        old_child = factories.make_child(s, old_household, org=org)
        old = issued_invoice(s, org, old_household, old_child, paid=360, number="20150900001",
                             start=date(2015, 9, 1))
    _at(frozen, 2016, 1, 4, 10)
    with db.transaction() as s:
        newer_household, _g, _u = factories.make_household(s, last_name="MOINSVIEUX", org=org)
        newer_child = factories.make_child(s, newer_household, org=org)
        newer = issued_invoice(s, org, newer_household, newer_child, number="20151200002", start=date(2015, 12, 1))
    _at(frozen, 2026, 9, 14, 10)
    with db.transaction() as s:
        for household in (old_household, newer_household):
            anonymisation.anonymise_household(s, actor=Actor.system(), household_id=household.id,
                                              reason="retention")
    return {"old": old.id, "newer": newer.id, "old_household": old_household.id,
            "newer_household": newer_household.id}


def test_archives_past_ten_years_are_purged_with_a_trace(archived):
    with db.read() as s:
        assert retention.archive_cutoff(clock.today()) == date(2016, 1, 1)
        assert retention.purgeable_households(s) == [archived["old_household"]]
    with db.transaction() as s:
        job = jobs.enqueue(s, "operations.retention")
    with db.read() as s:
        assert s.get(Invoice, archived["old"]) is None
        assert s.exec(select(InvoiceLine).where(InvoiceLine.invoice_id == archived["old"])).all() == []
        assert s.exec(select(Payment).where(Payment.household_id == archived["old_household"])).all() == []
        assert s.exec(select(PaymentAllocation)).all() == []
        assert s.get(Invoice, archived["newer"]) is not None  # 2016: kept until the end of 2026
        purge = s.exec(select(ArchivePurge)).one()
        trace = s.exec(select(AuditEntry).where(AuditEntry.action == "archives.purge")).one()
        from cityviz.models import Job

        result = s.get(Job, job.id).result
    assert (purge.invoices, purge.payments, purge.households, purge.issued_before) == (1, 1, 1, date(2016, 1, 1))
    assert purge.finished_at is not None
    assert json.loads(trace.details)["invoices"] == 1
    assert "1 facture(s), 0 avoir(s), 1 paiement(s) supprimé(s)" in result


def test_the_triggers_still_refuse_any_other_deletion(archived):
    with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
        s.execute(text("DELETE FROM invoice_line"))  # no purge open
    with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
        # A purge open, but this invoice is of 2016: within its ten years.
        retention.purge_archives(s, actor=Actor.system(), household_ids=[archived["newer_household"]])
    with pytest.raises(DBAPIError, match="cannot be changed"), db.transaction() as s:
        s.execute(text("UPDATE invoice SET payer_name = 'x'"))  # never an update
    with db.read() as s:
        assert s.get(Invoice, archived["newer"]) is not None and s.get(Invoice, archived["old"]) is not None
        assert s.exec(select(ArchivePurge)).all() == []
