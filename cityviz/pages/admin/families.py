"""Staff pages of step 1: dossiers, one dossier, required documents, families, news."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, pager, section, status_badge, textarea
from cityviz.pages.family import CIVILITIES, upload_zone
from cityviz.services.households.documents import RequirementRow
from cityviz.services.households.dossier_review import DossierRow, HistoryLine, StaffDocument
from cityviz.services.households.families import FamilyRow
from cityviz.services.households.news import PostRow
from cityviz.services.households.people import SCHOOL_LEVELS
from cityviz.state.staff_families import (
    DossierReviewState,
    DossiersState,
    FamiliesState,
    NewsAdminState,
    RequirementsState,
)

STATUS_FILTER = [("submitted", "À valider"), ("draft", "Brouillons"), ("validated", "Validés"),
                 ("rejected", "Refusés"), ("all", "Tous")]


# --- Dossiers --------------------------------------------------------------------------------

def _dossier_row(row: DossierRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row.person_name, href=routes.ADMIN_DOSSIER + "?id=" + row.id.to_string())),
        rx.table.cell(row.kind),
        rx.table.cell(status_badge(row.status, row.status_label)),
        rx.table.cell(row.when),
    )


def dossiers_page() -> rx.Component:
    return staff_page(
        "Dossiers d'inscription",
        rx.form(
            rx.hstack(
                rx.box(labelled_select("Statut", "status", STATUS_FILTER, default=DossiersState.status),
                       min_width="160px"),
                rx.box(field("Nom de famille", "search", default_value=DossiersState.search,
                             placeholder="Rechercher…"), flex="1", min_width="180px"),
                rx.button("Filtrer", type="submit", size="3"),
                align="end",
                width="100%",
                wrap="wrap",
            ),
            on_submit=DossiersState.filter,
            width="100%",
        ),
        rx.cond(
            DossiersState.total == 0,
            empty_state("folder-check", "Aucun dossier",
                        "Aucun dossier ne correspond à ce filtre. Les dossiers envoyés par les familles "
                        "arrivent dans « À valider »."),
            rx.card(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell("Personne"), rx.table.column_header_cell("Type"),
                        rx.table.column_header_cell("Statut"), rx.table.column_header_cell("Mis à jour"))),
                    rx.table.body(rx.foreach(DossiersState.rows, _dossier_row)),
                    width="100%",
                ),
                width="100%",
                overflow_x="auto",
            ),
        ),
        pager(DossiersState.page, DossiersState.total, DossiersState.per_page, DossiersState.previous_page,
              DossiersState.next_page),
    )


def _document_item(doc: StaffDocument) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(doc.requirement, weight="bold"),
                rx.badge(doc.owner, variant="outline"),
                status_badge(doc.status, doc.status_label),
                wrap="wrap",
                align="center",
            ),
            rx.text(doc.file_name, " · envoyé le ", doc.uploaded, size="1", color_scheme="gray"),
            rx.cond(doc.refusal_reason != "", rx.text("Motif : ", doc.refusal_reason, size="2"), rx.fragment()),
            rx.hstack(
                rx.button("Voir", size="1", variant="soft", on_click=DossierReviewState.view(doc.id)),
                rx.cond(doc.status != "accepted",
                        rx.button("Accepter", size="1", color_scheme="green",
                                  on_click=DossierReviewState.accept_document(doc.id)), rx.fragment()),
                rx.cond(doc.status != "refused",
                        rx.button("Refuser", size="1", color_scheme="red", variant="soft",
                                  on_click=DossierReviewState.start_refusal(doc.id)), rx.fragment()),
                wrap="wrap",
            ),
            rx.cond(
                DossierReviewState.refusing == doc.id,
                rx.form(
                    rx.hstack(
                        rx.box(field("Motif du refus", "reason", required=True), flex="1"),
                        rx.button("Confirmer le refus", type="submit", color_scheme="red"),
                        align="end",
                        width="100%",
                    ),
                    on_submit=DossierReviewState.refuse_document,
                    width="100%",
                ),
                rx.fragment(),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        border=rx.cond(DossierReviewState.viewing == doc.id, "2px solid var(--accent-8)", "none"),
    )


def _viewer() -> rx.Component:
    doc_url = routes.DOCUMENT_FILE + "/" + DossierReviewState.viewing.to_string()
    return rx.cond(
        DossierReviewState.viewing != 0,
        rx.vstack(
            rx.cond(
                DossierReviewState.viewing_is_image,
                rx.image(src=doc_url, alt="Document", max_width="100%", border="1px solid var(--gray-5)"),
                rx.el.iframe(src=doc_url, title="Document", width="100%", height="600px",
                             border="1px solid var(--gray-5)", border_radius="8px"),
            ),
            rx.link("Ouvrir dans un nouvel onglet", href=doc_url, is_external=True, size="2"),
            width="100%",
        ),
        rx.fragment(),
    )


def _pair(pair: rx.Var) -> rx.Component:
    return rx.hstack(rx.text(pair[0], size="2", color_scheme="gray", min_width="140px"),
                     rx.text(pair[1], size="2"), wrap="wrap")


def _history(line: HistoryLine) -> rx.Component:
    return rx.text(line.at, " — ", line.text, size="2")


def dossier_review_page() -> rx.Component:
    d = DossierReviewState.dossier
    decision = rx.cond(
        d.status == "submitted",
        rx.vstack(
            rx.cond(d.missing.length() > 0,
                    rx.callout("Pièces manquantes : " + d.missing.join(", "), icon="info", width="100%"),
                    rx.fragment()),
            rx.button("Valider le dossier", color_scheme="green", size="3", on_click=DossierReviewState.validate),
            rx.form(
                rx.hstack(
                    rx.box(field("Motif du refus du dossier", "reason", required=True), flex="1"),
                    rx.button("Refuser le dossier", type="submit", color_scheme="red", variant="soft"),
                    align="end",
                    width="100%",
                    wrap="wrap",
                ),
                on_submit=DossierReviewState.reject,
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        rx.text("Décision possible quand la famille a envoyé son dossier.", size="2", color_scheme="gray"),
    )
    return staff_page(
        rx.cond(d, "Dossier de " + d.person_name, "Dossier"),
        rx.link("← Tous les dossiers", href=routes.ADMIN_DOSSIERS, size="2"),
        error_callout(DossierReviewState.error),
        rx.cond(
            d,
            rx.vstack(
                rx.hstack(status_badge(d.status, d.status_label),
                          rx.cond(d.rejection_reason != "", rx.text("Motif : ", d.rejection_reason, size="2"),
                                  rx.fragment()), align="center"),
                rx.grid(
                    section("Personne", rx.foreach(d.details, _pair),
                            rx.cond(d.details.length() == 0, rx.text("Responsable du foyer", size="2"),
                                    rx.fragment())),
                    section("Foyer", rx.text(d.address, size="2"), rx.foreach(d.guardians, _pair)),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                section("Pièces justificatives",
                        rx.cond(d.documents.length() == 0,
                                rx.text("La famille n'a encore envoyé aucune pièce.", size="2"), rx.fragment()),
                        rx.grid(rx.vstack(rx.foreach(d.documents, _document_item), width="100%"), _viewer(),
                                columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%")),
                section("Décision", decision),
                section("Historique", rx.foreach(d.history, _history)),
                spacing="4",
                width="100%",
            ),
            rx.fragment(),
        ),
    )


# --- Required documents ----------------------------------------------------------------------

def _requirement_row(r: RequirementRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(r.name, weight="medium"),
                                           rx.text(r.description, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(r.scope_label),
        rx.table.cell(rx.cond(r.mandatory, "Obligatoire", "Facultative")),
        rx.table.cell(rx.cond(r.active, rx.badge("Demandée", color_scheme="green", variant="soft"),
                              rx.badge("Retirée", color_scheme="gray", variant="soft"))),
        rx.table.cell(rx.hstack(
            rx.button("Modifier", size="1", variant="soft", on_click=RequirementsState.edit(r.id)),
            rx.button(rx.cond(r.active, "Retirer", "Redemander"), size="1", variant="soft", color_scheme="gray",
                      on_click=RequirementsState.set_active(r.id, ~r.active)),
        )),
    )


def requirements_page() -> rx.Component:
    e = RequirementsState.editing
    form = rx.form(
        rx.vstack(
            rx.heading(rx.cond(e, "Modifier la pièce", "Nouvelle pièce demandée"), size="4", as_="h2"),
            error_callout(RequirementsState.error),
            field("Nom de la pièce", "name", required=True, default_value=rx.cond(e, e.name, "")),
            labelled_select("Demandée", "scope", [("household", "Une fois par foyer"),
                                                  ("child", "Pour chaque enfant")],
                            default=rx.cond(e, e.scope, "household")),
            checkbox("Obligatoire", "mandatory", default=rx.cond(e, e.mandatory, True)),
            textarea("Précisions pour les familles", "description", default=rx.cond(e, e.description, ""), rows="2"),
            rx.hstack(rx.button("Enregistrer", type="submit"),
                      rx.cond(e, rx.button("Annuler", type="button", variant="soft", color_scheme="gray",
                                           on_click=RequirementsState.new), rx.fragment())),
            spacing="3",
            width="100%",
        ),
        on_submit=RequirementsState.save,
        key=RequirementsState.form_key,
        width="100%",
    )
    return staff_page(
        "Pièces demandées",
        rx.text("Les familles fournissent ces pièces dans leur dossier d'inscription. Une pièce « par foyer » "
                "n'est demandée qu'une fois, quel que soit le nombre d'enfants.", size="2", color_scheme="gray"),
        rx.card(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Pièce", "Demandée", "", "État", "")])),
            rx.table.body(rx.foreach(RequirementsState.rows, _requirement_row)), width="100%"),
            width="100%", overflow_x="auto"),
        rx.card(form, width="100%"),
    )


# --- Families --------------------------------------------------------------------------------

def _family_row(f: FamilyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(f.name, weight="bold"), rx.text(f.guardians, size="1"),
                                           spacing="0")),
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
        rx.form(
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
            rx.form(
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
            rx.form(
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

