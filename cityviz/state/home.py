"""Parent home: "Fil d'actualités", with the household's next action on top."""

from __future__ import annotations

import reflex as rx

from cityviz.services import dossiers, news, onboarding
from cityviz.services.dossiers import DossierSummary
from cityviz.services.news import FeedItem
from cityviz.services.onboarding import NextAction
from cityviz.state.base import AuthState, in_read


def _home(s, *, actor):
    """Everything the home page shows, in one read transaction."""
    dossier_list = dossiers.household_dossiers(s, actor=actor)
    return (onboarding.next_action(s, actor=actor, dossier_list=dossier_list), dossier_list,
            news.feed_for_household(s, actor=actor))


class HomeState(AuthState):
    next_action: NextAction | None = None
    dossiers: list[DossierSummary] = []
    feed: list[FeedItem] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.next_action, self.dossiers, self.feed = await in_read(_home, actor=actor)
        self.loaded = True
