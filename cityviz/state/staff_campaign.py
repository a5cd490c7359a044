"""Staff: « Campagne d'inscription » (open it, follow the families, remind them, next year's
activities) and one family's re-enrolment to validate."""

from __future__ import annotations

import reflex as rx

from cityviz.services.booking import campaign_review, campaigns
from cityviz.services.booking.campaign_review import CampaignReview
from cityviz.services.booking.campaigns import CampaignOverview, CampaignRow, CopyableActivity
from cityviz.services.households.reenrolment import STATUS_LABELS, year_label
from cityviz.state.base import AuthState, as_staff, errors_in, read, write
from cityviz.state.forms import date_field, text, ticked, whole
from cityviz.state.paging import Paged

FILTERS = {"": "Toutes", **STATUS_LABELS}


class CampaignState(Paged, AuthState):
    overview: CampaignOverview | None = None
    loaded: bool = False
    rows: list[CampaignRow] = []
    status: str = ""
    next_year: int = 0
    next_year_label: str = ""
    activities: list[CopyableActivity] = []
    error: str = ""
    copy_error: str = ""

    @as_staff
    async def _show_page(self, actor, org_id):
        self.rows, self.total = await read(campaigns.list_campaign_dossiers, actor=actor, organization_id=org_id,
                                           status=self.status, page=self.page, per_page=self.per_page)

    async def _reload(self, actor, org_id) -> None:
        self.overview = await read(campaigns.campaign_overview, actor=actor, organization_id=org_id)
        self.next_year = campaigns.next_school_year()
        self.next_year_label = year_label(self.next_year)
        if self.overview is not None:
            self.activities = await read(campaigns.copyable_activities, actor=actor, organization_id=org_id)
        self.loaded = True

    @rx.event
    @as_staff
    async def load(self, actor, org_id):
        self.status, self.error, self.copy_error = "", "", ""
        await self._reload(actor, org_id)
        if self.overview is not None:
            return await self._first_page()

    @rx.event
    @as_staff
    @errors_in("error")
    async def open_campaign(self, actor, org_id, form: dict):
        await write(campaigns.open_campaign, actor=actor, organization_id=org_id, school_year=self.next_year,
                    opens_on=date_field(form, "opens_on", "Indiquez la date d'ouverture."),
                    closes_on=date_field(form, "closes_on", "Indiquez la date de clôture."))
        await self._reload(actor, org_id)
        await self._first_page()
        return rx.toast.success(f"Campagne {self.next_year_label} ouverte : {self.overview.total} famille(s).")

    @rx.event
    async def show(self, status: str):
        self.status = status if status in STATUS_LABELS else ""
        return await self._first_page()

    @rx.event
    @as_staff
    async def remind(self, actor, org_id):
        await write(campaigns.request_reminders, actor=actor, organization_id=org_id)
        return rx.toast.success("Relance lancée : une e-mail par famille qui n'a pas envoyé son dossier "
                                "(suivi dans « Tâches »).")

    @rx.event
    @as_staff
    @errors_in("copy_error")
    async def copy(self, actor, org_id, form: dict):
        made = await write(campaigns.copy_activities, actor=actor, organization_id=org_id,
                           activity_ids=ticked(form, "copy"),
                           percent=whole(form, "percent", "Évolution des prix : un nombre entier de pour cent."))
        await self._reload(actor, org_id)
        return rx.toast.success(f"{made} activité(s) créée(s) pour {self.next_year_label}.")


class CampaignDossierState(AuthState):
    review: CampaignReview | None = None
    error: str = ""
    form_key: int = 0

    async def _reload(self, actor) -> None:
        self.review = await read(campaign_review.campaign_dossier_review, actor=actor, dossier_id=self._query_int())

    @rx.event
    @as_staff
    @errors_in("error", review=None)
    async def load(self, actor, _org_id):
        await self._reload(actor)

    @rx.event
    @as_staff
    async def validate(self, actor, _org_id):
        await write(campaign_review.validate_reenrolment, actor=actor, dossier_id=self._query_int())
        await self._reload(actor)
        return rx.toast.success("Réinscription validée : la famille en est informée.")

    @rx.event
    @as_staff
    @errors_in("error")
    async def corrections(self, actor, _org_id, form: dict):
        await write(campaign_review.ask_corrections, actor=actor, dossier_id=self._query_int(),
                    reason=text(form, "reason"))
        await self._reload(actor)
        self.form_key += 1
        return rx.toast.success("Corrections demandées : la famille est prévenue par e-mail.")
