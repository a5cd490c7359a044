"""Parent pages of steps 2 and 3: the booking calendar, enrolment in
activities, bulk and recurring booking, calendar subscription."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import reflex as rx

from cityviz import clock
from cityviz.services.booking import bookings, calendar, feeds, registrations
from cityviz.services.booking.calendar import BulkLine, BulkRequest, Month
from cityviz.services.booking.registrations import OfferedActivity
from cityviz.services.errors import InvalidInput
from cityviz.services.households import people
from cityviz.state.base import AuthState, as_parent, errors_in, read, write
from cityviz.state.forms import date_field, ticked, whole

ACTION_MESSAGES = {"book": "Réservation confirmée.", "cancel": "Réservation annulée.",
                   "join": "Ajouté à la liste d'attente.", "leave": "Retiré de la liste d'attente."}
ENROL_MESSAGES = {"validated": "Inscription enregistrée : vous pouvez réserver des dates.",
                  "pending": "Demande envoyée : en attente de validation par votre organisation.",
                  "waiting": "Activité complète : votre enfant est sur la liste d'attente."}


async def _children(actor) -> list[list[str]]:
    kids = await read(people.list_children, actor=actor)
    return [[str(c.id), c.first_name] for c in kids]


@dataclasses.dataclass(frozen=True)
class WeekGroup:
    """A week of the phone list: a heading, the days to show, or one note for the whole week. The
    days are their places in the grid's week (`view.weeks[week]`): the cells travel once, not twice."""
    week: int  # its place in view.weeks
    iso: str  # its Monday
    title: str  # "Semaine du lundi 05/10"
    current: bool
    note: str  # the one reason shared by every day listed, shown as one line
    span: str  # which days that line covers: "Toute la semaine", "Du lundi 28/12 au jeudi 31/12"
    days: list[int]


def phone_weeks(view: Month | None, today_iso: str, show_past: bool) -> list[WeekGroup]:
    """Phone list: the month's days with sessions, by week under a sticky heading; a weekday
    without session says why in one line (a whole week alike: one line for it). From today on,
    unless the parent asks for the past days."""
    groups = []
    for n, week in enumerate(view.weeks if view else []):
        days = [i for i, d in enumerate(week) if d.in_month and (d.cells or d.note)
                and (show_past or d.iso >= today_iso)]
        if not days:
            continue
        notes = {week[i].note for i in days}
        # Several days alike: one line, naming the days it covers when the week is cut by the
        # month's edge or by today (a lone 01/01 must not make « Toute la semaine : Jour férié »).
        same = not any(week[i].cells for i in days) and len(notes) == 1 and len(days) > 1
        span = ("Toute la semaine" if set(range(5)) <= set(days)
                else f"Du {week[days[0]].title.lower()} au {week[days[-1]].title.lower()}")
        groups.append(WeekGroup(
            week=n, iso=week[0].iso, title=f"Semaine du {week[0].title.lower()}",
            current=week[0].iso <= today_iso <= week[-1].iso,
            note=week[days[0]].note if same else "", span=span if same else "", days=[] if same else days))
    return groups


