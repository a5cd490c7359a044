"""Parent pages of step 1: profile, children, organization, dossier."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field
from cityviz.components.layout import parent_page
from cityviz.components.ui import checkbox, file_link, labelled_select, section, status_badge, textarea
from cityviz.pages.account_deletion import account_deletion_section
from cityviz.services.households.dossiers import MemberChoice, OrganizationHit, RequirementStatus
from cityviz.services.households.people import SCHOOL_LEVELS, ChildView, GuardianView
from cityviz.state.family import ChildrenState, DossierState, ProfileState, RegisterState

CIVILITIES = [("", "Choisir…"), ("Mme", "Madame"), ("M.", "Monsieur")]
DOCUMENT_ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}
TEN_MB = 10 * 1024 * 1024


def upload_zone(upload_id: str, label: str, hint: str, on_drop, accept=DOCUMENT_ACCEPT,
                loading: rx.Var | bool = False) -> rx.Component:
    return rx.upload(
        rx.vstack(
            rx.icon("upload", size=24, color="var(--accent-9)"),
            rx.button(label, type="button", loading=loading, size="3"),
            rx.text(hint, size="1", color_scheme="gray", text_align="center"),
            align="center",
            spacing="2",
        ),
        id=upload_id,
        accept=accept,
        max_files=1,
        multiple=False,
        max_size=TEN_MB,
        on_drop=on_drop,
        border="2px dashed var(--gray-6)",
        border_radius="12px",
        padding="20px",
        width="100%",
        cursor="pointer",
    )


# --- Profile ---------------------------------------------------------------------------------

def _guardian_row(g: GuardianView) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(g.civility, " ", g.first_name, " ", g.last_name, weight="medium"),
            rx.text(g.email, size="1", color_scheme="gray"),
            spacing="0",
        ),
        rx.spacer(),
        rx.cond(
            g.is_me,
            rx.badge("Vous", variant="soft"),
            rx.cond(
                g.has_account,
                rx.badge("Compte créé", color_scheme="green", variant="soft"),
                rx.cond(g.email != "",
                        rx.button("Inviter", size="1", variant="soft", on_click=ProfileState.invite(g.id)),
                        rx.badge("Sans compte", color_scheme="gray", variant="soft")),
            ),
        ),
        width="100%",
        align="center",
    )


def _guardian_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            error_callout(ProfileState.guardian_error),
            labelled_select("Civilité", "civility", CIVILITIES, required=True),
            field("Prénom", "first_name", required=True, autocomplete="off"),
            field("Nom", "last_name", required=True, autocomplete="off"),
            field("Adresse e-mail", "email", type="email", autocomplete="off",
                  hint="Pour qu'il ou elle ait son propre accès au portail."),
            field("Téléphone portable", "phone_mobile", type="tel", autocomplete="off"),
            checkbox("Lui envoyer une invitation par e-mail", "invite", default=True),
            rx.hstack(
                rx.button("Ajouter", type="submit"),
                rx.button("Annuler", type="button", variant="soft", color_scheme="gray",
                          on_click=ProfileState.toggle_guardian_form),
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=ProfileState.add_guardian,
        width="100%",
    )


def profile_page() -> rx.Component:
    me = ProfileState.profile.me
    details = rx.form(
        rx.vstack(
            error_callout(ProfileState.error),
            labelled_select("Civilité", "civility", CIVILITIES, default=me.civility, required=True),
            field("Prénom", "first_name", required=True, default_value=me.first_name,
                  autocomplete="given-name"),
            field("Nom", "last_name", required=True, default_value=me.last_name, autocomplete="family-name"),
            field("Adresse (numéro et rue)", "street", required=True, default_value=ProfileState.profile.street,
                  autocomplete="street-address"),
            rx.hstack(
                rx.box(field("Code postal", "postal_code", required=True, input_mode="numeric", max_length=5,
                             default_value=ProfileState.profile.postal_code, autocomplete="postal-code"),
                       width="130px", flex_shrink="0"),
                rx.box(field("Commune", "city", required=True, default_value=ProfileState.profile.city,
                             autocomplete="address-level2"), flex="1"),
                width="100%",
            ),
            field("Téléphone portable", "phone_mobile", type="tel", default_value=me.phone_mobile,
                  autocomplete="tel", hint="Par exemple 06 12 34 56 78."),
            field("Autre téléphone", "phone_other", type="tel", default_value=me.phone_other),
            field("Adresse e-mail", "email", type="email", default_value=me.email, disabled=True,
                  hint="C'est votre identifiant de connexion."),
            rx.button("Enregistrer", type="submit", size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=ProfileState.save,
        key=ProfileState.form_key,
        width="100%",
    )
    photo = rx.hstack(
        rx.avatar(src=ProfileState.avatar_url, fallback=ProfileState.user_initials, size="6", radius="full"),
        rx.upload(
            rx.button(rx.icon("camera", size=16), "Changer de photo", type="button", variant="soft"),
            id="avatar",
            accept={"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]},
            max_files=1,
            multiple=False,
            max_size=TEN_MB,
            on_drop=ProfileState.upload_photo(rx.upload_files(upload_id="avatar")),
            border="none",
            padding="0",
        ),
        align="center",
        spacing="4",
    )
    return parent_page(
        "Mon profil",
        rx.cond(
            ProfileState.profile,
            rx.vstack(
                rx.cond(ProfileState.profile.complete, rx.fragment(),
                        rx.callout("Complétez votre adresse et un numéro de téléphone pour continuer.",
                                   icon="info", width="100%")),
                section("Vos informations", photo, details),
                section(
                    "Responsables du foyer",
                    rx.foreach(ProfileState.profile.guardians, _guardian_row),
                    rx.cond(ProfileState.show_guardian_form, _guardian_form(),
                            rx.button(rx.icon("user-plus", size=16), "Ajouter un second responsable",
                                      variant="soft", on_click=ProfileState.toggle_guardian_form)),
                ),
                section(
                    "Sécurité et données",
                    rx.link("Changer mon mot de passe", href=routes.PASSWORD),
                    file_link(rx.hstack(rx.icon("download", size=16), rx.text("Télécharger mes données"),
                                        align="center", color="var(--accent-11)"), href=routes.EXPORT),
                    rx.text("Toutes les informations que le portail détient sur votre foyer (fichier ZIP).",
                            size="1", color_scheme="gray"),
                ),
                account_deletion_section(),
                spacing="4",
                width="100%",
            ),
            rx.center(rx.spinner(size="3"), padding="6", width="100%"),
        ),
    )


# --- Children --------------------------------------------------------------------------------

def _child_card(child: ChildView) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.avatar(fallback=child.first_name[:1], size="4", radius="full"),
            rx.vstack(
                rx.text(child.first_name, " ", child.last_name, weight="bold"),
                rx.text("Né(e) le ", child.birth_date,
                        rx.cond(child.school_level != "", " · " + child.school_level, ""),
                        size="2", color_scheme="gray"),
                rx.cond(child.allergies != "",
                        rx.text("Allergies : ", child.allergies, size="2", color="var(--red-11)"),
                        rx.fragment()),
                spacing="1",
                flex="1",
            ),
            rx.button("Modifier", variant="soft", size="2", on_click=ChildrenState.edit_child(child.id),
                      aria_label="Modifier la fiche de " + child.first_name),
            align="center",
            width="100%",
        ),
        width="100%",
    )


def _child_form() -> rx.Component:
    child = ChildrenState.editing
    return section(
        rx.cond(child, "Modifier la fiche", "Nouvel enfant"),
        rx.form(
            rx.vstack(
                error_callout(ChildrenState.error),
                field("Prénom", "first_name", required=True, default_value=rx.cond(child, child.first_name, ""),
                      autocomplete="off"),
                field("Nom", "last_name", required=True,
                      default_value=rx.cond(child, child.last_name, ChildrenState.family_name),
                      autocomplete="off"),
                field("Date de naissance", "birth_date", type="date", required=True,
                      default_value=rx.cond(child, child.birth_date_iso, "")),
                labelled_select("Sexe", "sex", [("", "Choisir…"), ("F", "Fille"), ("M", "Garçon")],
                                default=rx.cond(child, child.sex, ""), required=True),
                field("École", "school", default_value=rx.cond(child, child.school, "")),
                labelled_select("Classe", "school_level", [("", "Non scolarisé ou autre"),
                                                           *[(lvl, lvl) for lvl in SCHOOL_LEVELS]],
                                default=rx.cond(child, child.school_level, "")),
                textarea("Allergies", "allergies", default=rx.cond(child, child.allergies, ""),
                         hint="Alimentaires ou autres ; laissez vide s'il n'y en a pas.", rows="2"),
                textarea("Informations médicales utiles", "medical_notes",
                         default=rx.cond(child, child.medical_notes, ""), rows="2"),
                textarea("Personnes autorisées à venir chercher l'enfant", "authorised_pickups",
                         default=rx.cond(child, child.authorised_pickups, ""), rows="2",
                         hint="Nom, lien de parenté et téléphone."),
                rx.hstack(
                    rx.button("Enregistrer", type="submit", size="3"),
                    rx.button("Annuler", type="button", variant="soft", color_scheme="gray", size="3",
                              on_click=ChildrenState.cancel),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=ChildrenState.save,
            key=ChildrenState.form_key,
            width="100%",
        ),
    )


def children_page() -> rx.Component:
    return parent_page(
        "Mes enfants",
        rx.cond(ChildrenState.show_form, _child_form(), rx.fragment()),
        rx.foreach(ChildrenState.children, _child_card),
        rx.cond(
            ChildrenState.show_form,
            rx.fragment(),
            rx.hstack(
                rx.button(rx.icon("plus", size=16), "Ajouter un enfant", size="3",
                          on_click=ChildrenState.new_child),
                rx.cond(ChildrenState.children.length() > 0,
                        rx.link("Retour à l'accueil", href=routes.HOME), rx.fragment()),
                align="center",
                spacing="4",
            ),
        ),
    )


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
        rx.form(
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
                rx.form(
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
            rx.cond(d.missing.length() > 0,
                    rx.callout("Il manque encore : " + d.missing.join(", "), icon="info", width="100%"),
                    rx.callout(d.status_label, icon="info", width="100%")),
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
                rx.text(d.person_name, " · ", d.organization, weight="medium"),
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
