"""Staff side of « Signaler une absence »: the reports to decide, and the decision."""

from __future__ import annotations

import dataclasses

from sqlmodel import Session, col, func, select

from cityviz import clock, config
from cityviz.models import AbsenceReport, Person, User
from cityviz.services import audit
from cityviz.services import email as mail
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking.absence_rules import REASONS, AbsenceRule
from cityviz.services.booking.absences import (
    STATUS_LABELS,
    apply_decision,
    covered_sessions,
    dates_label,
    get_report,
    refuse_if_invoiced,
)
from cityviz.services.errors import Conflict, InvalidInput
from cityviz.services.formatting import format_datetime

FILTERS = {"reported": "À traiter", "accepted": "Acceptées", "refused": "Refusées", "all": "Toutes"}


@dataclasses.dataclass(frozen=True)
class AbsenceRow:
    id: int
    child: str
    level: str
    dates: str
    reason: str
    comment: str
    status: str
    status_label: str
    reported: str  # "le 05/10/2026 à 08:12"
    certificate: bool
    certificate_name: str
    can_read_certificate: bool
    sessions: str  # what the absence covers and what accepting it bills
    decision: str


def _outcome(s: Session, report: AbsenceReport) -> str:
    """'3 séance(s) réservée(s) ; si acceptée : 2 non facturée(s), 1 facturée(s) (carence).'"""
    covered = covered_sessions(s, child_id=report.child_id, first=report.date_from, last=report.date_to,
                               organization_id=report.organization_id)
    if not covered:
        return "Plus aucune séance réservée sur ces dates."
    billed = 0
    by_activity: dict[int, list] = {}
    for c in covered:
        by_activity.setdefault(c.activity.id, []).append(c)
    rules = []
    for sessions in by_activity.values():
        rule = AbsenceRule.from_activity(sessions[0].activity)
        billed += len(rule.billed_days(accepted=True, reason=report.reason,
                                       has_certificate=report.certificate_key is not None,
                                       days=[c.day for c in sessions]))
        rules.append((sessions[0].activity.name, rule.describe()))
    names = ", ".join(sorted({c.activity.name for c in covered}))
    head = f"{len(covered)} séance(s) réservée(s) ({names})"
    if report.status != "reported":
        return head + "."
    described = ({f"Règle : {text}" for _name, text in rules} if len({text for _n, text in rules}) == 1
                 else {f"{name} : {text}" for name, text in rules})
    return (f"{head} ; si elle est acceptée : {len(covered) - billed} non facturée(s), {billed} facturée(s). "
            + " ".join(sorted(described)))


def list_absences(s: Session, *, actor: Actor, organization_id: int, status: str = "reported", page: int = 0,
                  per_page: int = 20) -> tuple[list[AbsenceRow], int]:
    """The organization's reports: those to decide first (oldest first), or decided ones (newest first)."""
    actor.require_capability(organization_id, "bookings")
    conditions = [AbsenceReport.organization_id == organization_id]
    if status in STATUS_LABELS:
        conditions.append(AbsenceReport.status == status)
    total = s.exec(select(func.count()).select_from(AbsenceReport).where(*conditions)).one()
    order = ((AbsenceReport.date_from, AbsenceReport.id) if status == "reported"
             else (col(AbsenceReport.date_from).desc(), col(AbsenceReport.id).desc()))
    rows = s.exec(select(AbsenceReport, Person).join(Person, Person.id == AbsenceReport.child_id)
                  .where(*conditions).order_by(*order).offset(page * per_page).limit(per_page)).all()
    may_read = actor.can(organization_id, "documents")
    return [AbsenceRow(
        id=r.id, child=f"{p.last_name} {p.first_name}", level=p.school_level, dates=dates_label(r.date_from, r.date_to),
        reason=REASONS[r.reason], comment=r.comment, status=r.status, status_label=STATUS_LABELS[r.status],
        reported=f"le {format_datetime(r.created_at)}", certificate=r.certificate_key is not None,
        certificate_name=r.certificate_name, can_read_certificate=may_read and r.certificate_key is not None,
        sessions=_outcome(s, r), decision=r.decision_reason) for r, p in rows], total


def decide_absence(s: Session, *, actor: Actor, report_id: int, accept: bool, reason: str = "") -> tuple[int, int]:
    """Accept or refuse (with the reason the family reads); the attendance of the sessions covered
    follows, hence the next invoice. Returns (sessions not billed, sessions billed)."""
    report = get_report(s, actor, report_id)
    s.refresh(report, with_for_update=True)
    if report.status != "reported":
        raise Conflict("Cette absence a déjà été traitée.")
    reason = str(reason or "").strip()[:1000]
    if not accept and not reason:
        raise InvalidInput("Indiquez le motif du refus : la famille le lira.", field="reason")
    refuse_if_invoiced(s, report)
    free, billed = apply_decision(s, report, accepted=accept, actor=actor)
    report.status = "accepted" if accept else "refused"
    report.decision_reason = reason if not accept else _accepted_note(free, billed)
    report.decided_at, report.decided_by_id = clock.now(), actor.user_id
    s.add(report)
    audit.record(s, actor=actor, action="absence.accept" if accept else "absence.refuse",
                 organization_id=report.organization_id, object_type="absence_report", object_id=report.id,
                 not_billed=free, billed=billed, reason=reason)
    _tell_family(s, report, accept, free, billed)
    return free, billed


def _accepted_note(free: int, billed: int) -> str:
    if not billed:
        return f"Absence justifiée : {free} séance(s) non facturée(s)."
    if not free:
        return f"Absence enregistrée : {billed} séance(s) facturée(s) selon le règlement."
    return f"Absence justifiée : {free} séance(s) non facturée(s), {billed} facturée(s) (carence)."


def _tell_family(s: Session, report: AbsenceReport, accepted: bool, free: int, billed: int) -> None:
    child = s.get(Person, report.child_id)
    when = dates_label(report.date_from, report.date_to)
    if accepted:
        text = f"l'absence de {child.first_name} {when} est enregistrée. {_accepted_note(free, billed)}"
    else:
        text = (f"l'absence de {child.first_name} {when} n'a pas été acceptée : les séances réservées seront "
                f"facturées. Motif : {report.decision_reason}")
    for address in s.exec(select(User.email).join(Person, Person.id == User.person_id)
                          .where(Person.household_id == report.household_id)).all():
        mail.queue_email(s, to=address, subject=f"Absence de {child.first_name} {when}",
                         body=f"Bonjour,\n\n{text}\n\n{config.get().public_url}/absences\n",
                         organization_id=report.organization_id)
