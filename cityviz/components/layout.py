"""Page shells: the parents' (phone first) and the staff's."""

from __future__ import annotations

from collections.abc import Sequence

import reflex as rx

from cityviz import routes
from cityviz.components.footer import MAIN_ID, site_footer, skip_link
from cityviz.state.base import AuthState

PAGE_BG = "var(--gray-2)"
PHONE_ONLY = ["flex", "flex", "none"]  # Radix breakpoints: < 768 px
WIDE_ONLY = ["none", "none", "flex"]


def brand(subtitle: str = "") -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.center(
                rx.icon("sun", size=18, color="white"),
                width="32px",
                height="32px",
                border_radius="10px",
                background="var(--accent-9)",
                aria_hidden="true",
            ),
            rx.vstack(
                rx.text("Cityviz Enfance", weight="bold", size="3", line_height="1.1", white_space="nowrap"),
                rx.cond(subtitle != "", rx.text(subtitle, size="1", color_scheme="gray"), rx.fragment()),
                spacing="0",
            ),
            align="center",
            spacing="2",
        ),
        href=routes.HOME,
        underline="none",
        color="inherit",
    )


def _is_current(href: str) -> rx.Var:
    path = rx.State.router.url.path
    if href == routes.HOME:
        return path == href
    # The page itself or one below it (« /admin/journal » is not current on « /admin/journal-regie »).
    return (path == href) | path.startswith(href + "/")


def _counter(href: str) -> rx.Var | None:
    """The number shown on a menu entry: unread answers (parents), « Messages en attente » (staff)."""
    return {routes.MESSAGES: AuthState.unread_messages, routes.ADMIN_MESSAGES: AuthState.waiting_messages}.get(href)


def counter_badge(href: str, **props) -> rx.Component:
    count = _counter(href)
    if count is None:
        return rx.fragment()
    meaning = " non lu(s)" if href == routes.MESSAGES else " en attente"
    return rx.cond(count > 0, rx.badge(count.to_string(), rx.el.span(meaning, class_name="cvz-sr-only"),
                                       color_scheme="red", variant="solid", radius="full", **props), rx.fragment())


def user_menu(items: Sequence[tuple[str, str, str]]) -> rx.Component:
    """The quick menu behind the photo or initials (top right)."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                rx.avatar(
                    src=AuthState.avatar_url,
                    fallback=AuthState.user_initials,
                    size="2",
                    radius="full",
                ),
                variant="ghost",
                radius="full",
                aria_label=AuthState.user_initials.to(str) + " – menu du compte",
                padding="0",
            )
        ),
        rx.menu.content(
            rx.box(rx.text(AuthState.user_name, size="2", weight="bold"), padding_x="3", padding_y="2"),
            *[
                rx.menu.item(
                    rx.hstack(rx.icon(icon, size=16), rx.text(label), counter_badge(href, size="1"), align="center"),
                    on_click=rx.redirect(href),
                )
                for label, href, icon in items
            ],
            rx.menu.separator(),
            rx.menu.item(
                rx.hstack(rx.icon("log-out", size=16), rx.text("Se déconnecter"), align="center"),
                on_click=AuthState.logout,
                color="red",
            ),
            align="end",
        ),
    )


PARENT_NAV = (
    ("Accueil", routes.HOME, "house"),
    ("Réservations", routes.BOOKINGS, "calendar-days"),
    ("Messagerie", routes.MESSAGES, "mail"),
    ("Factures", routes.INVOICES, "receipt-euro"),
)
PARENT_MENU = (
    ("Messagerie", routes.MESSAGES, "mail"),
    ("Mon foyer", routes.HOUSEHOLD, "house-plus"),
    ("Mon profil", routes.PROFILE, "user"),
    ("Mes enfants", routes.CHILDREN, "baby"),
    ("Inscrire à une organisation", routes.ORGANIZATIONS, "user-plus"),
    ("Signaler une absence", routes.ABSENCES, "thermometer"),
    ("Autorisations", routes.AUTHORIZATIONS, "signature"),
    ("Mes factures", routes.INVOICES, "receipt-euro"),
    ("Attestations", routes.CERTIFICATES, "file-badge"),
)


def _top_nav_link(label: str, href: str) -> rx.Component:
    return rx.link(
        rx.hstack(rx.text(label), counter_badge(href, size="1"), align="center", spacing="1"),
        href=href,
        weight=rx.cond(_is_current(href), "bold", "regular"),
        color=rx.cond(_is_current(href), "var(--accent-11)", "var(--gray-12)"),
        underline="none",
        padding_x="2",
    )


def _bottom_nav_item(label: str, href: str, icon: str) -> rx.Component:
    color = rx.cond(_is_current(href), "var(--accent-11)", "var(--gray-11)")
    return rx.link(
        rx.vstack(
            rx.icon(icon, size=22, color=color),
            rx.text(label, size="1", weight="medium", color=color),
            # After the label (read « Messagerie, 1 non lu(s) »), shown on the icon's corner.
            rx.box(counter_badge(href, size="1"), position="absolute", top="2px", left="calc(50% + 4px)"),
            align="center",
            spacing="1",
            position="relative",
        ),
        href=href,
        underline="none",
        flex="1",
        padding_y="2",
        aria_current=rx.cond(_is_current(href), "page", "false"),
    )


def header(nav: rx.Component, menu: rx.Component, subtitle: str = "") -> rx.Component:
    return rx.el.header(
        rx.hstack(
            brand(subtitle),
            rx.spacer(),
            nav,
            menu,
            align="center",
            spacing="4",
            max_width="1100px",
            margin_x="auto",
            width="100%",
            padding_x="16px",
            height="60px",
        ),
        position="sticky",
        top="0",
        z_index="10",
        background="var(--color-panel-solid)",
        border_bottom="1px solid var(--gray-5)",
    )


def page_title(title: str | rx.Var, *extra: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="6", as_="h1"),
        rx.spacer(),
        *extra,
        align="center",
        width="100%",
        wrap="wrap",
        gap="2",
    )


def page_intro(text: str) -> rx.Component:
    """What the page is for, in a few lines under its title. Static, so it is in the prerendered
    HTML: a phone shows it at once, before the page's data arrives over the websocket."""
    return rx.text(text, size="2", color_scheme="gray", width="100%")


