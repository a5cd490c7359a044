"""Helpers shared by the rules engine's tests (test_rules_*.py)."""

from __future__ import annotations

from datetime import date, datetime

from cityviz.clock import PARIS
from cityviz.services.booking import rules as r
from cityviz.services.booking.rules import NoticeRule

NOON = 12 * 60


def paris(y, m, d, hh=0, mm=0, ss=0, us=0):
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=PARIS)


def deadline_of(rule: NoticeRule, session: date, start_minutes: int = 8 * 60 + 30) -> datetime:
    return rule.deadline(session, r.paris_at(session, start_minutes))


def offset_hours(moment: datetime) -> float:
    return moment.astimezone(PARIS).utcoffset().total_seconds() / 3600


def allowed(decision) -> tuple[bool, ...]:
    return (decision.can_book, decision.can_cancel, decision.can_join_waiting_list,
            decision.can_leave_waiting_list)
