"""« Signaler une absence »: a parent reports a child's absence over one or more dates
(even past the cancellation deadline), with a reason and optionally a medical
certificate; staff accept or refuse it (absence_review.py). The decision writes the
attendance of the sessions covered — justified or absent, per the activity's rule
(absence_rules.py) — and billing reads attendance, so the next invoice follows.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import AbsenceReport, Activity, ActivitySession, Attendance, BillingPeriod, Booking, Person
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking.absence_rules import REASONS, AbsenceRule
from cityviz.services.booking.bookings import own_child
from cityviz.services.errors import AccessDenied, Conflict, InvalidInput, NotFound
from cityviz.services.formatting import format_date, format_month
from cityviz.services.households import files
from cityviz.services.households.documents import FileContent
from cityviz.services.households.scope import require_some_staff
from cityviz.services.inputs import clean

MAX_DAYS = 62  # one report covers two months at most
MAX_PAST_DAYS = 62  # how far back a parent may still report
STATUS_LABELS = {"reported": "Absence signalée", "accepted": "Acceptée", "refused": "Refusée"}


def dates_label(first: date, last: date) -> str:
    return f"le {format_date(first)}" if first == last else f"du {format_date(first)} au {format_date(last)}"


@dataclasses.dataclass(frozen=True)
class Covered:
    """A booked session that an absence covers."""

    session_id: int
    day: date
    activity: Activity


def covered_sessions(s: Session, *, child_id: int, first: date, last: date,
                     organization_id: int | None = None) -> list[Covered]:
    """The child's booked, open sessions between the dates (of one organization, if given)."""
    query = (select(ActivitySession.id, ActivitySession.date, Activity)
             .join(Booking, Booking.session_id == ActivitySession.id)
             .join(Activity, Activity.id == ActivitySession.activity_id)
             .where(Booking.child_id == child_id, Booking.status == "booked", ActivitySession.date >= first,
                    ActivitySession.date <= last, col(ActivitySession.closure_id).is_(None))
             .order_by(ActivitySession.date, Activity.name))
    if organization_id is not None:
        query = query.where(Activity.organization_id == organization_id)
    return [Covered(session_id, day, activity) for session_id, day, activity in s.exec(query).all()]


def _refuse_if_invoiced(s: Session, organization_id: int, first: date, last: date) -> None:
    """Once a month is invoiced its attendance no longer changes what is billed: a credit note does."""
    period = s.exec(select(BillingPeriod).where(
        BillingPeriod.organization_id == organization_id, col(BillingPeriod.status).in_(["issuing", "issued"]),
        BillingPeriod.start_date <= last, BillingPeriod.end_date >= first)
        .order_by(BillingPeriod.start_date)).first()
    if period is not None:
        raise Conflict(f"La facture de {format_month(period.start_date)} est déjà émise : pour une absence de "
                       "ce mois-là, adressez-vous à votre mairie.")


def report_absence(s: Session, *, actor: Actor, child_id: int, date_from: date, date_to: date, reason: str,
                   comment: str = "") -> list[int]:
    """Report an absence; one report per organization whose booked sessions it covers (ids returned)."""
    child = own_child(s, actor, child_id)
    if reason not in REASONS:
        raise InvalidInput("Choisissez le motif de l'absence.", field="reason")
    if date_to < date_from:
        raise InvalidInput("La date de fin doit suivre la date de début.", field="date_to")
    if (date_to - date_from).days >= MAX_DAYS:
        raise InvalidInput("Signalez une absence de deux mois au plus à la fois.", field="date_to")
    today = clock.today()
    if date_from < today - timedelta(days=MAX_PAST_DAYS):
        raise InvalidInput("Cette date est trop ancienne pour être signalée ici : adressez-vous à votre mairie.",
                           field="date_from")
    if date_from > today + timedelta(days=366):
        raise InvalidInput("Cette date est trop lointaine.", field="date_from")
    covered = covered_sessions(s, child_id=child.id, first=date_from, last=date_to)
    if not covered:
        raise InvalidInput(f"{child.first_name} n'a aucune réservation {dates_label(date_from, date_to)} : "
                           "il n'y a rien à signaler.", field="date_from")
    organizations = sorted({c.activity.organization_id for c in covered})
    ids = []
    for organization_id in organizations:
        _refuse_if_invoiced(s, organization_id, date_from, date_to)
        overlap = s.exec(select(AbsenceReport.id).where(
            AbsenceReport.child_id == child.id, AbsenceReport.organization_id == organization_id,
            AbsenceReport.status != "refused", AbsenceReport.date_from <= date_to,
            AbsenceReport.date_to >= date_from)).first()
        if overlap is not None:
            raise Conflict(f"Une absence de {child.first_name} est déjà signalée sur une partie de ces dates.")
        report = AbsenceReport(organization_id=organization_id, household_id=child.household_id, child_id=child.id,
                               date_from=date_from, date_to=date_to, reason=reason,
                               comment=str(comment or "").strip()[:1000], created_at=clock.now(),
                               created_by_id=actor.user_id)
        s.add(report)
        s.flush()
        ids.append(report.id)
        audit.record(s, actor=actor, action="absence.report", organization_id=organization_id,
                     object_type="absence_report", object_id=report.id, child_id=child.id, reason=reason,
                     date_from=date_from, date_to=date_to)
    return ids


