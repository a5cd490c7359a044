"""A year's tax certificates in one run: staff ask, a background job goes through the
households that paid the organization during the year, chunk after chunk (each its own
transaction), and tells each family whose children under 6 had care paid that its
« Attestation fiscale » is ready in the portal (the PDF is produced on demand from the same
figures). A notice row per household makes a resumed run skip the families already told.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import insert
from sqlmodel import Session, col, func, select

from cityviz import clock, config, db, jobs
from cityviz.models import Job, Payment, Person, TaxCertificateNotice, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts import auth
from cityviz.services.accounts.actor import Actor
from cityviz.services.billing.certificates import care_paid_by_household, under_six
from cityviz.services.errors import AccessDenied, InvalidInput
from cityviz.services.formatting import format_money

JOB = "billing.tax_certificates"
CHUNK = 200


def _key(organization_id: int, year: int) -> str:
    return f"{JOB}:{organization_id}:{year}"


def request_tax_run(s: Session, *, actor: Actor, organization_id: int, year: int) -> int:
    """Start the run of a year (once; asked again, the same job — run again if it failed)."""
    actor.require_capability(organization_id, "billing")
    if not 2000 <= year < clock.today().year:
        raise InvalidInput("Les attestations fiscales se produisent pour une année terminée.", field="year")
    job = jobs.enqueue(s, JOB, organization_id=organization_id, created_by_id=actor.user_id,
                       label=f"Attestations fiscales {year}", unique_key=_key(organization_id, year),
                       organization_id_arg=organization_id, year=year)
    if job.status in ("failed", "cancelled"):
        jobs.retry_job(s, job)
    audit.record(s, actor=actor, action="tax_certificates.request", organization_id=organization_id,
                 object_type="job", object_id=job.id, year=year)
    return job.id


def _households(s: Session, organization_id: int, year: int) -> list[int]:
    """Households that paid the organization in the year and were not told yet, in a stable order."""
    told = select(TaxCertificateNotice.household_id).where(TaxCertificateNotice.organization_id == organization_id,
                                                           TaxCertificateNotice.year == year)
    return list(s.exec(select(Payment.household_id).distinct().where(
        Payment.organization_id == organization_id, col(Payment.reversed_at).is_(None),
        Payment.received_on >= date(year, 1, 1), Payment.received_on <= date(year, 12, 31),
        col(Payment.household_id).not_in(told)).order_by(Payment.household_id)).all())


def produce_chunk(s: Session, *, actor: Actor, organization_id: int, year: int, limit: int = CHUNK) -> tuple[int, int]:
    """Tell the next `limit` households; returns (households done now, certificates among them)."""
    actor.require_capability(organization_id, "billing")
    households = _households(s, organization_id, year)[:limit]
    if not households:
        return 0, 0
    children = s.exec(select(Person).where(col(Person.household_id).in_(households), Person.role == "child")).all()
    young = {c.id: c for c in children if under_six(c.birth_date, year)}
    addresses: dict[int, list[str]] = {}
    for household_id, email in s.exec(select(Person.household_id, User.email).join(User, User.person_id == Person.id)
                                      .where(col(Person.household_id).in_(households),
                                             User.is_active == True)).all():  # noqa: E712
        addresses.setdefault(household_id, []).append(email)
    rows, certificates, now = [], 0, clock.now()
    figures = care_paid_by_household(s, households, year)
    for household_id in households:
        paid = {child_id: cents for (child_id, org), cents in figures.get(household_id, {}).items()
                if org == organization_id and child_id in young and cents > 0}
        rows.append({"organization_id": organization_id, "household_id": household_id, "year": year,
                     "total_cents": sum(paid.values()), "created_at": now})
        if not paid:
            continue
        certificates += len(paid)
        lines = "\n".join(f"- {young[c].first_name} : {format_money(cents)}" for c, cents in sorted(paid.items()))
        for address in addresses.get(household_id, []):
            mail.queue_email(s, to=address, subject=f"Votre attestation fiscale {year} (frais de garde)",
                             organization_id=organization_id,
                             body=(f"Bonjour,\n\nVotre attestation fiscale {year} pour les frais de garde de vos "
                                   f"enfants de moins de 6 ans est disponible :\n{lines}\n\nTéléchargez-la depuis "
                                   f"« Attestations » : {config.get().public_url}/attestations\n"))
    s.execute(insert(TaxCertificateNotice.__table__), rows)
    return len(households), certificates


@jobs.job(JOB, label="Attestations fiscales", retries=5, backoff=30)
def tax_certificates_job(ctx: jobs.JobContext, *, organization_id_arg: int, year: int) -> str:
    """As the staff member who asked (their rights checked again at each chunk)."""
    if ctx.created_by_id is None:
        raise AccessDenied("Lancez la production des attestations depuis la page Facturation.")
    with db.read() as s:
        actor = auth.actor_for_user(s, user_id=ctx.created_by_id)
        total = len(_households(s, organization_id_arg, year))
    done = certificates = 0
    while True:
        with db.transaction() as s:
            households, made = produce_chunk(s, actor=actor, organization_id=organization_id_arg, year=year)
            done, certificates = done + households, certificates + made
            ctx.progress(done, total, f"{done} foyer(s) sur {total}", s=s)
        if not households:
            break
    return f"{certificates} attestation(s) fiscale(s) {year} : {done} foyer(s) traité(s), familles prévenues."


@dataclasses.dataclass(frozen=True)
class RunStatus:
    status: str  # "" when never asked, else the job's status
    done: int
    total: int
    summary: str


def run_status(s: Session, *, actor: Actor, organization_id: int, year: int) -> RunStatus:
    actor.require_capability(organization_id, "billing")
    job = s.exec(select(Job).where(Job.unique_key == _key(organization_id, year))).first()
    if job is None:
        return RunStatus("", 0, 0, "")
    told = s.exec(select(func.count()).select_from(TaxCertificateNotice).where(
        TaxCertificateNotice.organization_id == organization_id, TaxCertificateNotice.year == year)).one()
    return RunStatus(job.status, told, max(job.progress_total, told), job.result or job.last_error or "")
