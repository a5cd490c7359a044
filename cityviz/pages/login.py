"""Login, password change and forgotten-password pages."""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import error_callout, field, safe_form, submit_button, success_callout
from cityviz.components.layout import bare_page
from cityviz.services.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from cityviz.state.login import ForgotState, LoginState, PasswordState, ResetState

PASSWORD_HINT = (
    f"De {MIN_LENGTH} à {MAX_LENGTH} caractères. Une phrase de plusieurs mots est facile à retenir "
    "et difficile à deviner."
)


def login_page() -> rx.Component:
    return bare_page(
        rx.heading("Connexion", size="6", as_="h1"),
        rx.text("Portail familles et espace agents. L'accès se fait sur invitation de votre mairie.",
                size="2", color_scheme="gray"),
        success_callout(LoginState.info),
        error_callout(LoginState.error),
        safe_form(
            rx.vstack(
                field("Adresse e-mail", "email", type="email", required=True, autocomplete="username",
                      input_mode="email"),
                field("Mot de passe", "password", type="password", required=True,
                      autocomplete="current-password"),
                submit_button("Se connecter", LoginState.loading),
                spacing="4",
                width="100%",
            ),
            on_submit=LoginState.submit,
            width="100%",
        ),
        rx.link("Mot de passe oublié ?", href=routes.FORGOT, size="2", align="center", width="100%"),
    )


def password_page() -> rx.Component:
    return bare_page(
        rx.heading("Choisir votre mot de passe", size="6", as_="h1"),
        rx.cond(
            PasswordState.forced,
            rx.text("Bienvenue ! Pour sécuriser votre compte, remplacez le mot de passe temporaire "
                    "reçu par e-mail par un mot de passe personnel.", size="2"),
            rx.text("Les autres appareils connectés à votre compte seront déconnectés.", size="2"),
        ),
        error_callout(PasswordState.error),
        safe_form(
            rx.vstack(
                rx.cond(
                    PasswordState.forced,
                    rx.fragment(),
                    field("Mot de passe actuel", "current", type="password",
                          autocomplete="current-password"),
                ),
                field("Nouveau mot de passe", "password", type="password", required=True,
                      autocomplete="new-password", hint=PASSWORD_HINT),
                field("Confirmer le nouveau mot de passe", "confirm", type="password", required=True,
                      autocomplete="new-password"),
                submit_button("Enregistrer", PasswordState.loading),
                spacing="4",
                width="100%",
            ),
            on_submit=PasswordState.submit,
            width="100%",
        ),
        # Chosen from the profile (not the first login's forced step): a way back without changing it.
        rx.cond(
            PasswordState.forced,
            rx.fragment(),
            rx.link("Annuler", href=rx.cond(
                PasswordState.is_staff | PasswordState.is_platform_admin, routes.ADMIN, routes.PROFILE),
                size="2", align="center"),
        ),
    )


def forgot_page() -> rx.Component:
    return bare_page(
        rx.heading("Mot de passe oublié", size="6", as_="h1"),
        rx.cond(
            ForgotState.sent,
            rx.callout(
                "Si un compte existe avec cette adresse, un e-mail vient de lui être envoyé avec un "
                "lien pour choisir un nouveau mot de passe (valable une heure). Pensez à regarder "
                "dans vos courriers indésirables.",
                icon="mail-check", color_scheme="green", role="status",
            ),
            rx.vstack(
                rx.text("Indiquez l'adresse e-mail de votre compte : nous vous enverrons un lien "
                        "pour choisir un nouveau mot de passe.", size="2"),
                error_callout(ForgotState.error),
                safe_form(
                    rx.vstack(
                        field("Adresse e-mail", "email", type="email", required=True,
                              autocomplete="username"),
                        submit_button("Envoyer le lien", ForgotState.loading),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=ForgotState.submit,
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        rx.link("Retour à la connexion", href=routes.LOGIN, size="2"),
    )


def reset_page() -> rx.Component:
    return bare_page(
        rx.heading("Nouveau mot de passe", size="6", as_="h1"),
        error_callout(ResetState.error),
        rx.cond(
            ResetState.valid,
            safe_form(
                rx.vstack(
                    field("Nouveau mot de passe", "password", type="password", required=True,
                          autocomplete="new-password", hint=PASSWORD_HINT),
                    field("Confirmer le nouveau mot de passe", "confirm", type="password",
                          required=True, autocomplete="new-password"),
                    submit_button("Enregistrer", ResetState.loading),
                    spacing="4",
                    width="100%",
                ),
                on_submit=ResetState.submit,
                width="100%",
            ),
            rx.link("Demander un nouveau lien", href=routes.FORGOT),
        ),
    )
