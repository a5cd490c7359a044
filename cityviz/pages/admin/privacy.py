"""Staff: « Suppressions de compte » requested by families, and how long the data of
inactive families is kept."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import section, textarea
from cityviz.services.operations.deletion_requests import DeletionRow
from cityviz.state.account_deletion import DeletionRequestsState as S


def _confirm_button(row: DeletionRow) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button("Confirmer la suppression", color_scheme="red", size="2")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Supprimer le compte de ", row.family, " ?"),
            rx.alert_dialog.description(
                "Les données personnelles du foyer sont effacées définitivement (noms, coordonnées, pièces, "
                "photos) et ses comptes fermés. Les factures émises restent telles quelles, avec le nom et "
                "l'adresse du payeur, dix ans.", size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Annuler", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Supprimer", color_scheme="red", on_click=S.confirm(row.id))),
                spacing="3", justify="end", margin_top="16px",
            ),
        ),
    )


def _request(row: DeletionRow) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(row.family, weight="bold"), rx.spacer(),
                  rx.text("Demandée le ", row.requested_at, size="1", color_scheme="gray"), width="100%", wrap="wrap"),
        rx.cond(row.balance != "",
                rx.callout(rx.text("Reste dû à votre organisation : ", row.balance,
                                   ". Les factures restent dues après la suppression."),
                           icon="circle-alert", color_scheme="amber", size="1", width="100%"),
                rx.fragment()),
        rx.cond(
            S.refusing == row.id,
            safe_form(rx.vstack(
                textarea("Raison du refus (envoyée à la famille)", "reason", rows="2", required=True),
                rx.hstack(rx.button("Envoyer le refus", type="submit"),
                          rx.button("Annuler", type="button", variant="soft", on_click=S.start_refusal(0)),
                          spacing="2"),
                spacing="2", width="100%"), on_submit=S.refuse, width="100%"),
            rx.hstack(_confirm_button(row),
                      rx.button("Refuser…", variant="soft", size="2", on_click=S.start_refusal(row.id)),
                      spacing="2", wrap="wrap"),
        ),
        spacing="2", width="100%"), width="100%")


def deletions_page() -> rx.Component:
    return staff_page(
        "Suppressions de compte",
        rx.text("Une famille peut demander la suppression de son compte depuis son profil ; vous la confirmez "
                "ici (ou la refusez, avec une raison qui lui est envoyée). Chaque décision est inscrite au journal.",
                size="2", color_scheme="gray"),
        rx.cond(S.rows.length() == 0,
                empty_state("user-check", "Aucune demande en attente",
                            "Les demandes de suppression des familles apparaîtront ici."),
                rx.vstack(rx.foreach(S.rows, _request), spacing="3", width="100%")),
        section(
            "Conservation des données",
            rx.text("Les données d'une famille sans aucune activité (inscription, réservation, dossier) depuis ce "
                    "nombre d'années sont anonymisées chaque nuit, sauf si elle vous doit encore de l'argent. Les "
                    "factures sont conservées dix ans après l'année de leur émission, puis supprimées.",
                    size="2", color_scheme="gray"),
            safe_form(rx.hstack(
                rx.box(field("Durée de conservation (1 à 10 ans)", "years", type="number",
                             default_value=S.retention_years), width="260px"),
                rx.button("Enregistrer", type="submit"), align="end", wrap="wrap"),
                on_submit=S.save_retention, key=S.form_key),
        ),
    )
