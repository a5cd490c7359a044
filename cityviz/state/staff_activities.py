"""Staff pages of steps 2 and 3: activities, enrolments, occupancy, attendance, closures."""

from __future__ import annotations

from datetime import date

import reflex as rx

from cityviz import clock, routes
from cityviz.services.booking import activities, activity_form, attendance, closures, registrations
from cityviz.services.booking.activities import ActivityRow
from cityviz.services.booking.activity_form import ActivityFormValues
from cityviz.services.booking.attendance import DaySession, OccupancyRow, Roster
from cityviz.services.booking.closures import ClosureRow
from cityviz.services.booking.registrations import RegistrationRow
from cityviz.services.errors import DomainError, InvalidInput
from cityviz.state.base import AuthState, in_read, in_transaction


def _query_int(state: rx.State, name: str) -> int:
    try:
        return int(state.router.url.query_parameters.get(name, "0"))
    except ValueError:
        return 0


class ActivitiesState(AuthState):
    rows: list[ActivityRow] = []

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows = await in_read(activities.list_activities, actor=actor, organization_id=org_id)


class ActivityFormState(AuthState):
    values: ActivityFormValues | None = None
    error: str = ""
    form_key: int = 0

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.error = ""
        try:
            self.values = await in_read(activity_form.activity_form_values, actor=actor,
                                        activity_id=_query_int(self, "id") or None, organization_id=org_id)
        except DomainError as exc:
            self.values, self.error = None, exc.message
        self.form_key += 1

    @rx.event
    async def save(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            data = activity_form.parse_activity_form(form)
            await in_transaction(activities.save_activity, actor=actor, organization_id=org_id,
                                 activity_id=self.values.id if self.values and self.values.id else None, data=data)
        except DomainError as exc:
            self.error = exc.message
            return rx.scroll_to("activity-form-top")
        return [rx.toast.success("Activité enregistrée ; ses dates sont à jour."),
                rx.redirect(routes.ADMIN_ACTIVITIES)]


class RegistrationsAdminState(AuthState):
    rows: list[RegistrationRow] = []
    total: int = 0
    status: str = "pending"
    refusing: int = 0

    async def _reload(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.rows, self.total = await in_read(registrations.list_registrations, actor=actor, organization_id=org_id,
                                              status=self.status)

    @rx.event
    async def load(self):
        self.refusing = 0
        return await self._reload()

    @rx.event
    async def filter(self, status: str):
        self.status = status
        return await self._reload()

    @rx.event
    def start_refusal(self, registration_id: int):
        self.refusing = int(registration_id)

    @rx.event
    async def accept(self, registration_id: int):
        return await self._decide(int(registration_id), True, "")

    @rx.event
    async def refuse(self, form: dict):
        return await self._decide(self.refusing, False, str(form.get("reason", "")))

    async def _decide(self, registration_id: int, accept: bool, reason: str):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            status = await in_transaction(registrations.decide_registration, actor=actor,
                                          registration_id=registration_id, accept=accept, reason=reason)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.refusing = 0
        await self._reload()
        return rx.toast.success({"validated": "Inscription validée ; la famille est prévenue.",
                                 "waiting": "Activité complète : l'enfant passe en liste d'attente.",
                                 "refused": "Inscription refusée ; la famille est prévenue."}[status])


class OccupancyState(AuthState):
    activity_choices: list[list[str]] = []
    activity_id: int = 0
    start: str = ""
    rows: list[OccupancyRow] = []
    roster: Roster | None = None
    counts_url: str = ""

    async def _reload(self, actor, org_id) -> None:
        rows = await in_read(activities.list_activities, actor=actor, organization_id=org_id)
        self.activity_choices = [[str(r.id), r.name] for r in rows]
        if self.activity_id not in [r.id for r in rows]:
            self.activity_id = rows[0].id if rows else 0
        start = date.fromisoformat(self.start)
        self.rows = (await in_read(attendance.occupancy, actor=actor, activity_id=self.activity_id, start=start,
                                   days=28) if self.activity_id else [])
        end = date.fromordinal(start.toordinal() + 27)
        self.counts_url = f"{routes.DAILY_COUNTS}?organisation={org_id}&du={start.isoformat()}&au={end.isoformat()}"

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.start = self.start or clock.today().isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    async def choose(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            self.activity_id = int(form.get("activity_id") or 0)
            self.start = date.fromisoformat(str(form.get("start"))).isoformat()
        except ValueError:
            return rx.toast.error("Date invalide.")
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    async def show_roster(self, session_id: int):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            self.roster = await in_read(attendance.roster, actor=actor, session_id=int(session_id))
        except DomainError as exc:
            self.roster = None
            return rx.toast.error(exc.message)


class AttendanceState(AuthState):
    day: str = ""
    sessions: list[DaySession] = []
    roster: Roster | None = None

    async def _reload(self, actor, org_id) -> None:
        self.sessions = await in_read(attendance.sessions_of_day, actor=actor, organization_id=org_id,
                                      day=date.fromisoformat(self.day))
        if self.roster is not None:
            self.roster = await in_read(attendance.roster, actor=actor, session_id=self.roster.session_id)

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.day = self.day or clock.today().isoformat()
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    async def choose_day(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            self.day = date.fromisoformat(str(form.get("day"))).isoformat()
        except ValueError:
            return rx.toast.error("Date invalide.")
        self.roster = None
        await self._reload(actor, org_id)

    @rx.event
    async def open_session(self, session_id: int):
        actor, _org, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            self.roster = await in_read(attendance.roster, actor=actor, session_id=int(session_id))
        except DomainError as exc:
            self.roster = None
            return rx.toast.error(exc.message)

    @rx.event
    async def mark(self, child_id: int, status: str):
        return await self._mark(int(child_id), status)

    async def _mark(self, child_id: int, status: str):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        if self.roster is None:
            return
        try:
            await in_transaction(attendance.mark_attendance, actor=actor, session_id=self.roster.session_id,
                                 child_id=int(child_id), status=status)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        await self._reload(actor, org_id)

    @rx.event
    async def add_unbooked(self, form: dict):
        child_id = int(form.get("child_id") or 0)
        if not child_id:
            return rx.toast.error("Choisissez l'enfant.")
        return await self._mark(child_id, "unbooked_present")


class ClosuresState(AuthState):
    rows: list[ClosureRow] = []
    activity_choices: list[list[str]] = []
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor, org_id) -> None:
        self.rows = await in_read(closures.list_closures, actor=actor, organization_id=org_id)
        acts = await in_read(activities.list_activities, actor=actor, organization_id=org_id)
        self.activity_choices = [[str(a.id), a.name] for a in acts]

    @rx.event
    async def load(self):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        self.error = ""
        await self._reload(actor, org_id)

    @rx.event
    async def create(self, form: dict):
        actor, org_id, redirect = await self._staff_guard()
        if redirect:
            return redirect
        try:
            try:
                start = date.fromisoformat(str(form.get("start")))
                end = date.fromisoformat(str(form.get("end") or form.get("start")))
            except ValueError as exc:
                raise InvalidInput("Indiquez les dates de la fermeture.") from exc
            result = await in_transaction(closures.create_closure, actor=actor, organization_id=org_id, start=start,
                                          end=end, reason=str(form.get("reason", "")),
                                          activity_id=int(form.get("activity_id") or 0) or None)
        except DomainError as exc:
            self.error = exc.message
            return
        self.error = ""
        self.form_key += 1
        await self._reload(actor, org_id)
        return rx.toast.success(f"Fermeture enregistrée : {result.sessions} séance(s) fermée(s), "
                                f"{result.cancelled} réservation(s) annulée(s), {result.households} famille(s) "
                                "prévenue(s).")
