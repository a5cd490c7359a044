"""A small town with one of everything, for the access matrix (tests/test_access_matrix.py): each
staff role, the platform administrator, a parent, and an object of every kind a service takes an
id of. `argument(name)` answers a service's parameter by its name."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from sqlmodel import select

from cityviz import clock, db
from cityviz.models import (
    AccountDeletionRequest,
    Attendance,
    BillingPeriod,
    Booking,
    DirectDebit,
    Enrollment,
    Invoice,
    MessageAttachment,
    StaffActivity,
    User,
)
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing import direct_debits, periods
from cityviz.services.booking import absences, activities, calendar, closures, rules
from cityviz.services.households import documents, messaging, news, people
from cityviz.services.operations import deletion_requests
from tests import factories

ROLES = ("admin", "agent", "animateur", "regisseur", "parent", "platform")
PARIS = clock.PARIS


@dataclasses.dataclass
class World:
    actors: dict[str, Actor]
    ids: dict[str, Any]

    def argument(self, name: str) -> Any:
        return self.ids[name]


def _activity_input(**overrides) -> activities.ActivityInput:
    values = dict(name="Restauration scolaire", kind="canteen", unit="meal", start_date=date(2026, 8, 3),
                  end_date=date(2026, 12, 18), weekdays=[0, 1, 3, 4], start_minutes=11 * 60 + 45,
                  end_minutes=13 * 60 + 30, capacity=30, booking=rules.NoticeRule("none"),
                  cancel=rules.NoticeRule("none"), price_bands=[(None, 360)])
    return activities.ActivityInput(**{**values, **overrides})


def build(frozen) -> World:
    """August 2026 billed, now Monday 14/09/2026 (the tests' frozen clock)."""
    frozen.move_to(datetime(2026, 9, 1, 8, 0, tzinfo=PARIS))
    with db.transaction() as s:
        org = factories.make_organization(s, name="Bretteville-sur-Odon")
        org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP"
        users = {role: factories.make_staff(s, org, role=role) for role in ("admin", "agent", "animateur", "regisseur")}
        platform = factories.make_user(s, is_platform_admin=True, display_name="Plateforme")
        admin = factories.actor(s, users["admin"])
        household, guardian, parent_user = factories.make_household(s, email="martin@example.org", org=org)
        child = factories.make_child(s, household, org=org, status="submitted")  # documents may still come
        canteen = factories.make_activity(s, org, admin, start_date=date(2026, 8, 3), booking=rules.NoticeRule("none"),
                                          cancel=rules.NoticeRule("none"), price_bands=[(None, 360)])
        judo = factories.make_activity(s, org, admin, name="Judo", kind="leisure", enrolment_mode="validation",
                                       booking=rules.NoticeRule("none"), price_bands=[(None, 500)])
        s.add(StaffActivity(user_id=users["animateur"].id, activity_id=canteen.id, created_at=clock.now()))
        factories.register(s, canteen, child)
        registration = factories.register(s, judo, child, status="pending")
        august = factories.session_on(s, canteen, date(2026, 8, 3))
        now = clock.now()
        s.add(Booking(session_id=august.id, child_id=child.id, household_id=household.id, status="booked",
                      created_at=now, updated_at=now))
        august.booked_count = 1
        s.add(Attendance(session_id=august.id, child_id=child.id, household_id=household.id, status="present",
                         marked_at=now))
        requirement = factories.make_requirement(s, org, "Attestation d'assurance", "child")
        enrollment = s.exec(select(Enrollment).where(Enrollment.person_id == child.id)).one()
        ids = dict(org=org.id, household=household.id, guardian=guardian.id, child=child.id, canteen=canteen.id,
                   judo=judo.id, registration=registration.id, requirement=requirement.id, enrollment=enrollment.id,
                   parent_user=parent_user.id, agent_user=users["agent"].id)
        actors = {role: factories.actor(s, user) for role, user in users.items()}
        actors["parent"] = factories.actor(s, parent_user)
        actors["platform"] = factories.actor(s, platform)
    with db.transaction() as s:
        direct_debits.save_mandate(s, actor=admin, organization_id=org.id, household_id=household.id,
                                   holder_name="Camille Martin", iban="FR76 3000 6000 0112 3456 7890 189", bic="",
                                   reference="RUM-1", signed_on=date(2026, 8, 1))
    periods.issue_all(db.transaction, actor=admin, organization_id=org.id, month="2026-08")
    frozen.move_to(datetime(2026, 9, 14, 10, 0, tzinfo=PARIS))
    parent = actors["parent"]
    with db.transaction() as s:
        document = documents.upload_document(s, actor=parent, requirement_id=requirement.id, person_id=child.id,
                                             filename="assurance.pdf", data=factories.pdf_bytes())
        post = news.save_post(s, actor=admin, organization_id=org.id, post_id=None, title="Rentrée",
                              body="Bonne rentrée à tous.", publish=True, image=factories.png_bytes())
        people.set_avatar(s, actor=parent, person_id=guardian.id, data=factories.png_bytes())
        closure = closures.create_closure(s, actor=admin, organization_id=org.id, start=date(2026, 10, 1),
                                          end=date(2026, 10, 1), reason="Grève").closure_id
    with db.transaction() as s:  # booked today, then reported ill
        today = factories.session_on(s, s.get(type(canteen), canteen.id), date(2026, 9, 14))
        s.add(Booking(session_id=today.id, child_id=child.id, household_id=household.id, status="booked",
                      created_at=clock.now(), updated_at=clock.now()))
        today.booked_count += 1
        s.add(today)
    with db.transaction() as s:
        [report] = absences.report_absence(s, actor=parent, child_id=child.id, date_from=date(2026, 9, 14),
                                           date_to=date(2026, 9, 14), reason="illness")
    with db.transaction() as s:
        thread = messaging.start_thread(s, actor=parent, organization_id=org.id, subject="Question",
                                        body="Bonjour", child_id=child.id,
                                        attachments=[("ordonnance.pdf", factories.pdf_bytes())])
        attachment = s.exec(select(MessageAttachment)).one().id
    with db.transaction() as s:
        deletion_requests.request_deletion(s, actor=parent)
    with db.read() as s:
        invoice = s.exec(select(Invoice)).one()
        period = s.exec(select(BillingPeriod)).one()
        debit = s.exec(select(DirectDebit)).one()
        request = s.exec(select(AccountDeletionRequest)).one()
        session_today = factories.session_on(s, s.get(type(canteen), canteen.id), date(2026, 9, 14))
        user = s.get(User, parent_user.id)
    ids.update(invoice=invoice.id, period=period.id, debit=debit.id, document=document, post=post, closure=closure,
               request=request.id, session=session_today.id, report=report, parent_user_object=user,
               thread=thread, attachment=attachment)
    return World(actors=actors, ids=_arguments(ids))


def _arguments(x: dict) -> dict[str, Any]:
    """Each parameter name a service takes -> a value that reaches the town's objects."""
    return {
        "organization_id": x["org"], "household_id": x["household"], "person_id": x["guardian"],
        "child_id": x["child"], "activity_id": x["canteen"], "session_id": x["session"],
        "registration_id": x["registration"], "requirement_id": x["requirement"], "enrollment_id": x["enrollment"],
        "invoice_id": x["invoice"], "document_id": x["invoice"], "kind": "invoice", "period_id": x["period"],
        "debit_id": x["debit"], "post_id": x["post"], "closure_id": x["closure"], "request_id": x["request"],
        "user_id": x["agent_user"], "user": x["parent_user_object"], "job_id": 0,
        "report_id": x["report"], "thread_id": x["thread"], "attachment_id": x["attachment"],
        "subject": "Sortie annulée", "monday": date(2026, 9, 14), "date_from": date(2026, 9, 14),
        "date_to": date(2026, 9, 14), "image": True, "leave_alone": False, "leave_alone_from": "", "pickups": [],
        "emergency_care": True, "transport": False, "dishes": [],
        "month": "2026-08", "start": date(2026, 9, 14), "end": date(2026, 9, 18), "day": date(2026, 9, 14),
        "received_on": date(2026, 9, 14), "signed_on": date(2026, 9, 1), "year": 2026,
        "email": "nouvelle.personne@example.org", "display_name": "Nouvelle Personne", "role": "agent",
        "first_name": "Nina", "last_name": "PETIT", "civility": "Mme", "name": "Nouvelle commune",
        "postal_code": "14000", "city": "Caen", "reason": "Motif", "holder_name": "Camille Martin",
        "iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "", "reference": "RUM-2", "paid": True,
        "method": "cash", "amount": "1,00", "accept": True, "status": "present", "capacity": 31,
        "invoice_ids": [x["invoice"]], "line_ids": None, "household_ids": [x["household"]], "person_ids": [x["child"]],
        "activity_ids": [], "query": "Bretteville", "title": "Info", "body": "Texte", "publish": False,
        "published": False, "active": True, "mandatory": True, "scope": "household", "years": 3,
        "filename": "assurance.pdf", "current_password": "mauvais mot de passe", "new_password": "x",
        "street": "2 rue Haute", "phone_mobile": "", "legal_name": "Régie", "legal_address": "Place de la Mairie",
        "siret": "", "invoice_due_days": 30, "payment_backend": "", "payment_options": {},
        "data": b"", "rows": [], "dossier_id": 0, "school_year": 2027, "opens_on": date(2026, 9, 14),
        "closes_on": date(2027, 6, 30), "percent": 0, "part": "contacts", "values": {},
        "request": calendar.BulkRequest(child_ids=[x["child"]], activity_id=x["canteen"], date_from=date(2026, 9, 21),
                                        date_to=date(2026, 9, 25), weekdays=[0]),
    }


def activity_input() -> activities.ActivityInput:
    return _activity_input()