def parent_page(title: str, *children: rx.Component, actions: Sequence[rx.Component] = (),
                max_width: str = "720px") -> rx.Component:
    """A parent page: header with quick menu, content, bottom navigation on phones
    (`max_width`: wider for the month grid, whose seven columns must name their activities)."""
    top_nav = rx.hstack(*[_top_nav_link(label, href) for label, href, _ in PARENT_NAV],
                        display=WIDE_ONLY, spacing="4", as_="nav", aria_label="Navigation principale")
    bottom_nav = rx.el.nav(
        rx.hstack(*[_bottom_nav_item(*item) for item in PARENT_NAV], width="100%", spacing="0"),
        aria_label="Navigation principale",
        display=PHONE_ONLY,
        position="fixed",
        bottom="0",
        left="0",
        right="0",
        z_index="10",
        background="var(--color-panel-solid)",
        border_top="1px solid var(--gray-5)",
        padding_bottom="env(safe-area-inset-bottom)",
    )
    return rx.box(
        skip_link(),
        header(top_nav, user_menu(PARENT_MENU)),
        rx.el.main(
            rx.vstack(page_title(title, *actions), *children, spacing="4", width="100%"),
            id=MAIN_ID,
            max_width=max_width,
            margin_x="auto",
            padding="16px",
            min_height="calc(100vh - 61px)",  # the footer below the fold: no shift when data arrives
        ),
        site_footer(padding_bottom=["96px", "96px", "16px"]),
        bottom_nav,
        min_height="100vh",
        background=PAGE_BG,
    )


# (label, route, icon, who sees it: a capability of the role (actor.CAPABILITIES), "staff" (any role),
# "platform", or "all")
STAFF_NAV: list[tuple[str, str, str, str]] = [
    ("Tableau de bord", routes.ADMIN, "layout-dashboard", "all"),
    ("Dossiers", routes.ADMIN_DOSSIERS, "folder-check", "families"),
    ("Campagne d'inscription", routes.ADMIN_CAMPAIGN, "calendar-range", "families"),
    ("Inscriptions", routes.ADMIN_REGISTRATIONS, "clipboard-check", "activities"),
    ("Pointage", routes.ADMIN_ATTENDANCE, "list-checks", "attendance"),
    ("Messagerie", routes.ADMIN_MESSAGES, "mail", "messages"),
    ("Absences", routes.ADMIN_ABSENCES, "thermometer", "families"),
    ("Fréquentation", routes.ADMIN_OCCUPANCY, "chart-column", "attendance"),
    ("Activités", routes.ADMIN_ACTIVITIES, "school", "activities"),
    ("Menus", routes.ADMIN_MENUS, "utensils", "activities"),
    ("Fermetures", routes.ADMIN_CLOSURES, "calendar-off", "activities"),
    ("Statistiques CAF", routes.ADMIN_CAF, "chart-pie", "activities"),
    ("Facturation", routes.ADMIN_BILLING, "calculator", "billing"),
    ("Factures", routes.ADMIN_INVOICES, "receipt-euro", "billing"),
    ("Impayés", routes.ADMIN_UNPAID, "circle-alert", "billing"),
    ("Attestations fiscales", routes.ADMIN_TAX_CERTIFICATES, "file-badge", "billing"),
    ("Prélèvements", routes.ADMIN_DEBITS, "landmark", "billing"),
    ("Régie", routes.ADMIN_REGIE, "settings", "regie"),
    ("Journal de la régie", routes.ADMIN_REGIE_JOURNAL, "book-open", "journal"),
    ("Familles", routes.ADMIN_FAMILIES, "users", "families"),
    ("Importer des familles", routes.ADMIN_IMPORT, "file-up", "families"),
    ("Pièces demandées", routes.ADMIN_REQUIREMENTS, "file-text", "documents"),
    ("Actualités", routes.ADMIN_NEWS, "newspaper", "news"),
    ("Suppressions de compte", routes.ADMIN_DELETIONS, "user-x", "families"),
    ("Équipe", routes.ADMIN_TEAM, "user-cog", "team"),
    ("Journal", routes.ADMIN_JOURNAL, "scroll-text", "journal"),
    ("Tâches", routes.ADMIN_JOBS, "list-todo", "all"),
    ("Organisations", routes.ADMIN_ORGANIZATIONS, "building-2", "platform"),
    ("Messages envoyés", routes.ADMIN_OUTBOX, "mail", "platform"),
]


