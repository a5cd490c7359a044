"""Demo data, loaded only by `python -m cityviz demo` (and `make run`).

Everything here is marked as demo (`is_demo`) and can be loaded again
without creating duplicates: each part is skipped when it already exists.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import (
    Activity,
    ActivityRegistration,
    ActivitySession,
    Attendance,
    Booking,
    DocumentRequirement,
    Enrollment,
    EnrollmentEvent,
    FamilyQuotient,
    Household,
    NewsPost,
    Organization,
    Person,
    PriceBand,
    StaffMembership,
    User,
)
from cityviz.services.accounts import organizations
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import activities

DEMO_PASSWORD = "demo-cityviz-2026"


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str


DEMO_ACCOUNTS = (
    DemoAccount("admin@example.org", "administrateur de la plateforme"),
    DemoAccount("agent.bretteville@example.org", "agent de Bretteville-sur-Odon"),
    DemoAccount("agent.demostars@example.org", "agent de Démostars-sur-Mer"),
    DemoAccount("audrey.noiret@example.org", "parent (foyer NOIRET, Démostars-sur-Mer)"),
    DemoAccount("julie.martin@example.org", "parent (foyer MARTIN, Démostars-sur-Mer)"),
)

ORGANIZATIONS = (
    ("Bretteville-sur-Odon", "14760", "Bretteville-sur-Odon", "agent.bretteville@example.org",
     "Agent Bretteville"),
    ("Démostars-sur-Mer", "17999", "Démostars-sur-Mer", "agent.demostars@example.org",
     "Agent Démostars"),
)

REQUIREMENTS = (
    ("Justificatif de domicile", "household", True, "Facture d'énergie ou quittance de moins de 3 mois."),
    ("Attestation de quotient familial (CAF)", "household", False,
     "Sans attestation, le tarif le plus élevé s'applique."),
    ("Attestation d'assurance responsabilité civile", "household", True, "Année scolaire en cours."),
    ("Carnet de vaccination", "child", True, "Pages des vaccinations obligatoires."),
    ("Fiche sanitaire de liaison", "child", True, "Complétée et signée."),
)

# How long the demo's documents stay valid (the others: no limit).
VALIDITY = {"Attestation de quotient familial (CAF)": "calendar_year",
            "Attestation d'assurance responsabilité civile": "school_year"}


def school_year(today: date) -> tuple[date, date]:
    start_year = today.year if today.month >= 8 else today.year - 1
    return date(start_year, 9, 1), date(start_year + 1, 7, 3)


def _activities(org_id: int, today: date, now) -> list[tuple[Activity, list[tuple[int | None, int]]]]:
    start, end = school_year(today)
    common = dict(organization_id=org_id, start_date=start, end_date=end, created_at=now)
    two_working_days = dict(
        booking_notice_kind="working_days", booking_notice_days=2, booking_cutoff_minutes=12 * 60,
        cancel_notice_kind="working_days", cancel_notice_days=2, cancel_cutoff_minutes=12 * 60,
    )
    care_bands = [(500, 110), (900, 160), (None, 210)]
    return [
        (Activity(name="Restauration scolaire", kind="canteen", unit="meal", weekdays="0,1,3,4",
                  start_minutes=11 * 60 + 45, end_minutes=13 * 60 + 30, capacity=120,
                  description="Repas du midi préparé par la cuisine centrale.", school_period="school", is_food=True,
                  **two_working_days, **common),
         [(500, 120), (900, 250), (None, 360)]),
        (Activity(name="Garderie du matin", kind="morning_care", unit="hour", weekdays="0,1,3,4",
                  start_minutes=7 * 60 + 30, end_minutes=8 * 60 + 30, capacity=40,
                  description="Accueil avant la classe, de 7h30 à 8h30.", school_period="school",
                  booking_notice_kind="calendar_days", booking_notice_days=1,
                  booking_cutoff_minutes=18 * 60, cancel_notice_kind="calendar_days",
                  cancel_notice_days=1, cancel_cutoff_minutes=18 * 60,
                  unbooked_surcharge_percent=50, **common),
         care_bands),
        (Activity(name="Garderie du soir", kind="evening_care", unit="hour", weekdays="0,1,3,4",
                  start_minutes=16 * 60 + 30, end_minutes=18 * 60 + 30, capacity=40,
                  description="Accueil après la classe, goûter compris, de 16h30 à 18h30.", school_period="school",
                  booking_notice_kind="calendar_days", booking_notice_days=1,
                  booking_cutoff_minutes=18 * 60, cancel_notice_kind="calendar_days",
                  cancel_notice_days=1, cancel_cutoff_minutes=18 * 60,
                  unbooked_surcharge_percent=50, **common),
         care_bands),
        (Activity(name="Accueil de loisirs du mercredi", kind="leisure", unit="day", weekdays="2",
                  start_minutes=8 * 60, end_minutes=18 * 60, capacity=24,
                  enrolment_mode="validation", max_enrolled=60, min_age=3, max_age=11,
                  description="Journée d'activités au centre de loisirs, repas compris.",
                  booking_notice_kind="previous_week", booking_notice_weekday=1,
                  booking_cutoff_minutes=23 * 60 + 59, cancel_notice_kind="previous_week",
                  cancel_notice_weekday=1, cancel_cutoff_minutes=23 * 60 + 59, **common),
         [(500, 800), (900, 1200), (None, 1600)]),
    ]


def _user(s: Session, email: str, password_hash: str, **fields) -> User:
    user = s.exec(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, password_hash=password_hash, must_change_password=False,
                    created_at=clock.now(), **fields)
        s.add(user)
        s.flush()
    return user


def _organization(s: Session, name: str, postal_code: str, city: str) -> Organization:
    org = organizations.get_by_slug(s, organizations.slugify(name))
    if org is not None:
        return org
    org = organizations.create_organization(
        s, actor=Actor.system(), name=name, postal_code=postal_code, city=city, is_demo=True
    )
    org.legal_name = f"Régie enfance de {name}"
    org.legal_address = f"Mairie, place de la République, {postal_code} {city}"
    org.siret = "21140118700016" if postal_code == "14760" else "21179999900011"
    org.school_zone = "B"  # Normandie and the Atlantic coast
    org.payment_backend = "dummy"  # the bank simulator: online payment works offline
    org.sepa_creditor_id, org.sepa_iban, org.sepa_bic = "FR72ZZZ123456", "FR7630006000011234567890189", "AGRIFRPP"
    now = clock.now()
    for position, (label, scope, mandatory, description) in enumerate(REQUIREMENTS):
        s.add(DocumentRequirement(organization_id=org.id, name=label, scope=scope, mandatory=mandatory,
                                  description=description, position=position, created_at=now,
                                  validity=VALIDITY.get(label, "unlimited")))
    for activity, bands in _activities(org.id, clock.today(), now):
        s.add(activity)
        s.flush()
        for qf_max, cents in bands:
            s.add(PriceBand(activity_id=activity.id, qf_max=qf_max, price_cents=cents))
        activities.sync_sessions(s, activity)
    s.add(NewsPost(organization_id=org.id, title="Bienvenue sur votre portail familles",
                   body=("Inscriptions, réservations de la cantine et de la garderie, factures : "
                         "tout se fait désormais ici, depuis votre téléphone."),
                   published_at=now, created_at=now))
    s.add(org)
    return org


def _noiret(s: Session, org: Organization, password_hash: str) -> None:
    if s.exec(select(User).where(User.email == "audrey.noiret@example.org")).first():
        return
    now = clock.now()
    household = Household(street="12 rue des Mouettes", postal_code=org.postal_code, city=org.city,
                          created_at=now, created_by_organization_id=org.id, is_demo=True)
    s.add(household)
    s.flush()
    s.add(FamilyQuotient(household_id=household.id, value=720, valid_from=date(2024, 1, 1), created_at=now))
    people = [
        Person(household_id=household.id, role="guardian", civility="Mme", first_name="Audrey",
               last_name="NOIRET", email="audrey.noiret@example.org", phone_mobile="+33612345678",
               created_at=now),
        Person(household_id=household.id, role="guardian", civility="M.", first_name="Philippe",
               last_name="NOIRET", email="philippe.noiret@example.org", phone_mobile="+33698765432",
               created_at=now),
        Person(household_id=household.id, role="child", first_name="Léa", last_name="NOIRET",
               birth_date=date(2017, 3, 14), sex="F", school="École des Dunes", school_level="CM1",
               allergies="Arachides", authorised_pickups="Mamie Jeanne NOIRET (06 11 22 33 44)",
               created_at=now),
        Person(household_id=household.id, role="child", first_name="Tom", last_name="NOIRET",
               birth_date=date(2019, 9, 2), sex="M", school="École des Dunes", school_level="CP",
               created_at=now),
    ]
    s.add_all(people)
    s.flush()
    _user(s, "audrey.noiret@example.org", password_hash, person_id=people[0].id)
    for person in people[2:]:
        enrollment = Enrollment(person_id=person.id, household_id=household.id, organization_id=org.id,
                                status="validated", created_at=now, updated_at=now,
                                submitted_at=now, decided_at=now)
        s.add(enrollment)
        s.flush()
        s.add(EnrollmentEvent(enrollment_id=enrollment.id, at=now, from_status="submitted",
                              to_status="validated", reason="Données de démonstration"))


def _martin(s: Session, org: Organization, password_hash: str) -> None:
    """A second family of the town (no quotient on file: the highest price band)."""
    if s.exec(select(User).where(User.email == "julie.martin@example.org")).first():
        return
    now = clock.now()
    household = Household(street="4 allée des Pins", postal_code=org.postal_code, city=org.city, created_at=now,
                          created_by_organization_id=org.id, is_demo=True)
    s.add(household)
    s.flush()
    julie = Person(household_id=household.id, role="guardian", civility="Mme", first_name="Julie",
                   last_name="MARTIN", email="julie.martin@example.org", phone_mobile="+33611223344",
                   created_at=now)
    hugo = Person(household_id=household.id, role="child", first_name="Hugo", last_name="MARTIN",
                  birth_date=date(2018, 1, 22), sex="M", school="École des Dunes", school_level="CE2",
                  created_at=now)
    s.add_all([julie, hugo])
    s.flush()
    _user(s, "julie.martin@example.org", password_hash, person_id=julie.id)
    s.add(Enrollment(person_id=hugo.id, household_id=household.id, organization_id=org.id, status="validated",
                     created_at=now, updated_at=now, submitted_at=now, decided_at=now))


def load_demo(s: Session, *, actor: Actor, password_hash: str) -> None:
    """Create what is missing of the demo (hash `DEMO_PASSWORD` before calling)."""
    actor.require_platform_admin()
    admin = _user(s, "admin@example.org", password_hash, is_platform_admin=True,
                  display_name="Administrateur Cityviz")
    admin.is_platform_admin = True
    orgs = {}
    for name, postal_code, city, agent_email, agent_name in ORGANIZATIONS:
        org = _organization(s, name, postal_code, city)
        orgs[name] = org
        agent = _user(s, agent_email, password_hash, display_name=agent_name)
        if not s.exec(select(StaffMembership).where(StaffMembership.user_id == agent.id)).first():
            s.add(StaffMembership(user_id=agent.id, organization_id=org.id, role="admin",
                                  created_at=clock.now()))
    _noiret(s, orgs["Démostars-sur-Mer"], password_hash)
    _martin(s, orgs["Démostars-sur-Mer"], password_hash)
    s.flush()
    _history(s, orgs["Démostars-sur-Mer"], "Léa", "NOIRET", ["canteen", "evening_care"])
    _history(s, orgs["Démostars-sur-Mer"], "Hugo", "MARTIN", ["canteen"])


def _history(s: Session, org: Organization, first_name: str, last_name: str, kinds: list[str]) -> None:
    """A child's bookings since the start of the school year (canteen every day,
    evening care on Tuesdays and Thursdays), two weeks ahead, and the attendance
    of the past days — so that calendars, attendance and invoices have something to show."""
    lea = s.exec(select(Person).where(Person.first_name == first_name, Person.last_name == last_name)).first()
    if lea is None or s.exec(select(ActivityRegistration).where(ActivityRegistration.child_id == lea.id)).first():
        return
    now, today = clock.now(), clock.today()
    chosen = s.exec(select(Activity).where(Activity.organization_id == org.id, col(Activity.kind).in_(kinds))).all()
    for activity in chosen:
        s.add(ActivityRegistration(activity_id=activity.id, child_id=lea.id, household_id=lea.household_id,
                                   status="validated", requested_at=now, decided_at=now))
        sessions = s.exec(select(ActivitySession).where(
            ActivitySession.activity_id == activity.id, ActivitySession.date <= today + timedelta(days=14),
            col(ActivitySession.closure_id).is_(None))).all()
        for n, session in enumerate(sessions):
            if activity.kind == "evening_care" and session.date.weekday() not in (1, 3):
                continue  # evening care on Tuesdays and Thursdays only
            s.add(Booking(session_id=session.id, child_id=lea.id, household_id=lea.household_id, status="booked",
                          created_at=now, updated_at=now))
            session.booked_count += 1
            s.add(session)
            if session.date < today:
                status = "justified" if n % 17 == 5 else "absent" if n % 23 == 7 else "present"
                s.add(Attendance(session_id=session.id, child_id=lea.id, household_id=lea.household_id,
                                 status=status, marked_at=now))
