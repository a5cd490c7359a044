"""Staff page « Absences signalées »: accept or refuse, the certificate inline."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import file_link, pager
from cityviz.services.booking.absence_review import FILTERS, AbsenceRow
from cityviz.state.absences import AbsencesAdminState

STATUS_COLORS = (("reported", "amber"), ("accepted", "green"), ("refused", "red"))


def _row(r: AbsenceRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(r.child, weight="bold"),
                rx.text(r.level, size="1", color_scheme="gray"),
                rx.badge(r.status_label, variant="soft", color_scheme=rx.match(r.status, *STATUS_COLORS, "gray")),
                wrap="wrap", align="center",
            ),
            rx.text(r.reason, " · ", r.dates, " · signalée ", r.reported, size="2"),
            rx.cond(r.comment != "", rx.text("« ", r.comment, " »", size="2", color_scheme="gray"), rx.fragment()),
            rx.cond(
                r.certificate,
                rx.cond(r.can_read_certificate,
                        file_link(rx.hstack(rx.icon("file-text", size=16), rx.text("Certificat médical : ",
                                                                                     r.certificate_name, size="2"),
                                            align="center", color="var(--accent-11)"),
                                  href=routes.CERTIFICATE_FILE + "/" + r.id.to_string(), target="_blank"),
                        rx.text("Certificat médical joint", size="2")),
                rx.text("Sans certificat médical", size="2", color_scheme="gray"),
            ),
            rx.text(r.sessions, size="2", color_scheme="gray"),
            rx.cond(r.decision != "", rx.text(r.decision, size="2"), rx.fragment()),
            rx.cond(
                r.status == "reported",
                rx.hstack(
                    rx.button("Accepter", size="2", color_scheme="green", on_click=AbsencesAdminState.accept(r.id),
                              aria_label="Accepter l'absence de " + r.child + " " + r.dates),
                    rx.button("Refuser", size="2", variant="soft", color_scheme="red",
                              on_click=AbsencesAdminState.start_refusal(r.id),
                              aria_label="Refuser l'absence de " + r.child + " " + r.dates),
                ),
                rx.fragment(),
            ),
            rx.cond(AbsencesAdminState.refusing == r.id,
                    safe_form(rx.hstack(rx.box(field("Motif du refus", "reason", required=True), flex="1"),
                                      rx.button("Confirmer le refus", type="submit", color_scheme="red"),
                                      align="end", width="100%", wrap="wrap"),
                            on_submit=AbsencesAdminState.refuse, width="100%"),
                    rx.fragment()),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def absences_admin_page() -> rx.Component:
    return staff_page(
        "Absences signalées",
        rx.text("Les absences que les familles signalent. Une fois acceptée ou refusée, le pointage des séances "
                "concernées est rempli et la prochaine facture en tient compte, selon la règle de chaque activité "
                "(Activités → « Absences signalées par les familles »).", size="2", color_scheme="gray"),
        rx.hstack(*[rx.button(label, size="2", variant=rx.cond(AbsencesAdminState.status == key, "solid", "soft"),
                              on_click=AbsencesAdminState.filter(key)) for key, label in FILTERS.items()],
                  wrap="wrap"),
        rx.cond(AbsencesAdminState.total == 0,
                empty_state("inbox", "Rien à traiter", "Les absences signalées par les familles arrivent ici, "
                            "avec leur certificat médical s'il y en a un."),
                rx.vstack(rx.foreach(AbsencesAdminState.rows, _row),
                          pager(AbsencesAdminState.page, AbsencesAdminState.total, AbsencesAdminState.per_page,
                                AbsencesAdminState.previous_page, AbsencesAdminState.next_page,
                                labels=("Précédentes", "Suivantes")),
                          width="100%")),
    )
