"""Parent home: "Fil d'actualités", with the household's next action on top."""

from __future__ import annotations

import dataclasses

import reflex as rx

from cityviz import routes
from cityviz.services.booking import menus
from cityviz.services.households import dossiers, news, onboarding
from cityviz.services.households.dossiers import DossierSummary
from cityviz.services.households.news import FeedItem
from cityviz.state.base import AuthState, as_parent, read

_PAGES = {"profile": routes.PROFILE, "children": routes.CHILDREN, "organizations": routes.ORGANIZATIONS,
          "dossier": routes.DOSSIER}


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


def _card(action: onboarding.NextAction | None) -> ActionCard | None:
    if action is None:
        return None
    links = [ActionLink(b.label, _PAGES[b.page] + (f"?id={b.object_id}" if b.object_id else ""))
             for b in action.buttons]
    return ActionCard(action.key, action.title, action.text, links)


def _home(s, *, actor):
    """Everything the home page shows, in one read transaction."""
    dossier_list = dossiers.household_dossiers(s, actor=actor)
    return (_card(onboarding.next_action(s, actor=actor, dossier_list=dossier_list)), dossier_list,
            news.feed_for_household(s, actor=actor), menus.todays_menu(s, actor=actor))


class HomeState(AuthState):
    next_action: ActionCard | None = None
    dossiers: list[DossierSummary] = []
    feed: list[FeedItem] = []
    today_menu: str = ""
    loaded: bool = False

    @rx.event
    @as_parent
    async def load(self, actor):
        self.next_action, self.dossiers, self.feed, self.today_menu = await read(_home, actor=actor)
        self.loaded = True
