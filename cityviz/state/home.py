"""Parent home: "Fil d'actualités", with the household's next actions on top; « Mon foyer »."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cityviz import routes
from cityviz.services.booking import menus
from cityviz.services.households import dossiers, news, onboarding, overview
from cityviz.services.households.dossiers import DossierSummary
from cityviz.services.households.news import FeedItem
from cityviz.services.households.overview import HouseholdOverview
from cityviz.state.base import AuthState, as_parent, read

_PAGES = {"profile": routes.PROFILE, "children": routes.CHILDREN, "organizations": routes.ORGANIZATIONS,
          "dossier": routes.DOSSIER, "reenrolment": routes.REENROLMENT}


@dataclasses.dataclass(frozen=True)
class ActionLink:
    label: str
    href: str


@dataclasses.dataclass(frozen=True)
class ActionCard:
    key: str
    title: str
    text: str
    buttons: list[ActionLink]


def _card(action: onboarding.NextAction) -> ActionCard:
    links = [ActionLink(b.label, _PAGES[b.page] + (f"?id={b.object_id}" if b.object_id else ""))
             for b in action.buttons]
    return ActionCard(action.key, action.title, action.text, links)


def _home(s, *, actor):
    """Everything the home page shows, in one read transaction."""
    dossier_list = dossiers.household_dossiers(s, actor=actor)
    return ([_card(a) for a in onboarding.next_actions(s, actor=actor, dossier_list=dossier_list)], dossier_list,
            news.feed_for_household(s, actor=actor), menus.todays_menu(s, actor=actor))


class HomeState(AuthState):
    next_actions: list[ActionCard] = []
    dossiers: list[DossierSummary] = []
    feed: list[FeedItem] = []
    today_menu: str = ""
    loaded: bool = False

    @rx.event
    @as_parent
    async def load(self, actor):
        self.next_actions, self.dossiers, self.feed, self.today_menu = await read(_home, actor=actor)
        self.loaded = True


class HouseholdState(AuthState):
    """« Mon foyer »."""

    household: HouseholdOverview | None = None

    @rx.event
    @as_parent
    async def load(self, actor):
        self.household = await read(overview.household_overview, actor=actor)