def _own_report(s: Session, actor: Actor, report_id: int) -> AbsenceReport:
    household_id = actor.require_household()
    report = s.get(AbsenceReport, report_id)
    if report is None or report.household_id != household_id:
        raise AccessDenied()
    return report


def attach_certificate(s: Session, *, actor: Actor, report_id: int, filename: str, data: bytes) -> None:
    """Join the medical certificate (PDF, JPEG or PNG, 10 MB at most) while the report awaits its decision."""
    report = _own_report(s, actor, report_id)
    if report.status != "reported":
        raise Conflict("Cette absence a déjà été traitée par votre mairie.")
    if report.certificate_key is not None:
        raise Conflict("Un certificat est déjà joint à cette absence.")
    with files.stored(data) as stored:
        report.certificate_key, report.certificate_type = stored.key, stored.content_type
        report.certificate_size = stored.size
        report.certificate_name = clean(filename, 200) or "certificat"
        s.add(report)
        s.flush()
    audit.record(s, actor=actor, action="absence.certificate", organization_id=report.organization_id,
                 object_type="absence_report", object_id=report.id)


@dataclasses.dataclass(frozen=True)
class HouseholdAbsence:
    id: int
    child: str
    dates: str
    reason: str
    comment: str
    status: str
    status_label: str
    decision: str  # the staff's reason, or what accepting meant
    has_certificate: bool
    can_attach: bool


def household_absences(s: Session, *, actor: Actor, limit: int = 30) -> list[HouseholdAbsence]:
    """The household's reports, newest first."""
    household_id = actor.require_household()
    rows = s.exec(select(AbsenceReport, Person.first_name).join(Person, Person.id == AbsenceReport.child_id)
                  .where(AbsenceReport.household_id == household_id)
                  .order_by(col(AbsenceReport.date_from).desc(), col(AbsenceReport.id).desc()).limit(limit)).all()
    return [HouseholdAbsence(
        id=r.id, child=name, dates=dates_label(r.date_from, r.date_to), reason=REASONS[r.reason],
        comment=r.comment, status=r.status, status_label=STATUS_LABELS[r.status],
        decision=(f"Motif : {r.decision_reason}" if r.status == "refused"
                  else r.decision_reason if r.status == "accepted" else ""),
        has_certificate=r.certificate_key is not None,
        can_attach=r.status == "reported" and r.certificate_key is None) for r, name in rows]


