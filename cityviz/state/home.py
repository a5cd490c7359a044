"""Parent home: "Fil d'actualités"."""

from __future__ import annotations

import reflex as rx

from cityviz.services import news
from cityviz.services.news import FeedItem
from cityviz.state.base import AuthState, in_read


class HomeState(AuthState):
    feed: list[FeedItem] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        actor, redirect = await self._guard("parent")
        if redirect:
            return redirect
        self.feed = await in_read(news.feed_for_household, actor=actor)
        self.loaded = True
