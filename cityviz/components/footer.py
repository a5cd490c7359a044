"""What every page shares below and above its content: the skip link and the footer
(accessibility status, the app install offer)."""

from __future__ import annotations

import reflex as rx

from cityviz import routes

MAIN_ID = "contenu"


def skip_link() -> rx.Component:
    """First focusable element of the page: keyboard and screen-reader users jump to the content."""
    return rx.el.a("Aller au contenu", href=f"#{MAIN_ID}", class_name="cvz-skip")


def site_footer(**props) -> rx.Component:
    return rx.el.footer(
        rx.hstack(
            rx.link("Accessibilité : partiellement conforme", href=routes.ACCESSIBILITY, size="1",
                    color="var(--gray-11)"),
            # Shown only once the browser says the app can be installed (assets/pwa.js).
            rx.el.button(rx.icon("download", size=14, aria_hidden="true"), "Installer l'application",
                         type="button", class_name="cvz-install"),
            justify="center",
            align="center",
            wrap="wrap",
            spacing="4",
        ),
        padding="16px",
        class_name="cvz-no-print",
        **props,
    )
