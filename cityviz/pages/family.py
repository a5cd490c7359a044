"""Parent pages of step 1: profile and guardians, children. (Organization and dossier: dossier.py.)"""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import CIVILITIES, TEN_MB, error_callout, field, named_file_input, safe_form, upload_zone
from cityviz.components.layout import parent_page
from cityviz.components.ui import checkbox, file_link, labelled_select, section, textarea
from cityviz.pages.account_deletion import account_deletion_section
from cityviz.services.households.people import DIETS, SCHOOL_LEVELS, ChildView, GuardianView
from cityviz.state.family import ChildrenState, ProfileState

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
    return safe_form(
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
    details = safe_form(
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
        named_file_input("Changer de photo (JPEG ou PNG)", rx.upload(
            rx.button(rx.icon("camera", size=16), "Changer de photo", type="button", variant="soft"),
            id="avatar",
            accept={"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]},
            max_files=1,
            multiple=False,
            max_size=TEN_MB,
            on_drop=ProfileState.upload_photo(rx.upload_files(upload_id="avatar")),
            on_drop_rejected=rx.noop(),
            border="none",
            padding="0",
        )),
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
                rx.cond(child.diet_label != "", rx.text("Cantine : ", child.diet_label, size="2"), rx.fragment()),
                rx.cond(child.has_pai,
                        rx.cond(child.pai_name != "",
                                file_link(rx.text("PAI : ", child.pai_name, size="2", color="var(--accent-11)"),
                                          href=routes.PAI_FILE + "/" + child.id.to_string()),
                                rx.cond(ChildrenState.pai_for == child.id,
                                        upload_zone("pai", "Choisir le document du PAI",
                                                    "PDF, JPEG ou PNG, 10 Mo au plus.",
                                                    ChildrenState.attach_pai(rx.upload_files(upload_id="pai"))),
                                        rx.button(rx.icon("paperclip", size=14), "Joindre le PAI", size="1",
                                                  variant="soft", on_click=ChildrenState.choose_pai(child.id),
                                                  aria_label="Joindre le PAI de " + child.first_name))),
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
        safe_form(
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
                labelled_select("Régime à la cantine", "diet", [("", "Aucun régime particulier"),
                                                                 *DIETS.items()],
                                default=rx.cond(child, child.diet, "")),
                checkbox("PAI (projet d'accueil individualisé)", "has_pai",
                         default=rx.cond(child, child.has_pai, False)),
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
                        rx.link("Autorisations", href=routes.AUTHORIZATIONS), rx.fragment()),
                rx.cond(ChildrenState.children.length() > 0,
                        rx.link("Retour à l'accueil", href=routes.HOME), rx.fragment()),
                align="center",
                spacing="4",
            ),
        ),
    )
