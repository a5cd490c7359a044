"""« Mon foyer »: guardians, children, organizations and dossiers, documents — and the way to each page."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.layout import parent_page
from cityviz.components.ui import section, status_badge
from cityviz.services.households.dossiers import DossierSummary
from cityviz.services.households.overview import DocumentLine, MemberLine
from cityviz.state.home import HouseholdState


def _line(*children: rx.Component) -> rx.Component:
    return rx.hstack(*children, width="100%", align="center", wrap="wrap", padding_y="6px",
                     border_top="1px solid var(--gray-4)")


def _member(m: MemberLine) -> rx.Component:
    return _line(
        rx.vstack(rx.text(m.name, weight="medium"),
                  rx.cond(m.detail != "", rx.text(m.detail, size="1", color_scheme="gray", overflow_wrap="anywhere"),
                          rx.fragment()),
                  spacing="0", flex="1", min_width="0"),
        rx.cond(m.badge != "", rx.badge(m.badge, variant="soft"), rx.fragment()),
    )


def _dossier(d: DossierSummary) -> rx.Component:
    return _line(
        rx.vstack(rx.text(d.person_name, weight="medium"), rx.text(d.organization, size="1", color_scheme="gray"),
                  status_badge(d.status, d.status_label), spacing="1", flex="1", min_width="0"),
        rx.link("Ouvrir", href=routes.DOSSIER + "?id=" + d.id.to_string(), size="2",
                aria_label="Ouvrir le dossier de " + d.person_name + " (" + d.organization + ")"),
    )


def _document(doc: DocumentLine) -> rx.Component:
    return rx.vstack(
        rx.text(doc.name, weight="medium"),
        rx.text(doc.owner, " · ", doc.organization, " · envoyée le ", doc.sent_on, size="1", color_scheme="gray"),
        status_badge(doc.status, doc.status_label),
        rx.cond(doc.status == "refused",
                rx.vstack(
                    rx.text("Motif : ", doc.refusal_reason, size="2", color="var(--red-11)"),
                    rx.cond(doc.enrollment_id > 0,
                            rx.link(rx.button("Envoyer un nouveau fichier", size="2"),
                                    href=routes.DOSSIER + "?id=" + doc.enrollment_id.to_string()),
                            rx.fragment()),
                    spacing="2", width="100%"),
                rx.fragment()),
        spacing="1", width="100%", padding_y="6px", border_top="1px solid var(--gray-4)",
    )


def _action(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(rx.button(rx.icon(icon, size=16), label, variant="soft", size="3"), href=href)


def household_page() -> rx.Component:
    h = HouseholdState.household
    return parent_page(
        "Mon foyer",
        rx.cond(
            h,
            rx.vstack(
                section("Responsables",
                        rx.cond(h.address != "", rx.text(h.address, size="2", color_scheme="gray"), rx.fragment()),
                        rx.foreach(h.guardians, _member),
                        _action("Mon profil et les responsables", routes.PROFILE, "user")),
                section("Enfants",
                        rx.foreach(h.children, _member),
                        rx.cond(h.children.length() == 0,
                                rx.text("Aucun enfant enregistré pour l'instant.", size="2", color_scheme="gray"),
                                rx.fragment()),
                        _action("Ajouter ou modifier un enfant", routes.CHILDREN, "baby")),
                section("Organisations et dossiers",
                        rx.foreach(h.dossiers, _dossier),
                        rx.cond(h.dossiers.length() == 0,
                                rx.text("Personne n'est encore inscrit auprès d'une organisation.", size="2",
                                        color_scheme="gray"),
                                rx.fragment()),
                        _action("Inscrire des personnes à une organisation", routes.ORGANIZATIONS, "user-plus")),
                section("Pièces justificatives",
                        rx.foreach(h.documents, _document),
                        rx.cond(h.documents.length() == 0,
                                rx.text("Aucune pièce envoyée : elles se déposent dans chaque dossier d'inscription.",
                                        size="2", color_scheme="gray"),
                                rx.fragment())),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="6", aria_label="Chargement"),
        ),
    )
