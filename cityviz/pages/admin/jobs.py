"""« Tâches »: what runs in the background (e-mails, invoice runs, reminders,
waiting lists, nightly maintenance), its progress, its failures."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import loading_state
from cityviz.components.layout import staff_page
from cityviz.components.ui import pager
from cityviz.services.operations.board import JobRow
from cityviz.state.staff_jobs import PER_PAGE, JobsState

_COLORS = {"queued": "gray", "running": "blue", "retrying": "amber", "succeeded": "green", "failed": "red",
           "cancelled": "gray"}


def _job(row: JobRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.label, weight="bold"),
                rx.spacer(),
                rx.badge(row.status_label, color_scheme=rx.match(row.status, *_COLORS.items(), "gray"),
                         variant="soft", size="2"),
                width="100%", wrap="wrap", align="center",
            ),
            rx.text("Demandée le ", row.created_at, rx.cond(row.when != "", " · ", ""), row.when, " · ",
                    row.attempts, size="1", color_scheme="gray"),
            rx.cond(
                (row.status == "running") | (row.progress != ""),
                rx.vstack(
                    rx.progress(value=row.percent, width="100%", aria_label="Progression de " + row.label),
                    rx.text(row.progress, size="1", color_scheme="gray"),
                    spacing="1", width="100%",
                ),
                rx.fragment(),
            ),
            rx.cond(row.result != "", rx.text(row.result, size="2"), rx.fragment()),
            rx.cond(row.error != "",
                    rx.callout(row.error, icon="triangle-alert",
                               color_scheme=rx.cond(row.status == "failed", "red", "amber"), size="1", width="100%"),
                    rx.fragment()),
            rx.cond(row.can_retry,
                    rx.button(rx.icon("rotate-ccw", size=16), "Relancer", on_click=JobsState.retry(row.id),
                              variant="soft", size="2"),
                    rx.fragment()),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _filter(label: str, status: str, count=None) -> rx.Component:
    return rx.button(label, *([rx.badge(count, variant="solid", color_scheme="red")] if count is not None else []),
                     on_click=JobsState.show(status), size="2",
                     variant=rx.cond(JobsState.status == status, "solid", "soft"))


def jobs_page() -> rx.Component:
    return staff_page(
        "Tâches",
        rx.text("Ce que le portail fait en arrière-plan : envoi des e-mails, émission des factures, relances, "
                "listes d'attente, entretien de nuit. Une tâche qui échoue est réessayée automatiquement, de plus "
                "en plus tard ; après le dernier essai, vous pouvez la relancer.", size="2", color_scheme="gray"),
        rx.hstack(
            _filter("Toutes", ""),
            _filter("En cours", "active"),
            rx.cond(JobsState.failed > 0, _filter("Échecs", "failed", JobsState.failed), _filter("Échecs", "failed")),
            _filter("Terminées", "done"),
            wrap="wrap", spacing="2",
        ),
        rx.cond(
            JobsState.total == 0,
            rx.cond(rx.State.is_hydrated, rx.callout("Aucune tâche à afficher.", icon="info", width="100%"),
                    loading_state()),
            rx.vstack(
                rx.foreach(JobsState.rows, _job),
                pager(JobsState.page, JobsState.total, PER_PAGE, JobsState.turn_page(-1), JobsState.turn_page(1)),
                spacing="3", width="100%",
            ),
        ),
    )
