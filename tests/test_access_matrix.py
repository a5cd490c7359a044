"""The access matrix: every public service function (discovered: a function of a module under
cityviz.services that takes `actor`) × every role — administrateur, agent, animateur, régisseur,
a parent, the platform administrator — is called on a town that has one of everything, and
must be refused (AccessDenied) exactly when its classification says so.

A new service function fails `test_every_service_function_is_classified` until it is added to
POLICY below (who may call it) or to INTERNAL (with the reason no browser reaches it directly).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date

import pytest

import cityviz.services
from cityviz import db
from cityviz.services.accounts.actor import CAPABILITIES
from cityviz.services.billing.journal_report import JournalFilter
from cityviz.services.errors import AccessDenied, DomainError
from tests import access_world, factories

pytestmark = pytest.mark.usefixtures("database", "frozen")

STAFF = frozenset({"admin", "agent", "animateur", "regisseur"})
PARENT = frozenset({"parent"})
PLATFORM = frozenset({"platform"})
EVERYONE = frozenset(access_world.ROLES)


def cap(capability: str) -> frozenset[str]:
    """The staff roles whose role allows this capability (actor.CAPABILITIES)."""
    return frozenset(role for role, capabilities in CAPABILITIES.items() if capability in capabilities)


POLICY: dict[str, frozenset[str]] = {
    # accounts
    "accounts.auth.change_password": EVERYONE,  # one's own password, no id
    "accounts.invitations.create_staff": cap("team") | PLATFORM,
    "accounts.invitations.invite_guardian": cap("families") | PLATFORM,
    "accounts.invitations.invite_household_member": PARENT,
    "accounts.invitations.invite_new_guardians": cap("families"),
    "accounts.invitations.reinvite": cap("team"),  # here a colleague's account (a family's: "families")
    "accounts.invitations.send_invitation": cap("families"),
    "accounts.organizations.create_organization": PLATFORM,
    "accounts.organizations.staff_organizations": EVERYONE,  # one's own memberships
    "accounts.outbox.list_outbox": PLATFORM,
    "accounts.outbox.undelivered_credentials": frozenset(),  # the command line only (the system, no user)
    "accounts.team.list_team": cap("team"),
    "accounts.team.invite_member": cap("team"),
    "accounts.team.change_member": cap("team"),
    "accounts.team.remove_member": cap("team"),
    # backoffice
    "backoffice.dashboard.list_organizations": PLATFORM,
    "backoffice.dashboard.platform_figures": PLATFORM,
    "backoffice.dashboard.staff_overview": EVERYONE,  # the actor's own organizations
    "backoffice.dashboard.today_board": STAFF,  # each figure as the role allows
    "backoffice.caf.caf_export": cap("activities"),
    "backoffice.caf.caf_statistics": cap("activities"),
    "backoffice.lists.export_list": cap("families"),  # here the families' list (each list: its capability)
    "backoffice.journal.authors": cap("journal"),
    "backoffice.journal.categories": cap("journal"),
    "backoffice.journal.entries_csv": cap("journal"),
    "backoffice.journal.household_history": cap("families"),
    "backoffice.journal.list_entries": cap("journal"),
    # billing
    "billing.credits.issue_credit_note": cap("billing"),
    "billing.direct_debits.export_file": cap("billing"),
    "billing.direct_debits.list_debits": cap("billing"),
    "billing.direct_debits.pending_summary": cap("billing"),
    "billing.direct_debits.save_mandate": cap("billing"),
    "billing.direct_debits.settle": cap("billing"),
    "billing.invoices.creditable_lines": cap("billing"),
    "billing.invoices.detail": cap("billing") | PARENT,
    "billing.invoices.household_documents": PARENT,
    "billing.invoices.household_of": cap("billing") | PARENT,
    "billing.invoices.list_documents": cap("billing"),
    "billing.invoices.pdf": cap("billing") | PARENT,
    "billing.pay_online.start_online_payment": PARENT,
    "billing.journal_report.journal": cap("journal"),
    "billing.journal_report.journal_csv": cap("journal"),
    "billing.journal_report.journal_pdf": cap("journal"),
    "billing.payments.credit_sources": cap("billing"),
    "billing.payments.record_payment": cap("billing"),
    "billing.payments.reverse_payment": cap("billing"),
    "billing.payments.refund": cap("billing"),
    "billing.payments.send_reminders": cap("billing"),
    "billing.payments.statement": cap("billing"),
    "billing.payments.unpaid": cap("billing"),
    "billing.payments.unpaid_csv": cap("billing"),
    "billing.period_jobs.issue_status": cap("billing"),
    "billing.period_jobs.request_issue": cap("billing"),
    "billing.periods.issue_all": cap("billing"),
    "billing.periods.issue_chunk": cap("billing"),
    "billing.periods.preview_period": cap("billing"),
    "billing.periods.progress": cap("billing"),
    "billing.periods.start_issue": cap("billing"),
    "billing.regie.regie_settings": cap("regie"),
    "billing.regie.save_regie": cap("regie"),
    # booking
    "booking.campaigns.open_campaign": cap("families"),
    "booking.campaigns.campaign_overview": cap("families"),
    "booking.campaigns.list_campaign_dossiers": cap("families"),
    "booking.campaigns.request_reminders": cap("families"),
    "booking.campaigns.copyable_activities": cap("activities"),
    "booking.campaigns.copy_activities": cap("activities"),
    "booking.campaign_review.campaign_dossier_review": cap("families"),
    "booking.campaign_review.ask_corrections": cap("families"),
    "booking.campaign_review.validate_reenrolment": cap("families"),
    "booking.activities.get_activity": cap("activities"),
    "booking.activities.list_activities": cap("activities"),
    "booking.activities.save_activity": cap("activities"),
    "booking.activity_form.activity_form_values": cap("activities"),
    "booking.attendance.attendance_activities": cap("attendance"),
    "booking.attendance.attendance_scope": cap("attendance"),  # the conditions of an animateur's lists
    "booking.attendance.daily_counts_csv": cap("attendance"),
    "booking.attendance.mark_attendance": cap("attendance"),  # an animateur: their activities only
    "booking.attendance.occupancy": cap("attendance"),
    "booking.attendance.roster": cap("attendance"),
    "booking.attendance.sessions_of_day": cap("attendance"),
    "booking.bookings.book_session": PARENT,
    "booking.bookings.cancel_booking": PARENT,
    "booking.bookings.own_child": PARENT,
    "booking.calendar.apply_bulk": PARENT,
    "booking.calendar.household_activities": PARENT,
    "booking.calendar.month_view": PARENT,
    "booking.calendar.open_calendar": PARENT,
    "booking.calendar.preview_bulk": PARENT,
    "booking.closures.create_closure": cap("activities"),
    "booking.closures.lift_closure": cap("activities"),
    "booking.closures.list_closures": cap("activities"),
    "booking.feeds.create_feed": PARENT,
    "booking.feeds.has_feed": PARENT,
    "booking.feeds.revoke_feed": PARENT,
    "booking.registrations.decide_registration": cap("activities"),
    "booking.registrations.list_registrations": cap("activities"),
    "booking.registrations.offered_activities": PARENT,
    "booking.registrations.register_child": PARENT,
    "booking.session_capacity.set_session_capacity": cap("activities"),
    # households
    "households.documents.decide_document": cap("documents"),
    "households.documents.document_content": cap("documents") | PARENT,
    "households.documents.list_requirements": cap("documents"),
    "households.documents.save_requirement": cap("documents"),
    "households.documents.set_requirement_active": cap("documents"),
    "households.documents.upload_document": PARENT,
    "households.dossier_review.list_dossiers": cap("families"),
    "households.dossier_review.reject_dossier": cap("families"),
    "households.dossier_review.staff_dossier": cap("families"),
    "households.dossier_review.validate_dossier": cap("families"),
    "households.dossiers.dossier": PARENT,
    "households.dossiers.organization_hit": PARENT,
    "households.dossiers.household_dossiers": PARENT,
    "households.dossiers.members_for_registration": PARENT,
    "households.dossiers.register_members": PARENT,
    "households.dossiers.search_organizations": PARENT,
    "households.dossiers.submit_dossier": PARENT,
    "households.families.create_family": cap("families"),
    "households.family_import.import_families": cap("families"),
    "households.family_import.preview_import": cap("families"),
    "households.family_import.template": cap("families"),
    "households.family_import_jobs.import_status": cap("families"),
    "households.family_import_jobs.request_import": cap("families"),
    "households.families.family_name": cap("families"),
    "households.families.invite_guardian": cap("families"),
    "households.families.list_families": cap("families"),
    "households.families.person_photo": STAFF | PARENT,  # staff recognise the children (attendance)
    "households.news.feed_for_household": PARENT,
    "households.news.list_posts": cap("news"),
    "households.news.news_image": cap("news") | PARENT,
    "households.news.save_post": cap("news"),
    "households.news.set_published": cap("news"),
    "households.onboarding.next_action": PARENT,
    "households.onboarding.next_actions": PARENT,
    "households.overview.household_overview": PARENT,
    "households.people.add_guardian": PARENT,
    "households.people.get_profile": PARENT,
    "households.people.list_children": PARENT,
    "households.people.save_child": PARENT,
    "households.people.set_avatar": PARENT,
    "households.people.update_profile": PARENT,
    "households.privacy.export_household": PARENT,
    # operations
    "operations.board.list_jobs": STAFF,  # the organization's background jobs
    "operations.board.retry": STAFF,
    "operations.deletion_requests.cancel_request": PARENT,
    "operations.deletion_requests.confirm": cap("families"),
    "operations.deletion_requests.list_requests": cap("families"),
    "operations.deletion_requests.my_request": PARENT,
    "operations.deletion_requests.refuse": cap("families"),
    "operations.deletion_requests.request_deletion": PARENT,
    "operations.deletion_requests.retention_years": cap("families"),
    "operations.deletion_requests.save_retention_years": frozenset({"admin"}),
    # the school year
    "billing.certificate_jobs.produce_chunk": cap("billing"),
    "billing.certificate_jobs.request_tax_run": cap("billing"),
    "billing.certificate_jobs.run_status": cap("billing"),
    "billing.certificate_pdf.certificate_file": PARENT,
    "billing.certificates.payment_certificate": PARENT,
    "billing.certificates.presence_certificate": PARENT,
    "billing.certificates.tax_certificate": PARENT,
    "billing.certificates.tax_summary": PARENT,
    "booking.absence_review.decide_absence": cap("bookings"),
    "booking.absence_review.list_absences": cap("bookings"),
    "booking.absences.attach_certificate": PARENT,
    "booking.absences.certificate_content": cap("documents") | PARENT,
    "booking.absences.household_absences": PARENT,
    "booking.absences.report_absence": PARENT,
    "booking.menu_pdf.week_pdf": STAFF,  # the week's menu for the school's door
    "booking.menus.save_menu_day": cap("activities"),
    "booking.menus.todays_menu": PARENT,
    "booking.menus.week_menu": STAFF,
    "households.authorizations.household_authorizations": PARENT,
    "households.authorizations.organization_asked": cap("documents"),  # the « Pièces demandées » page
    "households.authorizations.save_organization_asked": frozenset({"admin"}),  # the town's list
    "households.reenrolment.campaign_document_content": PARENT | cap("documents"),  # its household, its town
    "households.reenrolment.confirm_part": PARENT,
    "households.reenrolment.part_fields": PARENT,
    "households.reenrolment.reenrolment": PARENT,
    "households.reenrolment.send_reenrolment": PARENT,
    "households.reenrolment.upload_campaign_document": PARENT,
    "households.authorizations.sign_authorizations": PARENT,
    "households.document_validity.expiring_documents": cap("documents"),
    "households.health.pai_content": cap("documents") | PARENT,
    "households.people.attach_pai": PARENT,
    # « Messagerie »: administrateur and agent (the « messages » capability), the household itself
    "households.messaging.attachment_content": cap("messages") | PARENT,
    "households.messaging.family_unread_count": PARENT,
    "households.messaging.household_threads": PARENT,
    "households.messaging.message_choices": PARENT,
    "households.messaging.open_family_thread": PARENT,
    "households.messaging.reply_as_family": PARENT,
    "households.messaging.start_thread": PARENT,
    "households.messaging_staff.compose_choices": cap("messages"),
    "households.messaging_staff.mark_handled": cap("messages"),
    "households.messaging_staff.reply_as_staff": cap("messages"),
    "households.messaging_staff.staff_thread": cap("messages"),
    "households.messaging_staff.staff_threads": cap("messages"),
    "households.messaging_staff.staff_waiting_count": cap("messages"),
    "households.messaging_staff.write_to_activity": cap("messages"),  # every family of an activity
    "households.messaging_staff.write_to_family": cap("messages"),
}

# Public functions taking `actor` that no browser calls directly: each runs inside a service
# that checked access first, or in a job acting as the system.
INTERNAL = {
    "audit.record": "writes who did what; called by the services after their checks",
    "booking.absences.apply_decision": "the attendance written by decide_absence, after its checks",
    "booking.absences.get_report": "the staff lookup of decide_absence (checks the capability itself)",
    "billing.journal.actor_name": "the name a journal row keeps, for the services that write it",
    "billing.journal.record": "writes the régie's journal inside the money services, after their checks",
    "billing.journal.record_many": "the journal rows of an invoice run (periods.issue_chunk, checked)",
    "billing.lookups.require_billing_object": "the billing access check itself (tests/services/billing/test_access_billing.py)",
    "billing.reversals.reverse_locked": "reverse_payment and direct_debits.settle, after their checks, under the lock",
    "households.scope.require_known_household": "the access check itself (tests/services/households/test_scope.py)",
    "households.scope.require_known_person": "the access check itself (tests/services/households/test_scope.py)",
    "households.scope.require_some_staff": "the access check itself (tests/services/households/test_scope.py)",
    "households.scope.require_staff_document": "the access check itself (tests/services/households/test_scope.py)",
    "households.scope.require_staff_dossier": "the access check itself (tests/services/households/test_scope.py)",
    "households.scope.staff_organizations_knowing": "the access check itself (tests/services/households/test_scope.py)",
    "billing.payments.remind": "the e-mails of send_reminders (checked) and of the automatic reminder job",
    "booking.bookings.book_locked": "the booking engine's core, called by book_session/apply_bulk after own_child",
    "operations.anonymisation.anonymise_household": "retention job (system) and deletion_requests.confirm",
    "operations.retention.purge_archives": "the ten-year purge job, acting as the system",
    "households.messaging.add_message": "writes a message inside the messaging services, after their checks",
}

# Arguments that differ from what access_world gives by name.
OVERRIDES = {
    "households.authorizations.save_organization_asked": lambda w: {"asked": ["image", "pickups"]},
    "booking.activities.save_activity": lambda w: {"data": access_world.activity_input()},
    "booking.activity_form.activity_form_values": lambda w: {"activity_id": None},
    "booking.calendar.month_view": lambda w: {"month": 9},
    "booking.calendar.open_calendar": lambda w: {"month": 9},
    "accounts.invitations.invite_new_guardians": lambda w: {"users": []},
    "backoffice.lists.export_list": lambda w: {"what": "families"},
    "billing.journal_report.journal": lambda w: {"filters": JournalFilter(date(2026, 9, 1), date(2026, 9, 14))},
    "billing.journal_report.journal_csv": lambda w: {"filters": JournalFilter(date(2026, 9, 1), date(2026, 9, 14))},
    "billing.journal_report.journal_pdf": lambda w: {"filters": JournalFilter(date(2026, 9, 1), date(2026, 9, 14))},
    "billing.payments.reverse_payment": lambda w: {"payment_id": 0},
    "billing.payments.refund": lambda w: {"source": "payment:0"},
    "backoffice.caf.caf_export": lambda w: {"file_format": "xlsx"},
    "households.documents.upload_document": lambda w: {"person_id": w.argument("child_id"),
                                                       "data": factories.pdf_bytes()},
    "households.people.set_avatar": lambda w: {"person_id": w.argument("child_id"), "data": factories.png_bytes()},
    "households.documents.save_requirement": lambda w: {"requirement_id": None, "name": "Carnet de vaccination"},
    "households.news.save_post": lambda w: {"post_id": None},
    "households.people.save_child": lambda w: {"first_name": "Zoé", "last_name": "MARTIN", "sex": "F",
                                                "birth_date": "2019-03-02"},
    "accounts.invitations.invite_guardian": lambda w: {"organization_id": w.argument("organization_id")},
    "accounts.invitations.reinvite": lambda w: {"organization_id": w.argument("organization_id")},
    "accounts.team.invite_member": lambda w: {"role": "animateur", "activity_ids": [w.argument("activity_id")]},
    "accounts.team.change_member": lambda w: {"role": "regisseur"},
}


def discover() -> dict[str, object]:
    found = {}
    for module_info in pkgutil.walk_packages(cityviz.services.__path__, "cityviz.services."):
        module = importlib.import_module(module_info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "actor" in inspect.signature(fn).parameters:
                found[f"{module.__name__.removeprefix('cityviz.services.')}.{name}"] = fn
    return found


SERVICES = discover()


def test_every_service_function_is_classified():
    unclassified = sorted(set(SERVICES) - set(POLICY) - set(INTERNAL))
    assert unclassified == [], "classify these in POLICY or INTERNAL: " + ", ".join(unclassified)
    assert sorted((set(POLICY) | set(INTERNAL)) - set(SERVICES)) == []  # nothing stale
    assert set(POLICY).isdisjoint(INTERNAL)


class _Undo(Exception):
    """Leave the call's transaction without committing anything."""


