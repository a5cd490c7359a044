"""Staff pages of steps 2 and 3: activities, enrolments, occupancy, attendance, closures."""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx

from cityviz import clock, routes
from cityviz.services.booking import activities, activity_form, attendance, closures, registrations, session_capacity
from cityviz.services.booking.activities import ActivityRow
from cityviz.services.booking.activity_form import ActivityFormValues
from cityviz.services.booking.attendance import DaySession, OccupancyRow, Roster
from cityviz.services.booking.closures import ClosureRow
from cityviz.services.booking.registrations import RegistrationRow
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import date_field, text, whole

DECISION_MESSAGES = {"validated": "Inscription validée ; la famille est prévenue.",
                     "waiting": "Activité complète : l'enfant passe en liste d'attente.",
                     "refused": "Inscription refusée ; la famille est prévenue."}


def _iso(value: str) -> str:
    """A date from the page's address (YYYY-MM-DD), "" when absent or not a date."""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return ""


async def _activity_choices(actor, org_id) -> list[list[str]]:
    """[id, name] of the organization's activities, for a select."""
    rows = await read(activities.list_activities, actor=actor, organization_id=org_id)
    return [[str(r.id), r.name] for r in rows]


class ActivitiesState(AuthState):
    rows: list[ActivityRow] = []

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.rows = await read(activities.list_activities, actor=actor, organization_id=org_id)


class ActivityFormState(AuthState):
    values: ActivityFormValues | None = None
    error: str = ""
    form_key: int = 0

    @rx.event
    @as_staff
    @errors_in("error", values=None)
    async def load(self, actor, org_id):
        self.form_key += 1
        self.values = await read(activity_form.activity_form_values, actor=actor,
                                 activity_id=self._query_int() or None, organization_id=org_id)

    @rx.event
    @as_staff
    @errors_in("error", then=rx.scroll_to("activity-form-top"))
    async def save(self, actor, org_id, form: dict):
        await write(activities.save_activity, actor=actor, organization_id=org_id,
                    activity_id=self.values.id if self.values and self.values.id else None,
                    data=activity_form.parse_activity_form(form))
        return [rx.toast.success("Activité enregistrée ; ses dates sont à jour."),
                rx.redirect(routes.ADMIN_ACTIVITIES)]


class RegistrationsAdminState(AuthState):
    rows: list[RegistrationRow] = []
    total: int = 0
    status: str = "pending"
    refusing: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows, self.total = await read(registrations.list_registrations, actor=actor, organization_id=org_id,
                                           status=self.status)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.refusing = 0
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def filter(self, actor, org_id, status: str):
        self.status = status
        await self._reload(actor, org_id)

    @rx.event
    def start_refusal(self, registration_id: int):
        self.refusing = int(registration_id)

    @rx.event
    @as_staff
    async def accept(self, actor, org_id, registration_id: int):
        return await self._decide(actor, org_id, int(registration_id), accept=True)

    @rx.event
    @as_staff
    async def refuse(self, actor, org_id, form: dict):
        return await self._decide(actor, org_id, self.refusing, accept=False, reason=text(form, "reason"))

    async def _decide(self, actor, org_id, registration_id: int, *, accept: bool, reason: str = ""):
        status = await write(registrations.decide_registration, actor=actor, registration_id=registration_id,
                             accept=accept, reason=reason)
        self.refusing = 0
        await self._reload(actor, org_id)
        return rx.toast.success(DECISION_MESSAGES[status])


class RosterView(rx.State, mixin=True):
    """The list of the children of one session, opened from a day or a date of the page."""

    roster: Roster | None = None

    @rx.event
    @as_staff
    async def open_session(self, actor, _org, session_id: int):
        self.roster = None  # and so it stays if the session is refused
        self.roster = await read(attendance.roster, actor=actor, session_id=int(session_id))


