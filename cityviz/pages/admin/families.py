"""Staff pages of step 1: families (created by staff, invited), news for the families.
(Dossiers and required documents: dossiers.py.)"""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import CIVILITIES, empty_state, error_callout, field, safe_form, upload_zone
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, pager, textarea
from cityviz.services.households.families import FamilyRow
from cityviz.services.households.news import PostRow
from cityviz.services.households.people import SCHOOL_LEVELS
from cityviz.state.staff_families import FamiliesState, NewsAdminState

# --- Families --------------------------------------------------------------------------------

def _family_row(f: FamilyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(
            rx.link(f.name, href=routes.ADMIN_FAMILY + "?id=" + f.household_id.to_string(), weight="bold"),
            rx.text(f.guardians, size="1"), spacing="0")),
        rx.table.cell(f.children),
        rx.table.cell(rx.badge(f.account, variant="soft",
                               color_scheme=rx.match(f.account, ("Actif", "green"), ("Invité", "amber"), "gray"))),
        rx.table.cell(rx.cond(f.can_invite,
                              rx.button(rx.cond(f.account == "Invité", "Renvoyer l'invitation", "Inviter"),
                                        size="1", variant="soft", on_click=FamiliesState.invite(f.guardian_id)),
                              rx.fragment())),
    )


def _child_slot(n: int) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(f"Enfant {n + 1}", weight="bold", size="2"),
            rx.grid(
                field("Prénom", f"child{n}_first_name"),
                field("Nom", f"child{n}_last_name"),
                field("Date de naissance", f"child{n}_birth_date", type="date"),
                labelled_select("Sexe", f"child{n}_sex", [("", "Choisir…"), ("F", "Fille"), ("M", "Garçon")]),
                labelled_select("Classe", f"child{n}_school_level", [("", "—"), *[(lvl, lvl) for lvl in SCHOOL_LEVELS]]),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
        width="100%",
        variant="surface",
    )


def _family_form() -> rx.Component:
    return rx.card(
        safe_form(
            rx.vstack(
                rx.heading("Nouvelle famille", size="4", as_="h2"),
                rx.text("Pour une famille déjà connue : ses enfants auront un dossier à finaliser dès sa "
                        "première connexion.", size="2", color_scheme="gray"),
                error_callout(FamiliesState.error),
                rx.grid(
                    labelled_select("Civilité du responsable", "civility", CIVILITIES, required=True),
                    field("Prénom", "first_name", required=True),
                    field("Nom", "last_name", required=True),
                    field("Adresse e-mail", "email", type="email"),
                    field("Téléphone portable", "phone_mobile", type="tel"),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                *[rx.cond(FamiliesState.children_slots > n, _child_slot(n), rx.fragment()) for n in range(8)],
                rx.button(rx.icon("plus", size=14), "Ajouter un enfant", type="button", variant="soft", size="1",
                          on_click=FamiliesState.add_child_slot),
                checkbox("Envoyer l'invitation au responsable maintenant", "invite", default=True),
                rx.hstack(rx.button("Créer la famille", type="submit"),
                          rx.button("Annuler", type="button", variant="soft", color_scheme="gray",
                                    on_click=FamiliesState.toggle_form)),
                spacing="3",
                width="100%",
            ),
            on_submit=FamiliesState.create,
            key=FamiliesState.form_key,
            width="100%",
        ),
        width="100%",
    )


def families_page() -> rx.Component:
    return staff_page(
        "Familles",
        rx.cond(FamiliesState.show_form, _family_form(), rx.fragment()),
        rx.hstack(
            safe_form(
                rx.hstack(rx.box(field("Nom de famille", "search", default_value=FamiliesState.search,
                                       placeholder="Rechercher…"), flex="1"),
                          rx.button("Rechercher", type="submit", size="3"), align="end", width="100%"),
                on_submit=FamiliesState.filter,
                flex="1",
            ),
            rx.cond(FamiliesState.show_form, rx.fragment(),
                    rx.button(rx.icon("user-plus", size=16), "Nouvelle famille", size="3",
                              on_click=FamiliesState.toggle_form)),
            align="end",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            FamiliesState.total == 0,
            empty_state("users", "Aucune famille",
                        "Créez une famille connue de vos services, ou attendez que les familles s'inscrivent "
                        "depuis le portail."),
            rx.card(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                               ("Famille", "Enfants", "Compte", "")])),
                rx.table.body(rx.foreach(FamiliesState.rows, _family_row)), width="100%"),
                width="100%", overflow_x="auto"),
        ),
        pager(FamiliesState.page, FamiliesState.total, FamiliesState.per_page, FamiliesState.previous_page,
              FamiliesState.next_page),
    )


# --- News ------------------------------------------------------------------------------------

def _post_card(p: PostRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(p.title, weight="bold"), rx.spacer(),
                      rx.badge(p.when, color_scheme=rx.cond(p.published, "green", "gray"), variant="soft"),
                      width="100%", wrap="wrap"),
            rx.text(p.body, size="2", white_space="pre-line", max_height="4.5em", overflow="hidden"),
            rx.hstack(
                rx.button("Modifier", size="1", variant="soft", on_click=NewsAdminState.edit(p.id)),
                rx.button(rx.cond(p.published, "Retirer du fil", "Publier"), size="1", variant="soft",
                          color_scheme=rx.cond(p.published, "gray", "green"),
                          on_click=NewsAdminState.set_published(p.id, ~p.published)),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _post_form() -> rx.Component:
    e = NewsAdminState.editing
    return rx.card(
        rx.vstack(
            safe_form(
                rx.vstack(
                    rx.heading(rx.cond(e, "Modifier l'actualité", "Nouvelle actualité"), size="4", as_="h2"),
                    error_callout(NewsAdminState.error),
                    field("Titre", "title", required=True, default_value=rx.cond(e, e.title, "")),
                    textarea("Texte", "body", default=rx.cond(e, e.body, ""), rows="6", required=True),
                    checkbox("Publier dans le fil des familles", "publish", default=rx.cond(e, e.published, True)),
                    rx.hstack(rx.button("Enregistrer", type="submit"),
                              rx.button("Fermer", type="button", variant="soft", color_scheme="gray",
                                        on_click=NewsAdminState.close)),
                    spacing="3",
                    width="100%",
                ),
                on_submit=NewsAdminState.save,
                key=NewsAdminState.form_key,
                width="100%",
            ),
            rx.cond(
                e,
                rx.vstack(
                    rx.cond(e.has_image,
                            rx.image(src=routes.NEWS_IMAGE + "/" + e.id.to_string(), alt="Image de l'actualité",
                                     max_height="200px"), rx.fragment()),
                    upload_zone("news-image", rx.cond(e.has_image, "Changer l'image", "Ajouter une image"),
                                "JPEG ou PNG, 10 Mo au plus (facultatif).",
                                NewsAdminState.upload_image(rx.upload_files(upload_id="news-image")),
                                accept={"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}),
                    width="100%",
                ),
                rx.fragment(),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def news_admin_page() -> rx.Component:
    return staff_page(
        "Actualités",
        rx.cond(NewsAdminState.show_form, _post_form(),
                rx.button(rx.icon("plus", size=16), "Nouvelle actualité", size="3", on_click=NewsAdminState.new)),
        rx.cond(NewsAdminState.posts.length() == 0,
                empty_state("newspaper", "Aucune actualité",
                            "Menus, fermetures, inscriptions : ce que vous publiez ici apparaît dans le fil "
                            "des familles."),
                rx.vstack(rx.foreach(NewsAdminState.posts, _post_card), width="100%")),
    )
