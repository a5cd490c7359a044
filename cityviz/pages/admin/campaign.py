"""Staff pages « Campagne d'inscription » and one family's « Réinscription »."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, loading_state, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import file_link, pager, section, textarea
from cityviz.services.booking.campaign_review import RenewedDocument
from cityviz.services.booking.campaigns import CampaignRow, CopyableActivity
from cityviz.services.households.campaign_fields import Change
from cityviz.state.staff_campaign import FILTERS, CampaignDossierState, CampaignState

PROGRESS_COLORS = {"not_started": "gray", "in_progress": "orange", "sent": "blue", "validated": "green"}
S = CampaignState


def _badge(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *PROGRESS_COLORS.items(), "gray"), variant="soft", size="2",
                    high_contrast=True,  # soft amber or blue text alone misses the contrast ratio (axe-core)
                    white_space="normal")


def _open_form() -> rx.Component:
    return section(
        "Ouvrir la campagne " + S.next_year_label,
        rx.text("Chaque famille dont un enfant a un dossier validé reçoit un dossier de réinscription prérempli "
                "avec les informations de cette année ; les enfants passent dans la classe supérieure ; les pièces "
                "qui ne seront plus valables à la rentrée sont redemandées. Rien de l'année en cours ne change.",
                size="2", color_scheme="gray"),
        safe_form(
            rx.vstack(
                error_callout(S.error),
                rx.grid(field("Date d'ouverture", "opens_on", type="date", required=True),
                        field("Date de clôture", "closes_on", type="date", required=True),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
                rx.button("Ouvrir la campagne", type="submit", size="3"),
                spacing="3", width="100%"),
            on_submit=S.open_campaign, width="100%"),
    )


def _filter(status: str, label: str) -> rx.Component:
    count = rx.cond(status == "", S.overview.total, S.overview.counts[status]) if status else S.overview.total
    return rx.button(label, " (", count.to_string(), ")", size="2",
                     variant=rx.cond(S.status == status, "solid", "soft"), on_click=S.show(status))


def _row(r: CampaignRow) -> rx.Component:
    """One cell: the family, its progress and dates stacked (the list fits a phone without scrolling)."""
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.hstack(rx.link(r.family, href=routes.ADMIN_CAMPAIGN_DOSSIER + "?id=" + r.id.to_string()),
                      _badge(r.status, r.status_label), wrap="wrap", align="center", spacing="2"),
            rx.text("Mis à jour le ", r.updated, rx.cond(r.reminded != "", " · relancée le " + r.reminded, ""),
                    size="1", color_scheme="gray"), spacing="1")),
    )


def _families() -> rx.Component:
    return section(
        "Avancement des familles",
        rx.hstack(*[_filter(k, v) for k, v in FILTERS.items()], wrap="wrap", spacing="2"),
        rx.cond(S.total == 0,
                empty_state("users", "Aucune famille ici",
                            "Aucune famille n'est à cette étape : choisissez un autre filtre."),
                rx.vstack(
                    rx.box(rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("Famille et avancement",)])),
                        rx.table.body(rx.foreach(S.rows, _row)), width="100%"), width="100%", overflow_x="auto"),
                    pager(S.page, S.total, S.per_page, S.previous_page, S.next_page),
                    width="100%")),
        rx.cond(S.overview.is_open,
                rx.vstack(rx.button(rx.icon("mail", size=16), "Relancer par e-mail", variant="soft",
                                    on_click=S.remind),
                          rx.text("Un e-mail à chaque famille qui n'a pas encore envoyé son dossier (une fois par "
                                  "jour au plus).", size="1", color_scheme="gray"), spacing="1"),
                rx.fragment()),
    )


def _activity(a: CopyableActivity) -> rx.Component:
    return rx.hstack(
        rx.cond(a.copied, rx.icon("circle-check", size=20, color="var(--green-9)"),
                rx.el.input(type="checkbox", id="copy-" + a.id.to_string(), name="copy-" + a.id.to_string(),
                            width="20px", height="20px", accent_color="var(--accent-9)")),
        rx.vstack(rx.el.label(a.name, html_for="copy-" + a.id.to_string(), font_weight="500"),
                  rx.text("Cette année ", a.dates, " → ", a.new_dates, size="1", color_scheme="gray"),
                  rx.text(a.prices, size="1", color_scheme="gray"),
                  rx.cond(a.copied, rx.text("Déjà reprise pour l'an prochain", size="1", color_scheme="green"),
                          rx.fragment()),
                  spacing="0"),
        align="start", spacing="2", width="100%")


def _activities() -> rx.Component:
    return section(
        "Activités de l'année " + S.overview.year,
        rx.text("Cochez les activités de cette année à reprendre : mêmes règles, dates décalées d'un an, prix "
                "ajustés du pourcentage indiqué. Les enfants réinscrits (hors entrée au collège) y sont inscrits "
                "à la validation de leur dossier.", size="2", color_scheme="gray"),
        rx.cond(S.activities.length() == 0,
                rx.text("Aucune activité cette année : créez-les dans « Activités ».", size="2"),
                safe_form(rx.vstack(
                    error_callout(S.copy_error),
                    rx.foreach(S.activities, _activity),
                    rx.box(field("Évolution des prix (%)", "percent", type="number", default_value="0",
                                 hint="Par exemple 2 pour +2 % ; 0 pour garder les prix."), max_width="260px"),
                    rx.button("Créer les activités " + S.overview.year, type="submit", size="3"),
                    spacing="3", width="100%"), on_submit=S.copy, width="100%")),
    )


def campaign_page() -> rx.Component:
    o = S.overview
    return staff_page(
        "Campagne d'inscription",
        rx.cond(~S.loaded, loading_state(),
                rx.cond(o,
                        rx.vstack(
                            rx.callout("Campagne " + o.year + " " + o.dates + " · " + o.total.to_string()
                                       + " famille(s) · " + o.counts["validated"].to_string() + " validée(s)"
                                       + rx.cond(o.is_open, "", " · fermée aux familles aujourd'hui"),
                                       icon="calendar-check", width="100%"),
                            _families(), _activities(), spacing="4", width="100%"),
                        _open_form())),
    )


def _change(c: Change) -> rx.Component:
    return rx.box(
        rx.text(c.field, weight="medium", size="2"),
        rx.text(c.part, size="1", color_scheme="gray"),
        rx.text("Avant : ", c.before, size="2"),
        rx.text("Après : ", rx.el.strong(c.after), size="2"),
        role="group", aria_label=c.field, border_top="1px solid var(--gray-5)", padding_top="8px", width="100%")


def _document(d: RenewedDocument) -> rx.Component:
    return rx.hstack(
        rx.text(d.name, " (", d.owner, ")", size="2", weight="medium"),
        rx.cond(d.id > 0, file_link(rx.text(d.file_name, size="2", color="var(--accent-11)"),
                                    href=routes.CAMPAIGN_FILE + "/" + d.id.to_string(), target="_blank"),
                rx.badge("Pas encore envoyée", color_scheme="amber", variant="soft")),
        wrap="wrap", spacing="2")


def campaign_dossier_page() -> rx.Component:
    r = CampaignDossierState.review
    return staff_page(
        "Réinscription",
        rx.link("← Campagne d'inscription", href=routes.ADMIN_CAMPAIGN, size="2"),
        error_callout(CampaignDossierState.error),
        rx.cond(r, rx.vstack(
            rx.heading(r.family, size="5", as_="h2"),
            rx.hstack(rx.text(r.title, size="2"), _badge(r.status, r.status_label), rx.text(r.sent, size="2",
                                                                                         color_scheme="gray"),
                      wrap="wrap", align="center"),
            rx.cond(r.correction_reason != "", rx.callout("Corrections demandées : " + r.correction_reason,
                                                          icon="triangle-alert", color_scheme="amber", width="100%"),
                    rx.fragment()),
            section("Enfants à la rentrée", rx.foreach(r.children, lambda line: rx.text(line, size="2"))),
            section("Ce qui a changé",
                    rx.cond(r.changes.length() == 0,
                            rx.text("La famille a confirmé chaque information sans la modifier.", size="2"),
                            rx.vstack(rx.foreach(r.changes, _change), spacing="2", width="100%"))),
            section("Pièces renouvelées",
                    rx.cond(r.documents.length() == 0, rx.text("Aucune pièce à renouveler.", size="2"),
                            rx.vstack(rx.foreach(r.documents, _document), spacing="2"))),
            rx.cond(r.status == "sent", section(
                "Décision",
                rx.button("Valider la réinscription", size="3", color_scheme="green",
                          on_click=CampaignDossierState.validate),
                safe_form(rx.vstack(textarea("Corrections à demander à la famille", "reason"),
                                  rx.button("Demander des corrections", type="submit", variant="soft",
                                            color_scheme="amber"), spacing="2", width="100%"),
                        on_submit=CampaignDossierState.corrections, key=CampaignDossierState.form_key.to_string(),
                        width="100%")), rx.fragment()),
            spacing="4", width="100%"), rx.fragment()),
    )
