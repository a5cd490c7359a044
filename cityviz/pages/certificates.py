"""Parent page « Attestations » (next to « Mes factures »): tax, presence and payment certificates."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import field, safe_form
from cityviz.components.layout import parent_page
from cityviz.components.ui import file_button, section, var_select
from cityviz.services.billing.certificates import TaxRow
from cityviz.state.certificates import CertificatesState


def _tax_row(r: TaxRow) -> rx.Component:
    href = routes.CERTIFICATE_PDF + "/fiscale?enfant=" + r.child_id.to_string() + "&annee=" \
        + CertificatesState.year.to_string()
    return rx.hstack(
        rx.vstack(rx.text(r.child, weight="bold"),
                  rx.cond(r.eligible, rx.text("Frais de garde payés en ", CertificatesState.year, " : ", r.amount,
                                              size="2"),
                          rx.text("6 ans ou plus au 1er janvier : pas d'attestation fiscale", size="2",
                                  color_scheme="gray")),
                  spacing="0", flex="1"),
        rx.cond(r.eligible & (r.cents > 0),
                file_button("PDF", "download", href, variant="soft",
                            aria_label="Télécharger l'attestation fiscale de " + r.child), rx.fragment()),
        align="center", width="100%", padding_y="6px", border_top="1px solid var(--gray-4)",
    )


def _period_form(kind: str, label: str, handler, with_child: bool) -> rx.Component:
    return safe_form(
        rx.vstack(
            var_select("Enfant", f"{kind}_child", CertificatesState.children) if with_child else rx.fragment(),
            rx.grid(field("Du", f"{kind}_from", type="date", required=True, default_value=CertificatesState.first_day),
                    field("Au", f"{kind}_to", type="date", required=True, default_value=CertificatesState.today_iso),
                    columns="2", spacing="3", width="100%"),
            rx.button(rx.icon("download", size=16), label, type="submit", variant="soft"),
            spacing="3", width="100%",
        ),
        on_submit=handler,
        width="100%",
    )


def certificates_page() -> rx.Component:
    return parent_page(
        "Attestations",
        rx.link("← Mes factures", href=routes.INVOICES, size="2"),
        section(
            "Attestation fiscale (frais de garde)",
            rx.text("Pour chaque enfant de moins de 6 ans au 1er janvier : les sommes payées dans l'année pour son "
                    "accueil (périscolaire, loisirs), repas exclus, par organisation — à déclarer pour le crédit "
                    "d'impôt.", size="2", color_scheme="gray"),
            rx.vstack(
                rx.el.label("Année", html_for="f-year", font_weight="500", font_size="14px"),
                rx.el.select(rx.foreach(CertificatesState.years, lambda y: rx.el.option(y, value=y)),
                             id="f-year", value=CertificatesState.year.to_string(),
                             on_change=CertificatesState.choose_year, class_name="cvz-select"),
                spacing="1", width="100%",
            ),
            rx.vstack(rx.foreach(CertificatesState.rows, _tax_row), width="100%", spacing="0"),
        ),
        section("Attestation de présence",
                rx.text("Les jours de présence de l'enfant sur la période (employeur, comité d'entreprise, CAF).",
                        size="2", color_scheme="gray"),
                _period_form("presence", "Télécharger l'attestation de présence", CertificatesState.presence,
                             with_child=True)),
        section("Attestation de paiement",
                rx.text("Les paiements reçus de votre foyer sur la période.", size="2", color_scheme="gray"),
                _period_form("payment", "Télécharger l'attestation de paiement", CertificatesState.payment,
                             with_child=False)),
    )