class CalendarState(AuthState):
    year: int = 0
    month: int = 0
    child_id: int = 0  # 0: "Tous"
    children: list[list[str]] = []
    view: Month | None = None
    busy_session: int = 0
    feed_url: str = ""
    has_feed: bool = False
    today_iso: str = ""
    show_past: bool = False
    # Set with the month (plain vars, not computed again at every event): the phone list's weeks,
    # how many days have sessions, how many of them are past.
    weeks: list[WeekGroup] = []
    session_days: int = 0
    past_days: int = 0

    @rx.event
    def toggle_past(self):
        self.show_past = not self.show_past
        self.weeks = phone_weeks(self.view, self.today_iso, self.show_past)

    @rx.event
    async def go_today(self):
        """« Aujourd'hui »: this month, from today on, this week's heading at the top of the screen."""
        today = date.fromisoformat(self.today_iso) if self.today_iso else clock.today()
        self.show_past = False
        self.weeks = phone_weeks(self.view, self.today_iso, self.show_past)
        if (self.year, self.month) != (today.year, today.month):
            self.year, self.month = today.year, today.month
            return [CalendarState.refresh, rx.scroll_to("cette-semaine")]
        return rx.scroll_to("cette-semaine")

    async def _reload(self, actor) -> None:
        self._show_month(await read(calendar.month_view, actor=actor, year=self.year, month=self.month,
                                    child_id=self.child_id or None))

    def _show_month(self, view: Month) -> None:
        # Sent to the browser at every tap: the cells travel once, in the weeks (the grid and the
        # phone list both draw them), not again in the month's list of days.
        # The page opened again on the same month, or a refusal that changed nothing: nothing sent.
        self._assign(view=dataclasses.replace(view, days_with_sessions=[]),
                     weeks=phone_weeks(view, self.today_iso, self.show_past),
                     session_days=len(view.days_with_sessions),
                     past_days=sum(1 for d in view.days_with_sessions if d.iso < self.today_iso))

    async def _show_again(self, actor) -> None:
        """After a refusal: the dates as they are now, no cell left busy."""
        self.busy_session = 0
        await self._reload(actor)

    async def _show_everyone(self, actor) -> None:
        """A child the service refused (a forged id): back to "Tous"."""
        self.child_id = 0
        await self._reload(actor)

    @rx.event
    @as_parent
    async def load(self, actor):
        today = clock.today()
        self._assign(today_iso=today.isoformat())
        if not self.year:
            self.year, self.month = today.year, today.month
        # One read for the chips, the feed and the month (a child gone from the household: "Tous").
        page = await read(calendar.open_calendar, actor=actor, year=self.year, month=self.month,
                          child_id=self.child_id)
        self._assign(children=[[str(child_id), name] for child_id, name in page.children],
                     child_id=page.child_id, has_feed=page.has_feed, feed_url="")
        self._show_month(page.month)

    # One event per tap (not a second `refresh` event): each event costs a state round trip.
    @rx.event
    @as_parent(recover=_show_everyone)
    async def choose_child(self, actor, child_id: int):
        self.child_id = int(child_id)
        await self._reload(actor)

    @rx.event
    @as_parent(recover=_show_everyone)
    async def shift_month(self, actor, delta: int):
        month = self.month + int(delta)
        self.year, self.month = self.year + (month - 1) // 12, (month - 1) % 12 + 1
        await self._reload(actor)

    @rx.event
    @as_parent(recover=_show_everyone)
    async def refresh(self, actor):
        await self._reload(actor)

    @rx.event
    @as_parent(recover=_show_again)
    async def act(self, actor, session_id: int, child_id: int, action: str):
        """Tap on a cell: book, cancel, join or leave the waiting list."""
        self.busy_session = int(session_id)
        yield
        if action in ("book", "join"):
            outcome = await write(bookings.book_session, actor=actor, child_id=int(child_id),
                                  session_id=int(session_id), join_waiting_list=action == "join")
            message = (f"Liste d'attente : n° {outcome.position}" if outcome.status == "waiting"
                       else ACTION_MESSAGES["book"] + (" (réservation tardive majorée)" if outcome.late else ""))
        elif action in ("cancel", "leave"):
            await write(bookings.cancel_booking, actor=actor, child_id=int(child_id), session_id=int(session_id))
            message = ACTION_MESSAGES[action]
        else:
            raise InvalidInput("Action inconnue.")
        await self._reload(actor)
        self.busy_session = 0
        yield rx.toast.success(message)

    @rx.event
    @as_parent
    async def subscribe(self, actor):
        self.feed_url = await write(feeds.create_feed, actor=actor)
        self.has_feed = True

    @rx.event
    @as_parent
    async def unsubscribe(self, actor):
        await write(feeds.revoke_feed, actor=actor)
        self.has_feed, self.feed_url = False, ""
        return rx.toast.success("Lien d'agenda désactivé.")


