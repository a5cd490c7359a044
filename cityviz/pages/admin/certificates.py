"""Staff page « Attestations fiscales »."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.layout import staff_page
from cityviz.components.ui import section
from cityviz.state.staff_certificates import TaxRunState


def tax_run_page() -> rx.Component:
    s = TaxRunState
    return staff_page(
        "Attestations fiscales",
        rx.text("Pour chaque famille ayant payé dans l'année des frais de garde d'enfants de moins de 6 ans "
                "(repas exclus), l'attestation est calculée et la famille prévenue par e-mail ; elle la télécharge "
                "dans « Attestations ». Une famille n'est prévenue qu'une fois par année.", size="2",
                color_scheme="gray"),
        section(
            "Produire les attestations de l'année",
            rx.vstack(
                rx.el.label("Année", html_for="f-tax-year", font_weight="500", font_size="14px"),
                rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), id="f-tax-year",
                             value=s.year.to_string(), on_change=s.choose_year, class_name="cvz-select"),
                spacing="1", width="100%",
            ),
            rx.cond(
                s.status != "",
                rx.vstack(
                    rx.text("État : ", s.status_label, " — ", s.done, " foyer(s) traité(s)", weight="medium"),
                    rx.progress(value=s.percent, width="100%", aria_label="Progression des attestations"),
                    rx.cond(s.summary != "", rx.text(s.summary, size="2"), rx.fragment()),
                    rx.text("La production continue si vous quittez la page (voir ",
                            rx.link("Tâches", href=routes.ADMIN_JOBS), ").", size="1", color_scheme="gray"),
                    width="100%",
                ),
                rx.fragment(),
            ),
            rx.button("Produire les attestations fiscales ", s.year, size="3", on_click=s.start,
                      disabled=(s.status != "") & (s.status != "failed"),
                      loading=(s.status == "queued") | (s.status == "running")),
        ),
    )