def _call(world, qualified: str, fn, role: str) -> str:
    """'allowed' (the call passed its access checks: it succeeded or failed on a rule) or 'refused'."""
    signature = inspect.signature(fn)
    given = OVERRIDES.get(qualified, lambda w: {})(world)
    values = {**{name: world.argument(name) for name, p in signature.parameters.items()
                 if p.default is p.empty and p.kind != p.VAR_KEYWORD
                 and name not in ("s", "s_factory", "actor", *given)}, **given, "actor": world.actors[role]}
    params = list(signature.parameters)
    outcome = "allowed"
    try:
        if params[0] == "s_factory":
            fn(db.transaction, **values)
        elif params[0] != "s":
            fn(**values)
        else:
            with db.transaction() as s:
                try:
                    fn(s, **values)
                except AccessDenied:
                    outcome = "refused"
                except DomainError:
                    pass
                raise _Undo
    except _Undo:
        pass
    except AccessDenied:
        outcome = "refused"
    except DomainError:
        pass
    return outcome


@pytest.fixture
def world(frozen):
    return access_world.build(frozen)


@pytest.mark.parametrize("role", access_world.ROLES)
def test_each_role_reaches_exactly_what_its_role_allows(world, role):
    wrong = []
    for qualified in sorted(POLICY):
        fn = SERVICES[qualified]
        expected = "allowed" if role in POLICY[qualified] else "refused"
        got = _call(world, qualified, fn, role)
        if got != expected:
            wrong.append(f"{qualified}: {got}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_an_animateur_reaches_only_the_activities_assigned_to_them(world):
    from cityviz.services.booking import attendance

    animateur = world.actors["animateur"]
    with db.read() as s:
        choices = attendance.attendance_activities(s, actor=animateur, organization_id=world.argument("organization_id"))
        days = attendance.sessions_of_day(s, actor=animateur, organization_id=world.argument("organization_id"),
                                          day=world.argument("day"))
        assert [name for _id, name in choices] == ["Restauration scolaire"]  # not « Judo »
        assert [d.activity for d in days] == ["Restauration scolaire"]