class OccupancyState(RosterView, AuthState):
    capacity_key: int = 0

    @rx.event
    @as_staff
    async def set_capacity(self, actor, org_id, form: dict):
        if self.roster is None:
            return
        promoted = await write(session_capacity.set_session_capacity, actor=actor, session_id=self.roster.session_id,
                               capacity=whole(form, "capacity", "Indiquez un nombre de places."))
        self.capacity_key += 1
        await self._reload(actor, org_id)
        self.roster = await read(attendance.roster, actor=actor, session_id=self.roster.session_id)
        return rx.toast.success("Places de cette date enregistrées"
                                + (f" ; {promoted} enfant(s) de la liste d'attente inscrit(s)." if promoted else "."))

    activity_choices: list[list[str]] = []
    activity_id: int = 0
    start: str = ""
    rows: list[OccupancyRow] = []
    counts_url: str = ""

    async def _reload(self, actor, org_id) -> None:
        self.activity_choices = await read(attendance.attendance_activities, actor=actor, organization_id=org_id)
        if str(self.activity_id) not in [a[0] for a in self.activity_choices]:
            self.activity_id = int(self.activity_choices[0][0]) if self.activity_choices else 0
        start = date.fromisoformat(self.start)
        self.rows = (await read(attendance.occupancy, actor=actor, activity_id=self.activity_id, start=start,
                                days=28) if self.activity_id else [])
        end = start + timedelta(days=27)
        self.counts_url = f"{routes.DAILY_COUNTS}?organisation={org_id}&du={start.isoformat()}&au={end.isoformat()}"

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        # The dashboard opens an activity from a day: ?activite=12&du=2026-09-14
        query = self.router.url.query_parameters
        self.activity_id = self._query_int("activite") or self.activity_id
        self.start = _iso(query.get("du", "")) or self.start or clock.today().isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def choose(self, actor, org_id, form: dict):
        self.activity_id = whole(form, "activity_id", "Choisissez une activité.")
        self.start = date_field(form, "start", "Date invalide.").isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def pick_activity(self, actor, org_id, activity_id: str):
        """The selector itself shows the chosen activity at once (it used to snap back to the first)."""
        self.activity_id = whole({"activity_id": activity_id}, "activity_id", "Choisissez une activité.")
        self.roster = None
        await self._reload(actor, org_id)


class AttendanceState(RosterView, AuthState):
    day: str = ""
    sessions: list[DaySession] = []

    async def _reload(self, actor, org_id) -> None:
        self.sessions = await read(attendance.sessions_of_day, actor=actor, organization_id=org_id,
                                   day=date.fromisoformat(self.day))
        if self.roster is not None:
            self.roster = await read(attendance.roster, actor=actor, session_id=self.roster.session_id)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.day = _iso(self.router.url.query_parameters.get("jour", "")) or self.day or clock.today().isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def choose_day(self, actor, org_id, form: dict):
        self.day = date_field(form, "day", "Date invalide.").isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def mark(self, actor, org_id, child_id: int, status: str):
        await self._mark(actor, org_id, int(child_id), status)

    @rx.event
    @as_staff
    async def add_unbooked(self, actor, org_id, form: dict):
        child_id = whole(form, "child_id", "Choisissez l'enfant.")
        if not child_id:
            return rx.toast.error("Choisissez l'enfant.")
        await self._mark(actor, org_id, child_id, "unbooked_present")

    async def _mark(self, actor, org_id, child_id: int, status: str) -> None:
        if self.roster is None:
            return
        await write(attendance.mark_attendance, actor=actor, session_id=self.roster.session_id, child_id=child_id,
                    status=status)
        await self._reload(actor, org_id)


class ClosuresState(AuthState):
    rows: list[ClosureRow] = []
    activity_choices: list[list[str]] = []
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await read(closures.list_closures, actor=actor, organization_id=org_id)
        self.activity_choices = await _activity_choices(actor, org_id)

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.error = ""
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    @errors_in("error")
    async def create(self, actor, org_id, form: dict):
        message = "Indiquez les dates de la fermeture."
        start = date_field(form, "start", message)
        result = await write(closures.create_closure, actor=actor, organization_id=org_id, start=start,
                             end=date_field(form, "end", message, default=start.isoformat()), reason=text(form, "reason"),
                             activity_id=whole(form, "activity_id", "Choisissez une activité.") or None)
        self.form_key += 1
        await self._reload(actor, org_id)
        return rx.toast.success(f"Fermeture enregistrée : {result.sessions} séance(s) fermée(s), "
                                f"{result.cancelled} réservation(s) annulée(s), {result.households} famille(s) "
                                "prévenue(s).")

    @rx.event
    @as_staff
    async def lift(self, actor, org_id, closure_id: int):
        result = await write(closures.lift_closure, actor=actor, closure_id=int(closure_id))
        await self._reload(actor, org_id)
        return rx.toast.success(f"Fermeture levée : {result.sessions} séance(s) rouverte(s), {result.households} "
                                "famille(s) prévenue(s) (leurs réservations annulées ne sont pas rétablies).")