class EnrolState(AuthState):
    """Inscrire à une activité."""

    children: list[list[str]] = []
    child_id: int = 0
    offered: list[OfferedActivity] = []
    loaded: bool = False

    async def _reload(self, actor) -> None:
        self.offered = (await read(registrations.offered_activities, actor=actor, child_id=self.child_id)
                        if self.child_id else [])
        self.loaded = True

    @rx.event
    @as_parent
    async def load(self, actor):
        self.children = await _children(actor)
        ids = [int(c[0]) for c in self.children]
        if self.child_id not in ids:
            self.child_id = ids[0] if ids else 0
        await self._reload(actor)

    @rx.event
    @as_parent
    async def choose_child(self, actor, child_id: int):
        self.child_id = int(child_id)
        self.offered = []  # and so it stays if the service refuses the child
        await self._reload(actor)

    @rx.event
    @as_parent
    async def enrol(self, actor, activity_id: int):
        status = await write(registrations.register_child, actor=actor, activity_id=int(activity_id),
                             child_id=self.child_id)
        await self._reload(actor)
        return rx.toast.success(ENROL_MESSAGES[status])


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class BulkState(AuthState):
    """Réserver (ou annuler) plusieurs dates d'un coup."""

    children: list[list[str]] = []
    activities: list[list[str]] = []
    preview: list[BulkLine] = []
    result: list[BulkLine] = []
    error: str = ""
    form_key: int = 0
    dates_key: int = 0  # redraws only the dates a preset fills (not the activity, children or days ticked)
    date_from: str = ""
    date_to: str = ""
    weekdays: list[int] = [0, 1, 3, 4]
    _request: BulkRequest | None = None

    @rx.var
    def preview_ok(self) -> int:
        return sum(1 for line in self.preview if line.ok)

    @rx.var
    def result_ok(self) -> int:
        return sum(1 for line in self.result if line.ok)

    @rx.event
    @as_parent
    async def load(self, actor):
        self.children = await _children(actor)
        self.activities = [[str(i), n] for i, n in await read(calendar.household_activities, actor=actor)]
        self.preview, self.result, self.error, self._request = [], [], "", None
        self._preset("next_month")
        self.form_key += 1

    @rx.event
    def preset(self, which: str):
        """"La semaine prochaine" or "Le mois prochain": fill the dates."""
        self._preset(which)

    def _preset(self, which: str) -> None:
        today = clock.today()
        # Only the dates: the children, the activity and the days the parent ticked stay as chosen.
        if which == "next_week":
            start = _monday(today) + timedelta(days=7)
            end = start + timedelta(days=4)
        else:
            start = date(today.year + today.month // 12, today.month % 12 + 1, 1)
            end = date(start.year + start.month // 12, start.month % 12 + 1, 1) - timedelta(days=1)
        self.date_from, self.date_to = start.isoformat(), end.isoformat()
        self.preview, self.result = [], []
        self.dates_key += 1

    def _parse(self, form: dict) -> BulkRequest:
        no_dates = "Indiquez les dates de début et de fin."
        start, end = date_field(form, "date_from", no_dates), date_field(form, "date_to", no_dates)
        activity_id = whole(form, "activity_id", "Choisissez une activité.")
        child_ids, weekdays = ticked(form, "child"), ticked(form, "day")
        self.date_from, self.date_to, self.weekdays = start.isoformat(), end.isoformat(), weekdays
        return BulkRequest(child_ids=child_ids, activity_id=activity_id, date_from=start, date_to=end,
                           weekdays=weekdays, action=str(form.get("action", "book")),
                           join_waiting_list=bool(form.get("join_waiting_list")))

    @rx.event
    @as_parent
    @errors_in("error", preview=[])
    async def show_preview(self, actor, form: dict):
        self.result = []
        request = self._parse(form)
        self.preview = await read(calendar.preview_bulk, actor=actor, request=request)
        self._request = request
        if not self.preview:
            self.error = "Aucune date ne correspond : vérifiez l'activité, les jours et la période."

    @rx.event
    @as_parent
    async def confirm(self, actor):
        if self._request is None:
            return
        self.result = await write(calendar.apply_bulk, actor=actor, request=self._request)
        self.preview, self._request = [], None
        return rx.toast.success(f"{self.result_ok} date(s) traitée(s).")
