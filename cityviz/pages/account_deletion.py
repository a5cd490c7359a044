"""« Supprimer mon compte »: the section of the parent's profile page."""

from __future__ import annotations

import reflex as rx

from cityviz.components.ui import section
from cityviz.state.account_deletion import AccountDeletionState as S

EXPLANATION = ("Vos données personnelles et celles de vos enfants (noms, adresse, téléphones, informations de "
               "santé, pièces justificatives, photos) seront effacées et vous ne pourrez plus vous connecter. "
               "Les factures déjà émises sont conservées dix ans avec le nom et l'adresse du payeur, comme la loi "
               "l'impose ; elles restent dues si elles ne sont pas réglées. Votre organisation confirme la "
               "suppression.")


def _ask_button() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("user-x", size=16), "Supprimer mon compte", color_scheme="red",
                                          variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Supprimer votre compte ?"),
            rx.alert_dialog.description(EXPLANATION, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Annuler", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Oui, demander la suppression", color_scheme="red",
                                                 on_click=S.ask)),
                spacing="3", justify="end", margin_top="16px", wrap="wrap",
            ),
        ),
    )


def account_deletion_section() -> rx.Component:
    return rx.box(
        section(
            "Supprimer mon compte",
            rx.cond(
                S.deletion_status == "pending",
                rx.vstack(
                    rx.callout(rx.text("Demande envoyée le ", S.deletion_requested_at,
                                       " : elle attend la confirmation de votre organisation."),
                               icon="clock", color_scheme="amber", width="100%"),
                    rx.button("Annuler ma demande", on_click=S.cancel, variant="soft"),
                    spacing="3", width="100%",
                ),
                rx.vstack(
                    rx.cond(S.deletion_status == "refused",
                            rx.callout(rx.text("Votre organisation n'a pas pu supprimer votre compte : ",
                                               S.deletion_refusal),
                                       icon="info", color_scheme="gray", width="100%"),
                            rx.fragment()),
                    rx.text(EXPLANATION, size="2", color_scheme="gray"),
                    _ask_button(),
                    spacing="3", width="100%",
                ),
            ),
        ),
        on_mount=S.load,
        width="100%",
    )