def _audience(audience: str) -> rx.Var:
    if audience == "platform":
        return AuthState.is_platform_admin
    if audience == "staff":
        return AuthState.is_staff
    if audience == "all":
        return AuthState.is_staff | AuthState.is_platform_admin
    return AuthState.capabilities.contains(audience)


def _staff_link(label: str, href: str, icon: str, audience: str) -> rx.Component:
    current = _is_current(href) if href != routes.ADMIN else rx.State.router.url.path == href
    link = rx.link(
        rx.hstack(rx.icon(icon, size=16), rx.text(label, size="2"), counter_badge(href, size="1"), align="center",
                  spacing="2"),
        href=href,
        underline="none",
        color=rx.cond(current, "var(--accent-11)", "var(--gray-12)"),
        background=rx.cond(current, "var(--accent-3)", "transparent"),
        border_radius="8px",
        padding_x="10px",
        padding_y="8px",
        width="100%",
        white_space="nowrap",
    )
    return rx.cond(_audience(audience), link, rx.fragment())


def staff_page(title: str | rx.Var, *children: rx.Component,
               actions: Sequence[rx.Component] = ()) -> rx.Component:
    """A staff page: side navigation on wide screens, a menu on phones."""
    links = [_staff_link(*item) for item in STAFF_NAV]
    phone_menu = rx.menu.root(
        rx.menu.trigger(rx.button(rx.icon("menu", size=18), "Menu", variant="soft")),
        rx.menu.content(
            rx.cond(AuthState.org_name != "",
                    rx.box(rx.text(AuthState.org_name, size="1", weight="bold", color_scheme="gray"),
                           padding_x="3", padding_y="1"), rx.fragment()),
            *[
                rx.cond(
                    _audience(audience),
                    rx.menu.item(rx.hstack(rx.text(label), counter_badge(href, size="1"), align="center"),
                                 on_click=rx.redirect(href)),
                    rx.fragment(),
                )
                for label, href, _icon, audience in STAFF_NAV
            ]
        ),
    )
    org_switcher = rx.cond(
        AuthState.org_choices.length() > 1,
        rx.el.select(
            rx.foreach(AuthState.org_choices, lambda o: rx.el.option(o[1], value=o[0])),
            value=AuthState.org_id.to_string(),
            on_change=AuthState.switch_organization,
            aria_label="Organisation",
            class_name="cvz-select",
            width="auto",
        ),
        rx.cond(AuthState.org_name != "", rx.badge(AuthState.org_name, variant="soft", size="2"), rx.fragment()),
    )
    return rx.box(
        skip_link(),
        header(rx.hstack(rx.box(org_switcher, display=WIDE_ONLY), rx.box(phone_menu, display=PHONE_ONLY),
                         align="center"), user_menu(()),
               subtitle="Espace agents"),
        rx.hstack(
            rx.el.nav(
                rx.vstack(*links, spacing="1", width="100%"),
                aria_label="Navigation de l'espace agents",
                display=WIDE_ONLY,
                width="230px",
                flex_shrink="0",
                padding_top="16px",
            ),
            rx.el.main(
                rx.vstack(page_title(title, *actions), *children, spacing="4", width="100%"),
                id=MAIN_ID,
                flex="1",
                min_width="0",
                min_height="calc(100vh - 61px)",
                padding_y="16px",
                class_name="cvz-staff",  # its tables: one line per row on a phone (styles.css)
            ),
            max_width="1100px",
            margin_x="auto",
            padding_x="16px",
            align="start",
            spacing="5",
        ),
        site_footer(),
        min_height="100vh",
        background=PAGE_BG,
    )


def bare_page(*children: rx.Component) -> rx.Component:
    """Login and password pages: a centred card, no navigation."""
    return rx.center(
        skip_link(),
        rx.vstack(
            rx.el.header(rx.center(brand(), width="100%", padding_bottom="2"), width="100%"),
            rx.el.main(rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", size="3"),
                       id=MAIN_ID, width="100%"),
            site_footer(width="100%"),
            width="100%",
            max_width="420px",
            spacing="4",
        ),
        min_height="100vh",
        padding="16px",
        background=PAGE_BG,
    )
