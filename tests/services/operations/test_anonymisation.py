"""Anonymising a household: personal data gone, files deleted, invoices still read as issued."""

import json

import pytest
from sqlmodel import SQLModel, select

from cityviz import db
from cityviz.models import (
    AuditEntry,
    AuthSession,
    CalendarFeed,
    Document,
    FamilyQuotient,
    Household,
    Invoice,
    InvoiceLine,
    OutboxEmail,
    Person,
    User,
)
from cityviz.services.accounts import auth
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import invoices
from cityviz.services.errors import InvalidCredentials
from cityviz.services.households import files
from cityviz.services.operations import anonymisation
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")


def _anonymise(family):
    with db.transaction() as s:
        return anonymisation.anonymise_household(s, actor=Actor.system(), household_id=family["household"],
                                                 reason="retention")


def test_personal_data_is_erased_and_files_deleted(family):
    assert all(files._path(key).exists() for key in family["files"])
    assert _anonymise(family) is True
    with db.read() as s:
        household = s.get(Household, family["household"])
        people = s.exec(select(Person).where(Person.household_id == family["household"])).all()
        user = s.get(User, family["user"])
        assert household.anonymised_at is not None and (household.street, household.city) == ("", "")
        assert {(p.first_name, p.last_name) for p in people} == {("Anonyme", "ANONYMISÉ"), ("Enfant", "ANONYMISÉ")}
        assert all(not (p.phone_mobile or p.allergies or p.medical_notes or p.birth_date or p.avatar_key)
                   for p in people)
        assert user.email == f"compte-{user.id}@anonyme.invalid" and not user.is_active and user.password_hash is None
        for model in (Document, FamilyQuotient, CalendarFeed):
            assert s.exec(select(model)).all() == []
        assert s.exec(select(AuthSession)).all() == []
        assert s.exec(select(OutboxEmail).where(OutboxEmail.to_address == "camille@example.org")).all() == []
        trace = s.exec(select(AuditEntry).where(AuditEntry.action == "family.create")).one()
        assert json.loads(trace.details) == {"anonymised": True} and trace.actor_id == family["staff"].user_id
        done = s.exec(select(AuditEntry).where(AuditEntry.action == "household.anonymised")).one()
        assert json.loads(done.details)["reason"] == "retention"
    assert not any(files._path(key).exists() for key in family["files"])
    with pytest.raises(InvalidCredentials):
        auth.login(email="camille@example.org", password=factories.PASSWORD)
    assert _anonymise(family) is False  # once


def test_invoices_still_read_as_issued_with_the_payer_copy(family):
    with db.read() as s:
        before = invoices.detail(s, actor=family["staff"], kind="invoice", document_id=family["invoice"])
    _anonymise(family)
    with db.read() as s:
        after = invoices.detail(s, actor=family["staff"], kind="invoice", document_id=family["invoice"])
        invoice = s.get(Invoice, family["invoice"])
        line = s.exec(select(InvoiceLine)).one()
    assert after == before
    assert invoice.payer_name == "Camille MARTIN" and line.child_name == "Léo MARTIN"


def test_files_stay_if_the_transaction_fails(family):
    with pytest.raises(RuntimeError), db.transaction() as s:
        anonymisation.anonymise_household(s, actor=Actor.system(), household_id=family["household"],
                                          reason="retention")
        raise RuntimeError("crash before the commit")
    assert all(files._path(key).exists() for key in family["files"])
    with db.read() as s:
        assert s.get(Household, family["household"]).anonymised_at is None


def test_every_table_referring_to_people_is_handled_or_knowingly_kept():
    """A new table with a household, a person or a user in it must say what anonymising does to it."""
    people = {"household", "person", "user_account"}
    referring = {t.name for t in SQLModel.metadata.sorted_tables
                 if t.name in people or any(fk.column.table.name in people for c in t.c for fk in c.foreign_keys)}
    declared = set(anonymisation.HANDLED) | set(anonymisation.KEPT)
    assert referring - declared == set()