def apply_decision(s: Session, report: AbsenceReport, *, accepted: bool, actor: Actor) -> tuple[int, int]:
    """Write the attendance of the covered sessions; (not billed, billed) counts.

    A session already pointed « présent » stays so: the child came after all.
    """
    covered = covered_sessions(s, child_id=report.child_id, first=report.date_from, last=report.date_to,
                               organization_id=report.organization_id)
    per_activity: dict[int, list[Covered]] = defaultdict(list)
    for c in covered:
        per_activity[c.activity.id].append(c)
    marks = {a.session_id: a for a in s.exec(select(Attendance).where(
        Attendance.child_id == report.child_id,
        col(Attendance.session_id).in_([c.session_id for c in covered]))).all()} if covered else {}
    free = billed = 0
    now = clock.now()
    for sessions in per_activity.values():
        rule = AbsenceRule.from_activity(sessions[0].activity)
        billed_days = rule.billed_days(accepted=accepted, reason=report.reason,
                                       has_certificate=report.certificate_key is not None,
                                       days=[c.day for c in sessions])
        for c in sessions:
            mark = marks.get(c.session_id)
            if mark is not None and mark.status in ("present", "unbooked_present"):
                continue
            status = "absent" if c.day in billed_days else "justified"
            mark = mark or Attendance(session_id=c.session_id, child_id=report.child_id,
                                      household_id=report.household_id, status=status, marked_at=now)
            mark.status, mark.marked_at, mark.marked_by_id = status, now, actor.user_id
            s.add(mark)
            if status == "absent":
                billed += 1
            else:
                free += 1
    return free, billed


def get_report(s: Session, actor: Actor, report_id: int, capability: str = "bookings") -> AbsenceReport:
    """A report for its organization's staff whose role allows `capability`."""
    require_some_staff(actor, capability)  # a role that may not: refused whatever the id
    report = s.get(AbsenceReport, report_id) if isinstance(report_id, int) else None
    if report is None or not actor.can(report.organization_id, capability):
        raise NotFound("Absence introuvable dans votre organisation.")  # missing or another town's: alike
    return report


def certificate_content(s: Session, *, actor: Actor, report_id: int) -> FileContent:
    """The medical certificate: for its household, or staff allowed to read documents."""
    report = s.get(AbsenceReport, report_id)
    if report is None:
        raise NotFound("Certificat introuvable.")
    if actor.household_id != report.household_id:
        actor.require_capability(report.organization_id, "documents")
    if report.certificate_key is None:
        raise NotFound("Aucun certificat n'est joint à cette absence.")
    return FileContent(data=files.read(report.certificate_key), content_type=report.certificate_type,
                       filename=report.certificate_name)


def refuse_if_invoiced(s: Session, report: AbsenceReport) -> None:
    _refuse_if_invoiced(s, report.organization_id, report.date_from, report.date_to)


# --- What the calendar shows ----------------------------------------------------------------------

CALENDAR_LABELS = {"absence_reported": "Absence signalée", "absence_justified": "Absence justifiée",
                   "absence_billed": "Absence facturée", "absence_refused": "Absence non justifiée"}


def calendar_marks(s: Session, *, child_ids: list[int], sessions: list[tuple[int, date, int]],
                   first: date, last: date) -> dict[tuple[int, int], str]:
    """{(session id, child id): calendar state} for the booked cells an absence covers.

    `sessions`: (id, date, organization id) of the cells shown. Accepted absences show
    what the decision wrote: justified (not billed) or billed (carence, no certificate).
    """
    if not child_ids or not sessions:
        return {}
    reports = s.exec(select(AbsenceReport).where(col(AbsenceReport.child_id).in_(child_ids),
                                                 AbsenceReport.date_from <= last,
                                                 AbsenceReport.date_to >= first)).all()
    if not reports:
        return {}
    states: dict[tuple[int, int], str] = {}
    for report in sorted(reports, key=lambda r: r.status == "refused"):  # a live report wins over a refused one
        for session_id, day, organization_id in sessions:
            key = (session_id, report.child_id)
            if key in states or organization_id != report.organization_id:
                continue
            if report.date_from <= day <= report.date_to:
                states[key] = {"reported": "absence_reported", "accepted": "absence_justified",
                               "refused": "absence_refused"}[report.status]
    accepted = [k for k, v in states.items() if v == "absence_justified"]
    if accepted:
        marks = dict(((a.session_id, a.child_id), a.status) for a in s.exec(select(Attendance).where(
            col(Attendance.session_id).in_({k[0] for k in accepted}), col(Attendance.child_id).in_(child_ids))))
        for key in accepted:
            if marks.get(key) != "justified":
                states[key] = "absence_billed" if marks.get(key) == "absent" else "booked"
    return {k: v for k, v in states.items() if v != "booked"}
