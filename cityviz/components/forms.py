"""Form pieces: every input has a visible label tied to it; the choices several forms offer."""

from __future__ import annotations

import reflex as rx

from cityviz import routes

WEEKDAYS = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche"]
CIVILITIES = [("", "Choisir…"), ("Mme", "Madame"), ("M.", "Monsieur")]
DOCUMENT_ACCEPT = {"application/pdf": [".pdf"], "image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"]}
TEN_MB = 10 * 1024 * 1024


def upload_zone(upload_id: str, label: str, hint: str, on_drop, accept=DOCUMENT_ACCEPT,
                loading: rx.Var | bool = False) -> rx.Component:
    """One file, dropped or chosen (on a phone: a photo can be taken), 10 MB at most."""
    return named_file_input(label, rx.upload(
        rx.vstack(
            rx.icon("upload", size=24, color="var(--accent-9)"),
            rx.button(label, type="button", loading=loading, size="3"),
            rx.text(hint, size="1", color_scheme="gray", text_align="center"),
            align="center",
            spacing="2",
        ),
        id=upload_id,
        accept=accept,
        max_files=1,
        multiple=False,
        max_size=TEN_MB,
        on_drop=on_drop,
        # The handler explains a refused file (in French); not Reflex's own English toast.
        on_drop_rejected=rx.noop(),
        border="2px dashed var(--gray-6)",
        border_radius="12px",
        padding="20px",
        width="100%",
        cursor="pointer",
    ))


def named_file_input(label: str, upload: rx.Component) -> rx.Component:
    """Give the file input inside `rx.upload` an accessible name (Reflex offers no prop for it):
    screen readers reach it, and RGAA 11.1 wants every field named."""
    zone = upload.children[0]
    file_input = zone.children[0]
    file_input.custom_attrs["aria-label"] = label
    return upload


def safe_form(*children: rx.Component, **props) -> rx.Component:
    """`rx.form`, safe before React takes the page over. Pages are prerendered: a form sent in
    that moment (Enter in a field) is sent by the browser itself, by default as a GET with every
    field, a password too, in the address and the history. This one posts to a harmless address
    instead (api/early_submit.py: the body is never read, the browser comes back to the page);
    once React is there, `on_submit` runs and the browser sends nothing."""
    return rx.form(*children, method="post", action=routes.FORM_FALLBACK, **props)


def field(label: str, name: str, *, type: str = "text", hint: str = "", required: bool = False,
          autocomplete: str = "", default_value: str | rx.Var = "", **props) -> rx.Component:
    input_id = f"f-{name}"
    return rx.vstack(
        rx.el.label(label, html_for=input_id, font_weight="500", font_size="14px"),
        rx.input(
            id=input_id,
            name=name,
            type=type,
            required=required,
            auto_complete=autocomplete or None,
            default_value=default_value,
            size="3",
            width="100%",
            **props,
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray"), rx.fragment()),
        spacing="1",
        width="100%",
    )


def error_callout(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
        rx.fragment(),
    )


def success_callout(message: rx.Var) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-check", color_scheme="green", role="status", width="100%"),
        rx.fragment(),
    )


def submit_button(label: str, loading: rx.Var, **props) -> rx.Component:
    return rx.button(label, type="submit", loading=loading, size="3", width="100%", **props)


def loading_state() -> rx.Component:
    return rx.hstack(rx.spinner(size="3"), rx.text("Chargement…", size="2", color_scheme="gray"),
                     role="status", justify="center", align="center", spacing="2", width="100%", padding="24px")


def empty_state(icon: str, title: str, text: str, *actions: rx.Component) -> rx.Component:
    """What an empty list says: what it is and what to do next — once the page's data has
    arrived (Reflex's `is_hydrated` turns true after the page's on_load handlers): before,
    a loading state, not an « Aucun… » that flashes."""
    return rx.cond(rx.State.is_hydrated, _empty_card(icon, title, text, *actions), loading_state())


def _empty_card(icon: str, title: str, text: str, *actions: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=32, color="var(--gray-9)"),
            rx.text(title, weight="bold"),
            rx.text(text, color_scheme="gray", size="2", text_align="center"),
            *actions,
            align="center",
            spacing="2",
            padding_y="4",
        ),
        width="100%",
    )
