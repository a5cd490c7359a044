"""« Menus »: staff publish each day's dishes with allergens and labels; families of the town see
the day's menu in the calendar and on the home page; the week's PDF; who may do what."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from cityviz import db
from cityviz.services.accounts.actor import Actor
from cityviz.services.booking import calendar, menu_pdf, menus
from cityviz.services.booking.menus import DishInput
from cityviz.services.errors import AccessDenied, InvalidInput
from tests import factories

pytestmark = pytest.mark.usefixtures("database", "frozen")
MONDAY, TODAY = date(2026, 9, 14), date(2026, 9, 14)
DISHES = [DishInput("starter", "Carottes râpées", [], organic=True),
          DishInput("main", "Lasagnes", ["gluten", "milk"], homemade=True),
          DishInput("side", "", []), DishInput("dessert", "Yaourt", ["milk"])]


@pytest.fixture
def town():
    out = {}
    for name in ("A", "B"):
        with db.transaction() as s:
            org = factories.make_organization(s, name=f"Ville {name}")
            agent = factories.actor(s, factories.make_staff(s, org, email=f"agent{name}@example.org"))
            canteen = factories.make_activity(s, org, agent)
            household, _g, user = factories.make_household(s, email=f"parent{name}@example.org", org=org)
            child = factories.make_child(s, household, org=org)
            factories.register(s, canteen, child)
            out[name] = {"org": org.id, "agent": agent, "parent": factories.actor(s, user)}
    return out


def _publish(town, name="A", day=TODAY, dishes=DISHES):
    with db.transaction() as s:
        return menus.save_menu_day(s, actor=town[name]["agent"], organization_id=town[name]["org"], day=day,
                                   dishes=dishes)


def test_a_published_menu_reaches_the_towns_families(town):
    assert _publish(town) == 3  # the side left empty
    with db.read() as s:
        week = menus.week_menu(s, actor=town["A"]["agent"], organization_id=town["A"]["org"], monday=MONDAY)
        text = menus.todays_menu(s, actor=town["A"]["parent"])
        view = calendar.month_view(s, actor=town["A"]["parent"], year=2026, month=9)
        other = menus.todays_menu(s, actor=town["B"]["parent"])
    assert [d.course_label for d in week[0].dishes] == ["Entrée", "Plat", "Dessert"]
    assert week[0].dishes[1].allergen_labels == "Gluten, Lait" and week[1].dishes == []
    assert text == ("Entrée : Carottes râpées (bio) · Plat : Lasagnes (fait maison ; allergènes : gluten, lait) · "
                    "Dessert : Yaourt (allergènes : lait)")
    assert next(d for d in view.days_with_sessions if d.iso == "2026-09-14").menu == text
    assert other == ""
    _publish(town, dishes=[DishInput("main", "Poisson pané", ["fish", "gluten"])])  # republished: replaced
    with db.read() as s:
        assert menus.todays_menu(s, actor=town["A"]["parent"]) == "Plat : Poisson pané (allergènes : gluten, poissons)"


def test_menus_are_checked(town):
    with pytest.raises(InvalidInput, match="Allergène inconnu"):
        _publish(town, dishes=[DishInput("main", "Couscous", ["pepper"])])
    with pytest.raises(InvalidInput, match="120 caractères"):
        _publish(town, dishes=[DishInput("main", "x" * 130, [])])
    with pytest.raises(InvalidInput, match="Un seul plat"):
        _publish(town, dishes=[DishInput("main", "A", []), DishInput("main", "B", [])])
    with pytest.raises(InvalidInput, match="jour de l'année scolaire"):
        _publish(town, day=date(2028, 1, 3))


def test_the_weeks_pdf(town):
    _publish(town)
    with db.read() as s:
        data, name = menu_pdf.week_pdf(s, actor=town["A"]["agent"], organization_id=town["A"]["org"], monday=MONDAY)
        with pytest.raises(InvalidInput, match="Aucun menu"):
            menu_pdf.week_pdf(s, actor=town["A"]["agent"], organization_id=town["A"]["org"], monday=date(2026, 9, 21))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert name == "menus-2026-09-14.pdf" and "Lasagnes" in text and "Allergènes : Gluten, Lait" in text
    assert "semaine du 14/09/2026" in text


def test_only_the_towns_staff_publish_and_print(town):
    animateur = Actor(user_id=town["A"]["agent"].user_id, roles={town["A"]["org"]: "animateur"})
    for who in (town["B"]["agent"], town["A"]["parent"], animateur):
        with pytest.raises(AccessDenied), db.transaction() as s:
            menus.save_menu_day(s, actor=who, organization_id=town["A"]["org"], day=TODAY, dishes=DISHES)
    for who in (town["B"]["agent"], town["A"]["parent"]):
        with pytest.raises(AccessDenied), db.read() as s:
            menu_pdf.week_pdf(s, actor=who, organization_id=town["A"]["org"], monday=MONDAY)
    with pytest.raises(AccessDenied), db.read() as s:
        menus.todays_menu(s, actor=town["A"]["agent"])
