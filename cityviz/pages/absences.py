"""Parent page « Signaler une absence »: the form, then the household's reports."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, safe_form, upload_zone
from cityviz.components.layout import parent_page
from cityviz.components.ui import file_link, section, textarea, var_select
from cityviz.services.booking.absences import HouseholdAbsence
from cityviz.state.absences import AbsenceState

STATUS_COLORS = (("reported", "amber"), ("accepted", "green"), ("refused", "red"))


def _form() -> rx.Component:
    return section(
        "Nouvelle absence",
        rx.text("Même après le délai d'annulation. Pour une maladie, joignez si possible un certificat médical : "
                "selon le règlement de votre commune, l'absence n'est alors pas facturée.", size="2",
                color_scheme="gray"),
        error_callout(AbsenceState.error),
        safe_form(
            rx.vstack(
                var_select("Enfant", "child_id", AbsenceState.children),
                rx.grid(
                    field("Du", "date_from", type="date", required=True, default_value=AbsenceState.today_iso),
                    field("Au (inclus)", "date_to", type="date", hint="Vide : un seul jour."),
                    columns="2", spacing="3", width="100%",
                ),
                rx.vstack(
                    rx.text("Motif", weight="medium", size="2"),
                    rx.radio_group.root(
                        rx.hstack(
                            rx.radio_group.item(value="illness", id="reason-illness"),
                            rx.el.label("Maladie", html_for="reason-illness"),
                            rx.radio_group.item(value="other", id="reason-other", margin_left="16px"),
                            rx.el.label("Autre", html_for="reason-other"),
                            align="center",
                        ),
                        name="reason", default_value="illness", required=True,
                    ),
                    spacing="1",
                ),
                textarea("Précisions (facultatif)", "comment", rows="2"),
                rx.button("Signaler l'absence", type="submit", size="3", width="100%"),
                spacing="3",
                width="100%",
            ),
            on_submit=AbsenceState.submit,
            key=AbsenceState.form_key.to_string(),
            width="100%",
        ),
    )


def _report(r: HouseholdAbsence) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(r.child, weight="bold"),
                rx.badge(r.status_label, variant="soft", color_scheme=rx.match(r.status, *STATUS_COLORS, "gray")),
                wrap="wrap", align="center",
            ),
            rx.text(r.reason, " · ", r.dates, size="2"),
            rx.cond(r.comment != "", rx.text(r.comment, size="2", color_scheme="gray"), rx.fragment()),
            rx.cond(r.decision != "", rx.text(r.decision, size="2"), rx.fragment()),
            rx.cond(
                r.has_certificate,
                file_link(rx.text("Certificat médical joint", size="2", color="var(--accent-11)"),
                          href=routes.CERTIFICATE_FILE + "/" + r.id.to_string()),
                rx.fragment(),
            ),
            rx.cond(
                r.can_attach,
                rx.cond(
                    AbsenceState.attaching == r.id,
                    upload_zone("certificat", "Choisir le certificat", "PDF, JPEG ou PNG, 10 Mo au plus.",
                                AbsenceState.attach(rx.upload_files(upload_id="certificat")),
                                loading=AbsenceState.uploading),
                    rx.button(rx.icon("paperclip", size=16), "Joindre un certificat médical", variant="soft",
                              on_click=AbsenceState.choose_certificate(r.id),
                              aria_label="Joindre un certificat médical : " + r.child + ", " + r.dates),
                ),
                rx.fragment(),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def absences_page() -> rx.Component:
    return parent_page(
        "Signaler une absence",
        rx.link("← Retour au calendrier", href=routes.BOOKINGS, size="2"),
        _form(),
        rx.heading("Mes absences signalées", size="4", as_="h2"),
        rx.cond(
            AbsenceState.rows.length() > 0,
            rx.vstack(rx.foreach(AbsenceState.rows, _report), width="100%", spacing="3"),
            empty_state("calendar-x", "Aucune absence signalée",
                        "Votre enfant sera absent ou l'a été ? Signalez-le ici : la mairie en est informée et "
                        "la facture en tient compte selon son règlement."),
        ),
    )
