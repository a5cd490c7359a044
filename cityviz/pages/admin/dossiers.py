"""Staff pages of step 1: dossiers to validate, one dossier, the documents asked of families."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, pager, section, status_badge, textarea
from cityviz.services.households.authorizations import KINDS
from cityviz.services.households.document_validity import VALIDITIES
from cityviz.services.households.documents import RequirementRow
from cityviz.services.households.dossier_review import DossierRow, HistoryLine, StaffDocument
from cityviz.state.staff_families import DossierReviewState, DossiersState, RequirementsState

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
        safe_form(
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
                safe_form(
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
            safe_form(
                rx.hstack(
                    rx.box(field("Motif du refus du dossier", "dossier_reason", required=True), flex="1"),
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
        rx.table.cell(rx.vstack(rx.text(rx.cond(r.mandatory, "Obligatoire", "Facultative")),
                                rx.text(r.validity_label, size="1", color_scheme="gray"), spacing="0")),
        rx.table.cell(rx.cond(r.active, rx.badge("Demandée", color_scheme="green", variant="soft"),
                              rx.badge("Retirée", color_scheme="gray", variant="soft"))),
        rx.table.cell(rx.hstack(
            rx.button("Modifier", size="1", variant="soft", on_click=RequirementsState.edit(r.id)),
            rx.button(rx.cond(r.active, "Retirer", "Redemander"), size="1", variant="soft", color_scheme="gray",
                      on_click=RequirementsState.set_active(r.id, ~r.active)),
        )),
    )


def _asked_authorizations() -> rx.Component:
    """The town's list of « Autorisations » (its administrators tick them; others read it)."""
    return section(
        "Autorisations demandées aux familles",
        rx.text("Chaque famille répond, pour chaque enfant, aux autorisations cochées ici (et à celles des autres "
                "structures où l'enfant est inscrit) et les signe pour l'année scolaire. Vos listes du jour "
                "n'affichent que celles-ci.", size="2", color_scheme="gray"),
        safe_form(
            rx.vstack(
                error_callout(RequirementsState.asked_error),
                *[checkbox(label, f"ask_{kind}", default=RequirementsState.asked.contains(kind))
                  for kind, label in KINDS.items()],
                rx.cond(RequirementsState.asked_editable,
                        rx.button("Enregistrer les autorisations demandées", type="submit"),
                        rx.text("Seul un administrateur de la structure peut modifier cette liste.", size="1",
                                color_scheme="gray")),
                spacing="3", width="100%",
            ),
            on_submit=RequirementsState.save_asked, key=RequirementsState.asked_key.to_string(), width="100%",
        ),
    )


def requirements_page() -> rx.Component:
    e = RequirementsState.editing
    form = safe_form(
        rx.vstack(
            rx.heading(rx.cond(e, "Modifier la pièce", "Nouvelle pièce demandée"), size="4", as_="h2"),
            error_callout(RequirementsState.error),
            field("Nom de la pièce", "name", required=True, default_value=rx.cond(e, e.name, "")),
            labelled_select("Demandée", "scope", [("household", "Une fois par foyer"),
                                                  ("child", "Pour chaque enfant")],
                            default=rx.cond(e, e.scope, "household")),
            checkbox("Obligatoire", "mandatory", default=rx.cond(e, e.mandatory, True)),
            rx.grid(
                labelled_select("Validité", "validity", list(VALIDITIES.items()),
                                default=rx.cond(e, e.validity, "unlimited")),
                field("Nombre de mois", "validity_months", type="number", min="0",
                      default_value=rx.cond(e, e.validity_months.to_string(), "0"),
                      hint="Pour une validité en mois (ex. : 3 pour un justificatif de domicile)."),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
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
                "n'est demandée qu'une fois, quel que soit le nombre d'enfants. Une pièce expirée rend le dossier "
                "incomplet : la famille est prévenue 30 jours avant.", size="2", color_scheme="gray"),
        rx.link(rx.button(rx.icon("calendar-clock", size=16), "Pièces à renouveler", variant="soft"),
                href=routes.ADMIN_EXPIRING),
        rx.card(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Pièce", "Demandée", "", "État", "")])),
            rx.table.body(rx.foreach(RequirementsState.rows, _requirement_row)), width="100%"),
            width="100%", overflow_x="auto"),
        rx.card(form, width="100%"),
        _asked_authorizations(),
    )
