"""« Importer des familles »: template, file, preview line by line, import; exports of lists."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import error_callout, field, safe_form, success_callout, upload_zone
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, section
from cityviz.services.backoffice.lists import LISTS
from cityviz.services.households.family_import import LinePreview
from cityviz.state.staff_import import ImportState

SPREADSHEETS = {"text/csv": [".csv"], "application/vnd.ms-excel": [".csv"],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": [".xlsx"]}


def _line(line: LinePreview) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.line), rx.table.cell(line.family), rx.table.cell(line.child),
        rx.table.cell(rx.badge(line.action, variant="soft", color_scheme=rx.match(
            line.action, ("Erreur", "red"), ("Nouvelle famille", "green"), "blue"))),
        rx.table.cell(rx.text(line.errors, color="var(--red-11)", size="2")),
    )


def _preview() -> rx.Component:
    p = ImportState.preview
    return rx.cond(p, rx.vstack(
        rx.text(p.total, " ligne(s) dans « ", ImportState.filename, " » : ", p.new_families, " nouvelle(s) famille(s), ",
                p.updated_families, " à mettre à jour, ", p.new_children, " enfant(s) à ajouter, ",
                p.updated_children, " à mettre à jour.", weight="medium"),
        rx.cond(p.error_lines > 0,
                rx.callout(p.error_lines.to_string() + " ligne(s) en erreur : corrigez le fichier puis déposez-le de "
                           "nouveau. Rien n'est enregistré tant que vous n'avez pas cliqué sur « Importer ».",
                           icon="triangle-alert", color_scheme="red", width="100%"),
                rx.callout("Aucune erreur. Rien n'est encore enregistré : vérifiez puis cliquez sur « Importer ».",
                           icon="info", width="100%")),
        rx.box(rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                           ("Ligne", "Famille", "Enfant", "Action", "Erreurs")])),
            rx.table.body(rx.foreach(p.lines, _line)), size="1", width="100%"), overflow_x="auto", width="100%"),
        safe_form(rx.vstack(
            checkbox("Envoyer une invitation aux responsables qui n'ont pas encore de compte", "invite"),
            rx.button("Importer", type="submit", size="3", disabled=p.error_lines > 0),
            spacing="3"), on_submit=ImportState.run),
        spacing="3", width="100%"), rx.fragment())


def _job() -> rx.Component:
    """The import asked for: it runs as a job (also listed in « Tâches »), followed here."""
    s = ImportState
    return rx.cond(s.job_status != "", rx.vstack(
        rx.text("Import : ", s.job_label, weight="medium"),
        rx.progress(value=s.job_percent, width="100%", aria_label="Progression de l'import"),
        rx.cond(s.job_message != "",
                rx.text(s.job_message, size="2",
                        color=rx.cond((s.job_status == "failed") | (s.job_status == "retrying"), "var(--red-11)",
                                      "var(--gray-11)")),
                rx.fragment()),
        rx.text("L'import continue si vous quittez la page (voir ", rx.link("Tâches", href=routes.ADMIN_JOBS), ").",
                size="1", color_scheme="gray"),
        spacing="2", width="100%"), rx.fragment())


def _exports() -> rx.Component:
    return section("Exporter", safe_form(rx.vstack(
        rx.grid(
            labelled_select("Liste", "what", [(key, label) for key, (label, _cap) in LISTS.items()]),
            labelled_select("Format", "file_format", [("csv", "CSV"), ("xlsx", "Excel")]),
            field("Nom (familles, enfants) ou activité", "search"),
            labelled_select("État (factures, inscriptions)", "status", [
                ("", "Tous"), ("due", "Factures à payer"), ("late", "Factures échues"), ("paid", "Factures payées"),
                ("pending", "Inscriptions en attente"), ("validated", "Inscriptions validées")]),
            field("Mois (factures, paiements)", "month", type="month"),
            columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        checkbox("Enfants : seulement ceux qui ont une allergie ou un régime", "allergies_only"),
        rx.button(rx.icon("file-down", size=16), "Exporter", type="submit", variant="soft"),
        spacing="3", width="100%"), on_submit=ImportState.export, width="100%"))


def import_page() -> rx.Component:
    return staff_page(
        "Importer des familles",
        section("1. Le modèle",
                rx.text("Une ligne par enfant (le responsable répété), ou une ligne sans enfant. Une famille est "
                        "reconnue à l'e-mail de son responsable : réimporter le même fichier met à jour, sans doublon.",
                        size="2", color_scheme="gray"),
                rx.hstack(rx.button(rx.icon("file-down", size=16), "Modèle Excel", variant="soft",
                                    on_click=ImportState.template("xlsx")),
                          rx.button(rx.icon("file-down", size=16), "Modèle CSV", variant="soft",
                                    on_click=ImportState.template("csv")), wrap="wrap")),
        section("2. Le fichier",
                upload_zone("families-file", "Choisir le fichier", "CSV ou Excel (.xlsx), 10 Mo au plus.",
                            ImportState.upload(rx.upload_files(upload_id="families-file")), accept=SPREADSHEETS),
                error_callout(ImportState.error), _job(), success_callout(ImportState.done), _preview()),
        _exports(),
    )
