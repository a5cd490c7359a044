"""« Menus »: staff publish the canteen menu, day by day (starter, main, side, dessert), each dish
with its allergens among the 14 of EU regulation 1169/2011 and the labels « bio » and « fait
maison »; families see the day's menu in their calendar and on their home page."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from sqlalchemy import bindparam, delete
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from cityviz import clock
from cityviz.models import Enrollment, MenuDish
from cityviz.services import audit
from cityviz.services.accounts.actor import Actor
from cityviz.services.errors import InvalidInput
from cityviz.services.formatting import format_short_day
from cityviz.services.inputs import clean

COURSES = {"starter": "Entrée", "main": "Plat", "side": "Accompagnement", "dessert": "Dessert"}
# Annex II of regulation (EU) No 1169/2011.
ALLERGENS = {"gluten": "Gluten", "crustaceans": "Crustacés", "eggs": "Œufs", "fish": "Poissons",
             "peanuts": "Arachides", "soy": "Soja", "milk": "Lait", "nuts": "Fruits à coque", "celery": "Céleri",
             "mustard": "Moutarde", "sesame": "Sésame", "sulphites": "Sulfites", "lupin": "Lupin",
             "molluscs": "Mollusques"}


@dataclasses.dataclass(frozen=True)
class DishInput:
    course: str
    name: str
    allergens: list[str]
    organic: bool = False
    homemade: bool = False


def save_menu_day(s: Session, *, actor: Actor, organization_id: int, day: date, dishes: list[DishInput]) -> int:
    """Publish (or change) the menu of a day; a course left without a name is left out. Returns the dishes."""
    actor.require_capability(organization_id, "activities")
    today = clock.today()
    if not today - timedelta(days=31) <= day <= today + timedelta(days=366):
        raise InvalidInput("Choisissez un jour de l'année scolaire.", field="day")
    rows = []
    for dish in dishes:
        if dish.course not in COURSES:
            raise InvalidInput("Plat inconnu.")
        name = clean(dish.name, 200)
        if not name:
            continue
        if len(name) > 120:
            raise InvalidInput(f"{COURSES[dish.course]} : 120 caractères au plus.", field=dish.course)
        if not set(dish.allergens) <= set(ALLERGENS):
            raise InvalidInput("Allergène inconnu.", field=dish.course)
        rows.append(MenuDish(organization_id=organization_id, day=day, course=dish.course, name=name,
                             allergens=",".join(a for a in ALLERGENS if a in dish.allergens), organic=dish.organic,
                             homemade=dish.homemade, updated_at=clock.now(), updated_by_id=actor.user_id))
    if len({r.course for r in rows}) != len(rows):
        raise InvalidInput("Un seul plat par ligne du menu.")
    s.execute(delete(MenuDish).where(col(MenuDish.organization_id) == organization_id, col(MenuDish.day) == day))
    s.add_all(rows)
    audit.record(s, actor=actor, action="menu.save", organization_id=organization_id, object_type="menu",
                 day=day, dishes=len(rows))
    return len(rows)


def dish_text(dish: MenuDish) -> str:
    """'Lasagnes maison (bio, fait maison ; allergènes : gluten, lait)'"""
    notes = [label for flag, label in ((dish.organic, "bio"), (dish.homemade, "fait maison")) if flag]
    allergens = [ALLERGENS[a].lower() for a in dish.allergens.split(",") if a in ALLERGENS]
    if allergens:
        notes.append("allergènes : " + ", ".join(allergens))
    return dish.name + (f" ({' ; '.join(notes)})" if notes else "")


@dataclasses.dataclass(frozen=True)
class Dish:
    course: str
    course_label: str
    name: str
    allergens: list[str]  # codes
    allergen_labels: str
    organic: bool
    homemade: bool


@dataclasses.dataclass(frozen=True)
class MenuDay:
    iso: str
    title: str  # "lun. 12/10/2026"
    dishes: list[Dish]


def _dishes(rows) -> list[Dish]:
    order = list(COURSES)
    return [Dish(d.course, COURSES[d.course], d.name, [a for a in d.allergens.split(",") if a],
                 ", ".join(ALLERGENS[a] for a in d.allergens.split(",") if a in ALLERGENS), d.organic, d.homemade)
            for d in sorted(rows, key=lambda d: order.index(d.course))]


def week_menu(s: Session, *, actor: Actor, organization_id: int, monday: date) -> list[MenuDay]:
    """Staff: the five school days of the week starting on `monday`, with their dishes."""
    actor.require_staff(organization_id)
    monday = monday - timedelta(days=monday.weekday())
    rows = s.exec(select(MenuDish).where(MenuDish.organization_id == organization_id, MenuDish.day >= monday,
                                         MenuDish.day < monday + timedelta(days=5))).all()
    days = [monday + timedelta(days=n) for n in range(5)]
    return [MenuDay(d.isoformat(), format_short_day(d), _dishes([r for r in rows if r.day == d])) for d in days]


# Built once: the calendar reads it at every tap. Core columns (plain rows): dish_text reads them by name.
_DISH = MenuDish.__table__
_HOUSEHOLD_MENUS = sa_select(_DISH.c.day, _DISH.c.organization_id, _DISH.c.course, _DISH.c.name, _DISH.c.allergens,
                             _DISH.c.organic, _DISH.c.homemade).where(
    _DISH.c.organization_id.in_(sa_select(Enrollment.__table__.c.organization_id)
                                .where(Enrollment.__table__.c.household_id == bindparam("household_id"))),
    _DISH.c.day >= bindparam("first"), _DISH.c.day <= bindparam("last"))


def household_menus(s: Session, household_id: int, first: date, last: date) -> dict[date, str]:
    """{day: menu text} of the organizations the household is registered with (the calendar, the home page)."""
    rows = s.execute(_HOUSEHOLD_MENUS, {"household_id": household_id, "first": first, "last": last}).all()
    by_day: dict[date, list] = {}
    for row in rows:
        by_day.setdefault(row.day, []).append(row)
    order = list(COURSES)
    return {day: " · ".join(f"{COURSES[d.course]} : {dish_text(d)}"
                            for d in sorted(dishes, key=lambda d: (d.organization_id, order.index(d.course))))
            for day, dishes in by_day.items()}


def todays_menu(s: Session, *, actor: Actor) -> str:
    household_id = actor.require_household()
    today = clock.today()
    return household_menus(s, household_id, today, today).get(today, "")
