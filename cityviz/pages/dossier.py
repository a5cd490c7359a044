"""Parent pages of step 1, continued: registering with an organization, the dossier step by step."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form, upload_zone
from cityviz.components.layout import parent_page
from cityviz.components.ui import section, status_badge
from cityviz.services.households.dossiers import MemberChoice, OrganizationHit, RequirementStatus
from cityviz.state.family import DossierState, RegisterState

# --- Register with an organization -----------------------------------------------------------

def _result(org: OrganizationHit) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(rx.text(org.name, weight="bold"), rx.text(org.postal_code, " ", org.city, size="2",
                                                                  color_scheme="gray"), spacing="0"),
            rx.spacer(),
            rx.button("Choisir", on_click=RegisterState.choose(org.id), aria_label="Choisir " + org.name),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def _member(member: MemberChoice) -> rx.Component:
    box_id = "person-" + member.person_id.to_string()
    return rx.hstack(
        rx.el.input(type="checkbox", id=box_id, name=box_id,
                    default_checked=(member.role == "Enfant") & ~member.already_registered,
                    disabled=member.already_registered, width="20px", height="20px"),
        rx.el.label(member.name, " ", rx.text.span("(" + member.role + ")", color="var(--gray-11)"),
                    html_for=box_id),
        rx.cond(member.already_registered, rx.badge("Déjà inscrit", variant="soft"), rx.fragment()),
        align="center",
        spacing="2",
    )


def register_page() -> rx.Component:
    return parent_page(
        "Inscrire à une organisation",
        rx.text("Votre organisation est la mairie ou la structure qui gère la cantine, la garderie ou "
                "le centre de loisirs de vos enfants.", size="2", color_scheme="gray"),
        safe_form(
            rx.hstack(
                rx.box(field("Code postal ou commune", "query", required=True, autocomplete="postal-code",
                             placeholder="Par exemple 14760"), flex="1"),
                rx.button(rx.icon("search", size=16), "Rechercher", type="submit", size="3"),
                align="end",
                width="100%",
            ),
            on_submit=RegisterState.search,
            width="100%",
        ),
        error_callout(RegisterState.error),
        rx.cond(
            RegisterState.chosen,
            section(
                "Qui inscrire auprès de " + RegisterState.chosen.name + " ?",
                safe_form(
                    rx.vstack(
                        rx.foreach(RegisterState.members, _member),
                        rx.button("Inscrire", type="submit", size="3", width="100%"),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=RegisterState.register,
                    width="100%",
                ),
            ),
            rx.cond(
                RegisterState.results.length() > 0,
                rx.vstack(rx.foreach(RegisterState.results, _result), width="100%"),
                rx.cond(RegisterState.searched,
                        empty_state("search-x", "Aucune organisation trouvée",
                                    "Vérifiez le code postal, ou demandez à votre mairie si elle utilise "
                                    "Cityviz Enfance."),
                        rx.fragment()),
            ),
        ),
    )


# --- Dossier ---------------------------------------------------------------------------------

def _step_dot(index: int) -> rx.Component:
    return rx.box(width="100%", height="6px", border_radius="3px",
                  background=rx.cond(DossierState.step >= index, "var(--accent-9)", "var(--gray-5)"))


def _document_step(req: RequirementStatus) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(req.name, size="4", as_="h2"),
            status_badge(req.status, req.status_label),
            wrap="wrap",
            align="center",
        ),
        rx.cond(req.person_id == 0,
                rx.text("Pièce commune à tout le foyer : demandée une seule fois.", size="2",
                        color_scheme="gray"),
                rx.fragment()),
        rx.cond(req.description != "", rx.text(req.description, size="2"), rx.fragment()),
        rx.cond(req.status == "refused",
                rx.callout("Refusée par votre organisation : " + req.refusal_reason, icon="circle-x",
                           color_scheme="red", width="100%"),
                rx.fragment()),
        rx.cond(req.file_name != "", rx.text("Fichier envoyé : ", req.file_name, size="2"), rx.fragment()),
        rx.cond(
            req.can_upload,
            upload_zone("dossier", rx.cond(req.file_name != "", "Remplacer le fichier", "Choisir un fichier"),
                        "PDF, JPEG ou PNG, 10 Mo au plus. Sur téléphone, vous pouvez prendre une photo.",
                        DossierState.upload(rx.upload_files(upload_id="dossier")),
                        loading=DossierState.uploading),
            rx.fragment(),
        ),
        spacing="3",
        width="100%",
    )


def _summary_line(req: RequirementStatus) -> rx.Component:
    return rx.hstack(rx.text(req.name, size="2", flex="1"), status_badge(req.status, req.status_label),
                     width="100%", align="center")


def _send_step() -> rx.Component:
    d = DossierState.dossier
    return rx.vstack(
        rx.heading("Récapitulatif", size="4", as_="h2"),
        rx.foreach(DossierState.steps, _summary_line),
        rx.cond(
            d.can_submit,
            rx.button("Envoyer le dossier", size="3", width="100%", on_click=DossierState.submit),
            # What is missing matters while the family can still send it; once sent or validated,
            # the dossier's status is the answer (a town may validate pieces it got on paper).
            rx.cond((d.missing.length() > 0) & (d.status != "validated"),
                    rx.callout("Il manque encore : " + d.missing.join(", "), icon="info", width="100%"),
                    rx.cond(d.status == "validated",  # an icon by name, never through a variable
                            rx.callout(d.status_label, icon="circle-check", color_scheme="green", high_contrast=True,
                                       width="100%"),
                            rx.callout(d.status_label, icon="info", width="100%"))),
        ),
        spacing="3",
        width="100%",
    )


def dossier_page() -> rx.Component:
    d = DossierState.dossier
    return parent_page(
        "Dossier d'inscription",
        error_callout(DossierState.error),
        rx.cond(
            d,
            rx.vstack(
                rx.hstack(rx.text(d.person_name, " · ", d.organization, weight="medium"),
                          status_badge(d.status, d.status_label), wrap="wrap", align="center"),
                rx.cond(d.status == "rejected",
                        rx.callout("Refusé : " + d.rejection_reason, icon="circle-x", color_scheme="red",
                                   width="100%"),
                        rx.fragment()),
                rx.text("Étape ", DossierState.step + 1, " sur ", DossierState.step_count, size="2",
                        color_scheme="gray"),
                rx.hstack(rx.foreach(rx.Var.range(DossierState.step_count), _step_dot), width="100%",
                          spacing="1"),
                rx.card(
                    rx.cond(DossierState.current, _document_step(DossierState.current), _send_step()),
                    width="100%",
                ),
                rx.hstack(
                    rx.button("Précédent", variant="soft", on_click=DossierState.go(DossierState.step - 1),
                              disabled=DossierState.step == 0),
                    rx.spacer(),
                    rx.cond(DossierState.current,
                            rx.button("Suivant", variant="soft", on_click=DossierState.go(DossierState.step + 1)),
                            rx.fragment()),
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            rx.fragment(),
        ),
    )
