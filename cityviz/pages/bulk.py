"""Parent page: booking (or cancelling) several dates at once, previewed before it is done."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import WEEKDAYS, empty_state, error_callout, field, safe_form
from cityviz.components.layout import parent_page
from cityviz.components.ui import labelled_select, section, var_select
from cityviz.services.booking.calendar import BulkLine
from cityviz.state.reservations import BulkState

# --- Several dates at once -------------------------------------------------------------------

def _bulk_line(line: BulkLine) -> rx.Component:
    return rx.hstack(
        # Two static icons, not an icon named by a variable: that would ship every Lucide icon.
        rx.cond(line.ok, rx.icon("circle-check", size=16, color="var(--green-10)"),
                rx.icon("circle-x", size=16, color="var(--red-10)")),
        rx.vstack(rx.text(line.day, " · ", line.child_name, weight="medium", size="2"),
                  rx.text(line.activity_name, " — ", line.outcome, size="1", color_scheme="gray"), spacing="0"),
        align="start",
        width="100%",
    )


def _checkbox(name: str, label: str, checked) -> rx.Component:
    return rx.hstack(
        rx.el.input(type="checkbox", id=f"f-{name}", name=name, default_checked=checked, width="20px", height="20px"),
        rx.el.label(label, html_for=f"f-{name}"),
        align="center", spacing="2",
    )


def bulk_page() -> rx.Component:
    form = safe_form(
        rx.vstack(
            error_callout(BulkState.error),
            labelled_select("Action", "action", [("book", "Réserver"), ("cancel", "Annuler des réservations")]),
            rx.vstack(
                rx.text("Enfants", weight="medium", size="2"),
                rx.hstack(rx.foreach(BulkState.children, lambda c: rx.hstack(
                    rx.el.input(type="checkbox", id="f-child-" + c[0], name="child-" + c[0], default_checked=True,
                                width="20px", height="20px"),
                    rx.el.label(c[1], html_for="f-child-" + c[0]), align="center", spacing="2")),
                    wrap="wrap", spacing="4"),
                width="100%",
            ),
            var_select("Activité", "activity_id", BulkState.activities),
            rx.hstack(
                rx.button("La semaine prochaine", type="button", variant="soft", size="1",
                          on_click=BulkState.preset("next_week")),
                rx.button("Le mois prochain", type="button", variant="soft", size="1",
                          on_click=BulkState.preset("next_month")),
                wrap="wrap",
            ),
            rx.grid(field("Du", "date_from", type="date", default_value=BulkState.date_from, required=True),
                    field("Au", "date_to", type="date", default_value=BulkState.date_to, required=True),
                    columns="2", spacing="3", width="100%", key="dates-" + BulkState.dates_key.to_string()),
            rx.vstack(
                rx.text("Chaque", weight="medium", size="2"),
                rx.hstack(*[_checkbox(f"day-{i}", name.lower(), BulkState.weekdays.contains(i))
                            for i, name in enumerate(WEEKDAYS[:6])], wrap="wrap", spacing="4"),
                width="100%",
            ),
            _checkbox("join_waiting_list", "Si une date est complète, rejoindre la liste d'attente", False),
            rx.button("Voir ce qui sera fait", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=BulkState.show_preview,
        key=BulkState.form_key,
        width="100%",
    )
    return parent_page(
        "Réserver plusieurs dates",
        rx.link("← Retour au calendrier", href=routes.BOOKINGS, size="2"),
        rx.cond(
            BulkState.activities.length() > 0,
            rx.card(form, width="100%"),
            empty_state("calendar-x", "Aucune activité", "Inscrivez d'abord vos enfants à une activité.",
                        rx.link(rx.button("Inscrire à une activité"), href=routes.ENROL)),
        ),
        rx.cond(
            BulkState.preview.length() > 0,
            section(
                "Aperçu",
                rx.text(BulkState.preview_ok, " date(s) possible(s) sur ", BulkState.preview.length(), ".",
                        weight="medium"),
                rx.foreach(BulkState.preview, _bulk_line),
                rx.button("Confirmer", size="3", width="100%", on_click=BulkState.confirm,
                          disabled=BulkState.preview_ok == 0),
            ),
            rx.fragment(),
        ),
        rx.cond(
            BulkState.result.length() > 0,
            section(
                "C'est fait",
                rx.text(BulkState.result_ok, " date(s) traitée(s) sur ", BulkState.result.length(), ".",
                        weight="medium"),
                rx.foreach(BulkState.result, _bulk_line),
                rx.link(rx.button("Voir le calendrier", variant="soft"), href=routes.BOOKINGS),
            ),
            rx.fragment(),
        ),
    )
