"""Small builders for tests: make_organization(s, ...), make_household(s, ...)…"""

from __future__ import annotations

import itertools
from datetime import date

from sqlmodel import Session

from cityviz import clock
from cityviz.models import Enrollment, Household, Organization, Person, StaffMembership, User
from cityviz.services.accounts import auth, passwords
from cityviz.services.accounts.actor import Actor

_seq = itertools.count(1)
PASSWORD = "une phrase assez longue"


def make_organization(s: Session, name: str | None = None, postal_code: str = "14760") -> Organization:
    from cityviz.services.accounts.organizations import slugify

    n = next(_seq)
    name = name or f"Commune {n}"
    org = Organization(name=name, slug=slugify(name),
                       postal_code=postal_code, city=name, created_at=clock.now())
    s.add(org)
    s.flush()
    return org


def make_user(s: Session, email: str | None = None, password: str = PASSWORD, **fields) -> User:
    user = User(email=(email or f"user{next(_seq)}@example.org").lower(),
                password_hash=passwords.hash_password(password), must_change_password=False,
                created_at=clock.now(), **fields)
    s.add(user)
    s.flush()
    return user


def make_staff(s: Session, org: Organization, role: str = "agent", email: str | None = None) -> User:
    user = make_user(s, email=email, display_name=f"Agent {next(_seq)}")
    s.add(StaffMembership(user_id=user.id, organization_id=org.id, role=role, created_at=clock.now()))
    s.flush()
    return user


def make_household(s: Session, last_name: str = "MARTIN", email: str | None = None,
                   org: Organization | None = None) -> tuple[Household, Person, User]:
    """A household with one guardian who has an account (and a dossier with `org`)."""
    household = Household(street="1 rue de la Paix", postal_code="14760", city="Bretteville-sur-Odon",
                          created_at=clock.now())
    s.add(household)
    s.flush()
    guardian = Person(household_id=household.id, role="guardian", first_name="Camille",
                      last_name=last_name, email=email or "", created_at=clock.now())
    s.add(guardian)
    s.flush()
    user = make_user(s, email=email, person_id=guardian.id)
    if org is not None:
        enroll(s, guardian, org)
    return household, guardian, user


def make_child(s: Session, household: Household, first_name: str = "Léo",
               birth_date: date = date(2018, 5, 4), org: Organization | None = None,
               status: str = "validated") -> Person:
    child = Person(household_id=household.id, role="child", first_name=first_name,
                   last_name="MARTIN", birth_date=birth_date, school_level="CE1", created_at=clock.now())
    s.add(child)
    s.flush()
    if org is not None:
        enroll(s, child, org, status=status)
    return child


def enroll(s: Session, person: Person, org: Organization, status: str = "validated") -> Enrollment:
    now = clock.now()
    enrollment = Enrollment(person_id=person.id, household_id=person.household_id,
                            organization_id=org.id, status=status, created_at=now, updated_at=now)
    s.add(enrollment)
    s.flush()
    return enrollment


def actor(s: Session, user: User) -> Actor:
    return auth.actor_for_user(s, user_id=user.id)


def pdf_bytes(text: str = "justificatif") -> bytes:
    """A real one-page PDF (browsers display it)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=20)
    pdf.cell(text=text)
    return bytes(pdf.output())


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "red") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def make_requirement(s: Session, org: Organization, name: str, scope: str, mandatory: bool = True):
    from cityviz.models import DocumentRequirement

    requirement = DocumentRequirement(organization_id=org.id, name=name, scope=scope, mandatory=mandatory,
                                      created_at=clock.now())
    s.add(requirement)
    s.flush()
    return requirement


def make_activity(s: Session, org: Organization, actor_: Actor | None = None, **overrides):
    """An activity set up through the staff service (sessions generated)."""
    from cityviz.models import Activity
    from cityviz.services.booking import activities, rules

    staff = actor_ or actor(s, make_staff(s, org))
    values = dict(name="Restauration scolaire", kind="canteen", unit="meal", start_date=date(2026, 9, 1),
                  end_date=date(2026, 12, 18), weekdays=[0, 1, 3, 4], start_minutes=11 * 60 + 45,
                  end_minutes=13 * 60 + 30, capacity=30,
                  booking=rules.NoticeRule("working_days", 2, 12 * 60),
                  cancel=rules.NoticeRule("working_days", 2, 12 * 60),
                  price_bands=[(500, 120), (900, 250), (None, 360)])
    values.update(overrides)
    activity_id = activities.save_activity(s, actor=staff, organization_id=org.id, activity_id=None,
                                           data=activities.ActivityInput(**values))
    return s.get(Activity, activity_id)


def register(s: Session, activity, child: Person, status: str = "validated"):
    from cityviz.models import ActivityRegistration

    registration = ActivityRegistration(activity_id=activity.id, child_id=child.id,
                                        household_id=child.household_id, status=status,
                                        requested_at=clock.now())
    s.add(registration)
    s.flush()
    return registration


def session_on(s: Session, activity, day: date):
    from sqlmodel import select

    from cityviz.models import ActivitySession

    return s.exec(select(ActivitySession).where(ActivitySession.activity_id == activity.id,
                                                ActivitySession.date == day)).one()
