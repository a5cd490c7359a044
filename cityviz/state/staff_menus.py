"""Staff page « Menus »: a week at a time, one day's menu edited at a time."""

from __future__ import annotations

from datetime import date, timedelta

import reflex as rx

from cityviz import clock, routes
from cityviz.services.booking import menus
from cityviz.services.booking.menus import DishInput, MenuDay
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import text


class MenusState(AuthState):
    monday: str = ""
    week: list[MenuDay] = []
    editing: str = ""  # the day edited (ISO), "" none
    names: dict[str, str] = {}
    flags: dict[str, list[str]] = {}  # per course: allergen codes, "organic", "homemade"
    error: str = ""
    form_key: int = 0
    pdf_url: str = ""

    async def _reload(self, actor, org_id) -> None:
        monday = date.fromisoformat(self.monday)
        self.week = await read(menus.week_menu, actor=actor, organization_id=org_id, monday=monday)
        self.pdf_url = f"{routes.MENU_PDF}?organisation={org_id}&semaine={self.monday}"

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        if not self.monday:
            today = clock.today()
            self.monday = (today - timedelta(days=today.weekday())).isoformat()
        self.editing = ""
        await self._reload(actor, org_id)

    @rx.event
    @as_staff
    async def shift(self, actor, org_id, weeks: int):
        self.monday = (date.fromisoformat(self.monday) + timedelta(weeks=int(weeks))).isoformat()
        self.editing = ""
        await self._reload(actor, org_id)

    @rx.event
    def edit(self, iso: str):
        day = next((d for d in self.week if d.iso == iso), None)
        if day is None:
            return
        self.editing, self.error = iso, ""
        self.names = {course: "" for course in menus.COURSES}
        self.flags = {course: [] for course in menus.COURSES}
        for dish in day.dishes:
            self.names[dish.course] = dish.name
            self.flags[dish.course] = [*dish.allergens, *(["organic"] if dish.organic else []),
                                       *(["homemade"] if dish.homemade else [])]
        self.form_key += 1

    @rx.event
    def cancel(self):
        self.editing = ""

    @rx.event
    @as_staff
    @errors_in("error")
    async def save(self, actor, org_id, form: dict):
        dishes = [DishInput(course=course, name=text(form, f"{course}_name"),
                            allergens=[code for code in menus.ALLERGENS if form.get(f"{course}_{code}")],
                            organic=bool(form.get(f"{course}_organic")), homemade=bool(form.get(f"{course}_homemade")))
                  for course in menus.COURSES]
        count = await write(menus.save_menu_day, actor=actor, organization_id=org_id,
                            day=date.fromisoformat(self.editing), dishes=dishes)
        self.editing = ""
        await self._reload(actor, org_id)
        return rx.toast.success(f"Menu publié ({count} plat(s)).")
