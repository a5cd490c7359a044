"""Parent page « Réinscription pour l'année 2027-2028 »: a step per part of the dossier
(Responsables et adresse, Enfants et classes, Santé et régime, Autorisations, Pièces
justificatives), each confirmed or corrected, then the dossier is sent."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import error_callout, safe_form, upload_zone
from cityviz.components.layout import parent_page
from cityviz.services.households.reenrolment import DocumentAsked, FieldView
from cityviz.state.reenrolment import SEND, ReenrolmentState

S = ReenrolmentState


def _label(f: FieldView) -> rx.Component:
    return rx.el.label(f.label, html_for="f-" + f.key, font_weight="500", font_size="14px")


def _field(f: FieldView) -> rx.Component:
    box = rx.hstack(
        rx.el.input(type="checkbox", id="f-" + f.key, name=f.key, default_checked=f.value == "1",
                    width="20px", height="20px", accent_color="var(--accent-9)"),
        _label(f), align="center", spacing="2")
    select = rx.vstack(_label(f), rx.el.select(rx.foreach(f.options, lambda o: rx.el.option(o[1], value=o[0])),
                                               id="f-" + f.key, name=f.key, default_value=f.value,
                                               class_name="cvz-select"), spacing="1", width="100%")
    area = rx.vstack(_label(f), rx.text_area(id="f-" + f.key, name=f.key, default_value=f.value, rows="3",
                                             width="100%", size="3"), spacing="1", width="100%")
    line = rx.vstack(_label(f), rx.input(id="f-" + f.key, name=f.key, type=f.kind, default_value=f.value, size="3",
                                         width="100%"), spacing="1", width="100%")
    return rx.match(f.kind, ("check", box), ("select", select), ("area", area), line)


def _step_button(part: list[str]) -> rx.Component:
    return rx.button(rx.cond(part[2] == "1", rx.icon("circle-check", size=16), rx.icon("circle", size=16)),
                     part[1], size="2", variant=rx.cond(S.part == part[0], "solid", "soft"),
                     on_click=S.go(part[0]))


def _part_form() -> rx.Component:
    return safe_form(
        rx.vstack(
            rx.cond(S.part == "children",
                    rx.vstack(rx.foreach(S.view.children, lambda line: rx.text(line, size="2")), spacing="1"),
                    rx.fragment()),
            rx.foreach(S.fields, _field),
            rx.text("Vérifiez ces informations reprises de cette année, corrigez-les si besoin, puis confirmez.",
                    size="2", color_scheme="gray"),
            rx.button("Confirmer cette étape", type="submit", size="3", width="100%"),
            spacing="3", width="100%"),
        on_submit=S.confirm, key=S.form_key.to_string(), width="100%")


def _document_line(d: DocumentAsked, index: int) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(d.name, " (", d.owner, ")", weight="medium", size="2"),
                  rx.text(d.reason, size="1", color_scheme="gray"),
                  rx.cond(d.sent != "", rx.text("Envoyé : ", d.sent, size="1", color_scheme="green"),
                          rx.fragment()), spacing="0", flex="1"),
        rx.button(rx.cond(d.sent != "", "Remplacer", "Envoyer"), size="2", variant="soft",
                  on_click=S.choose_document(index),
                  aria_label=rx.cond(d.sent != "", "Remplacer", "Envoyer") + " « " + d.name + " » (" + d.owner + ")"),
        width="100%", align="center")


def _documents() -> rx.Component:
    doc = S.document
    return rx.vstack(
        rx.cond(S.view.documents.length() > 0,
                rx.vstack(
                    rx.text("Ces pièces ne seront plus valables à la rentrée : envoyez-en une nouvelle version. "
                            "Les autres restent valables.", size="2", color_scheme="gray"),
                    rx.foreach(S.view.documents, _document_line),
                    rx.cond(doc, rx.text(rx.cond(doc.sent != "", "Remplacer : ", "À envoyer maintenant : "), doc.name, " (", doc.owner, ")", size="2",
                                         weight="medium"), rx.fragment()),
                    rx.cond(doc, upload_zone(
                        "campagne", rx.cond(doc.sent != "", "Remplacer le fichier", "Choisir un fichier"),
                        "PDF, JPEG ou PNG, 10 Mo au plus. Sur téléphone, vous pouvez prendre une photo.",
                        S.upload(rx.upload_files(upload_id="campagne")), loading=S.uploading), rx.fragment()),
                    spacing="3", width="100%"),
                rx.text("Toutes vos pièces restent valables pour la nouvelle année.", size="2")),
        safe_form(rx.button("Confirmer les pièces", type="submit", size="3", width="100%"), on_submit=S.confirm,
                width="100%"),
        spacing="3", width="100%", id="campagne-pieces")


def _send() -> rx.Component:
    return rx.vstack(
        rx.heading("Envoyer le dossier", size="4", as_="h2"),
        rx.cond(S.view.can_send,
                rx.vstack(rx.text("Chaque étape est confirmée : envoyez votre dossier à ", S.view.organization, ".",
                                  size="2"),
                          rx.button("Envoyer mon dossier de réinscription", size="3", width="100%", on_click=S.send),
                          width="100%"),
                rx.callout(rx.cond(S.view.status == "sent", "Dossier envoyé : votre organisation va le vérifier.",
                                   rx.cond(S.view.status == "validated", "Réinscription validée.",
                                           "Confirmez chaque étape et envoyez les pièces demandées.")),
                           icon="info", width="100%")),
        spacing="3", width="100%")


def reenrolment_page() -> rx.Component:
    v = S.view
    return parent_page(
        "Réinscription",
        rx.link("← Accueil", href=routes.HOME, size="2"),
        error_callout(S.error),
        rx.cond(
            v,
            rx.vstack(
                rx.heading(v.title, size="5", as_="h2"),
                rx.text(v.organization, " · ", v.status_label, " · à envoyer avant le ", v.closes_on, size="2",
                        color_scheme="gray"),
                rx.cond(v.correction_reason != "",
                        rx.callout("Corrections demandées : " + v.correction_reason, icon="triangle-alert",
                                   color_scheme="amber", width="100%"),
                        rx.fragment()),
                rx.hstack(rx.foreach(v.parts, _step_button),
                          rx.button("Envoyer", size="2", variant=rx.cond(S.part == SEND, "solid", "soft"),
                                    on_click=S.go(SEND)),
                          wrap="wrap", spacing="2", as_="nav", aria_label="Étapes de la réinscription"),
                rx.card(rx.match(S.part, ("documents", _documents()), (SEND, _send()), _part_form()), width="100%"),
                spacing="3", width="100%"),
            rx.fragment()),
    )
