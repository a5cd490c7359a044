"""Parent pages: the booking calendar, enrolment in activities. (Several dates at once: bulk.py.)"""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import WEEKDAYS, empty_state
from cityviz.components.layout import PAGE_BG, page_intro, parent_page
from cityviz.components.ui import section
from cityviz.components.viewport import by_viewport
from cityviz.services.booking.calendar import Cell, Day
from cityviz.services.booking.registrations import OfferedActivity
from cityviz.state.reservations import CalendarState, EnrolState, WeekGroup

# state -> (colour, icon)
STATE_STYLE = {
    "booked": ("green", "circle-check"),
    "available": ("blue", "circle-plus"),
    "full": ("orange", "users"),
    "waiting": ("amber", "hourglass"),
    "deadline_passed": ("gray", "clock"),
    "closed": ("red", "ban"),
    "not_enrolled": ("gray", "circle-slash"),
    "past": ("gray", "history"),
    "not_open_yet": ("gray", "calendar-clock"),
    "absence_reported": ("amber", "thermometer"),
    "absence_justified": ("teal", "circle-check"),
    "absence_billed": ("orange", "thermometer"),
    "absence_refused": ("red", "thermometer"),
}
ACTION_LABELS = {"book": "Réserver", "cancel": "Annuler", "join": "Liste d'attente", "leave": "Quitter la liste"}


def _color(state: rx.Var) -> rx.Var:
    return rx.match(state, *[(k, v[0]) for k, v in STATE_STYLE.items()], "gray")


def state_badge(cell: Cell) -> rx.Component:
    return rx.badge(
        rx.match(cell.state, *[(k, rx.icon(v[1], size=14)) for k, v in STATE_STYLE.items()],
                 rx.icon("circle", size=14)),
        cell.label,
        color_scheme=_color(cell.state),
        variant="soft",
        size="2",
        white_space="normal",
    )


def _action_button(cell: Cell, day: Day, size: str = "2", **props) -> rx.Component:
    label = rx.match(cell.action, *ACTION_LABELS.items(), "").to(str)
    return rx.cond(
        cell.action != "",
        rx.button(
            label,
            size=size,
            variant=rx.cond((cell.action == "book") | (cell.action == "join"), "solid", "soft"),
            color_scheme=rx.cond((cell.action == "cancel") | (cell.action == "leave"), "red", "indigo"),
            loading=CalendarState.busy_session == cell.session_id,
            on_click=CalendarState.act(cell.session_id, cell.child_id, cell.action),
            aria_label=label + " : " + cell.activity_name + ", " + cell.child_name + ", " + day.title,
            **props,
        ),
        rx.fragment(),
    )


def _list_cell(cell: Cell, day: Day) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.text(cell.child_name, weight="bold", size="2"),
                rx.text(cell.activity_name, size="1", color_scheme="gray"),
                spacing="0",
                flex="1",
                min_width="0",
            ),
            state_badge(cell),
            _action_button(cell, day, min_height="44px"),  # a thumb's target on the phone's list
            align="center",
            width="100%",
            wrap="wrap",
        ),
        rx.cond(cell.reason != "", rx.text(cell.reason, size="1", color_scheme="gray"), rx.fragment()),
        spacing="1",
        width="100%",
        padding_y="6px",
        border_top="1px solid var(--gray-4)",
    )


def _list_day(day: Day) -> rx.Component:
    return rx.cond(
        day.cells.length() > 0,
        rx.card(
            rx.vstack(
                rx.hstack(rx.text(day.title, weight="bold"),
                          rx.cond(day.is_today, rx.badge("Aujourd'hui", variant="solid"), rx.fragment()),
                          align="center"),
                rx.foreach(day.cells, lambda cell: _list_cell(cell, day)),
                rx.cond(day.menu != "", rx.text(rx.text.strong("Menu : "), day.menu, size="1", color_scheme="gray"),
                        rx.fragment()),
                spacing="1",
                width="100%",
            ),
            width="100%",
        ),
        _note_line(day.title, day.note),
    )


def _note_line(title: rx.Var | str, note: rx.Var) -> rx.Component:
    """A day (or a week) without any session: why, in one quiet line."""
    return rx.hstack(rx.text(title, size="2", weight="medium"), rx.spacer(),
                     rx.text(note, size="2", color_scheme="gray"),
                     width="100%", padding_x="12px", padding_y="6px", border_radius="8px",
                     border="1px dashed var(--gray-6)")


def _list_week(week: WeekGroup) -> rx.Component:
    days = CalendarState.view.weeks[week.week]  # the grid's week: its days travel once
    return rx.vstack(
        rx.hstack(
            rx.heading(week.title, size="3", as_="h3"),
            rx.cond(week.current, rx.badge("Cette semaine", variant="soft"), rx.fragment()),
            id=rx.cond(week.current, "cette-semaine", "semaine-" + week.iso),
            align="center", width="100%", position="sticky", top="60px", z_index="5", background=PAGE_BG,
            padding_y="8px", scroll_margin_top="64px",
        ),
        rx.cond(week.note != "", _note_line(week.span, week.note), rx.fragment()),
        rx.foreach(week.days, lambda i: _list_day(days[i])),
        spacing="2",
        width="100%",
    )


def _chip_details(cell: Cell, day: Day) -> rx.Component:
    """What a tap on a desktop chip shows (touch screens have no tooltip): the reason, the action."""
    return rx.vstack(
        rx.text(day.title, size="1", color_scheme="gray"),
        rx.text(cell.activity_name, " · ", cell.child_name, weight="bold", size="2"),
        state_badge(cell),
        rx.cond(cell.reason != "", rx.text(cell.reason, size="2"), rx.fragment()),
        _action_button(cell, day),
        spacing="2",
        max_width="260px",
    )


def _grid_chip(cell: Cell, day: Day) -> rx.Component:
    chip = rx.hstack(
        rx.match(cell.state, *[(k, rx.icon(v[1], size=12, flex_shrink="0", margin_top="2px"))
                               for k, v in STATE_STYLE.items()], rx.fragment()),
        rx.vstack(  # the activity first: two chips of one child on one day must not read alike
            rx.text(cell.activity_name, size="1", weight="medium", overflow_wrap="anywhere", line_height="1.2"),
            rx.text(cell.child_name, size="1", line_height="1.2"),
            spacing="0", min_width="0",
        ),
        spacing="1",
        align="start",
        padding_x="4px",
        padding_y="2px",
        border_radius="6px",
        background=rx.match(cell.state, *[(k, f"var(--{v[0]}-3)") for k, v in STATE_STYLE.items()],
                            "var(--gray-3)"),
        color=rx.match(cell.state, *[(k, f"var(--{v[0]}-11)") for k, v in STATE_STYLE.items()], "var(--gray-11)"),
        width="100%",
        overflow="hidden",
    )
    return rx.popover.root(
        rx.popover.trigger(
            rx.el.button(chip, aria_label=cell.activity_name + ", " + cell.child_name + ", " + day.title + " : "
                         + cell.label, class_name="cvz-chip",
                         style={"all": "unset", "cursor": "pointer", "width": "100%", "display": "block",
                                "borderRadius": "6px"}),
        ),
        rx.popover.content(_chip_details(cell, day), side="bottom", align="start"),
    )


def _grid_day(day: Day) -> rx.Component:
    return rx.vstack(
        rx.text(day.number, size="1", weight=rx.cond(day.is_today, "bold", "regular"),
                color=rx.cond(day.is_today, "var(--accent-11)", rx.cond(day.in_month, "var(--gray-12)", "var(--gray-8)"))),
        rx.foreach(day.cells, lambda cell: _grid_chip(cell, day)),
        rx.cond(day.note != "", rx.text(day.note, size="1", color="var(--gray-11)"), rx.fragment()),
        spacing="1",
        min_height="92px",
        padding="4px",
        border="1px solid var(--gray-4)",
        background=rx.cond(day.in_month, "var(--color-panel-solid)", "var(--gray-2)"),
        width="100%",
        min_width="0",
    )


def _legend() -> rx.Component:
    # The desktop chips say their state by colour and icon only: each icon they use is named here.
    shown = ["available", "booked", "full", "waiting", "deadline_passed", "not_open_yet", "past", "closed",
             "not_enrolled", "absence_reported", "absence_justified"]
    labels = {"available": "Disponible", "booked": "Réservé", "full": "Complet", "waiting": "Liste d'attente",
              "deadline_passed": "Délai dépassé", "not_open_yet": "Pas encore ouvert", "past": "Passé",
              "closed": "Fermé", "not_enrolled": "Non inscrit",
              "absence_reported": "Absence signalée", "absence_justified": "Absence justifiée"}
    return rx.hstack(*[rx.badge(rx.icon(STATE_STYLE[s][1], size=12), labels[s], color_scheme=STATE_STYLE[s][0],
                                variant="soft", high_contrast=True) for s in shown], wrap="wrap", spacing="2")


def _chip(child: rx.Var) -> rx.Component:
    selected = CalendarState.child_id.to_string() == child[0]
    return rx.button(child[1], size="2", radius="full", variant=rx.cond(selected, "solid", "soft"),
                     on_click=CalendarState.choose_child(child[0].to(int)), aria_pressed=selected)


def _feed_section() -> rx.Component:
    return section(
        "Dans l'agenda de mon téléphone",
        rx.text("Abonnez l'agenda de votre téléphone à vos réservations : elles s'y afficheront et se mettront "
                "à jour toutes seules. Ce lien est personnel.", size="2"),
        rx.cond(
            CalendarState.feed_url != "",
            rx.vstack(rx.code(CalendarState.feed_url, word_break="break-all"),
                      rx.text("Copiez ce lien dans votre application d'agenda (« S'abonner à un calendrier »). "
                              "Il ne sera plus affiché ensuite.", size="1", color_scheme="gray"), width="100%"),
            rx.fragment(),
        ),
        rx.hstack(
            rx.button(rx.cond(CalendarState.has_feed, "Créer un nouveau lien", "Créer mon lien d'agenda"),
                      variant="soft", on_click=CalendarState.subscribe),
            rx.cond(CalendarState.has_feed,
                    rx.button("Désactiver le lien", variant="soft", color_scheme="gray",
                              on_click=CalendarState.unsubscribe), rx.fragment()),
            wrap="wrap",
        ),
        class_name="cvz-no-print",
    )


def calendar_page() -> rx.Component:
    view = CalendarState.view
    return parent_page(
        "Réservations",
        page_intro("Réservez ou annulez chaque jour d'accueil de vos enfants : cantine, garderie, accueil "
                   "du soir, centre de loisirs. Chaque activité a sa date limite pour réserver ou annuler, "
                   "rappelée sous le jour concerné."),
        rx.hstack(
            rx.link(rx.button(rx.icon("plus", size=16), "Inscrire à une activité", variant="soft"),
                    href=routes.ENROL),
            rx.link(rx.button(rx.icon("calendar-range", size=16), "Réserver plusieurs dates", variant="soft"),
                    href=routes.BULK),
            rx.link(rx.button(rx.icon("thermometer", size=16), "Signaler une absence", variant="soft"),
                    href=routes.ABSENCES),
            wrap="wrap",
        ),
        rx.hstack(
            rx.button("Tous", size="2", radius="full", variant=rx.cond(CalendarState.child_id == 0, "solid", "soft"),
                      on_click=CalendarState.choose_child(0), aria_pressed=CalendarState.child_id == 0),
            rx.foreach(CalendarState.children, _chip),
            wrap="wrap",
            role="group",
            aria_label="Enfant",
        ),
        rx.hstack(
            rx.icon_button(rx.icon("chevron-left"), variant="soft", on_click=CalendarState.shift_month(-1),
                           aria_label="Mois précédent"),
            rx.heading(rx.cond(view, view.title, ""), size="4", as_="h2", text_align="center", flex="1"),
            rx.button("Aujourd'hui", variant="outline", on_click=CalendarState.go_today),
            rx.icon_button(rx.icon("chevron-right"), variant="soft", on_click=CalendarState.shift_month(1),
                           aria_label="Mois suivant"),
            align="center",
            width="100%",
        ),
        _legend(),
        rx.cond(
            view,
            rx.cond(
                CalendarState.session_days > 0,
                by_viewport(  # the phone's list by week, or the grid: a phone never builds the grid
                    rx.vstack(
                        rx.cond(CalendarState.past_days > 0,
                                rx.button(rx.cond(CalendarState.show_past, "Masquer les jours passés",
                                                  "Afficher les jours passés"),
                                          variant="ghost", size="2", on_click=CalendarState.toggle_past),
                                rx.fragment()),
                        rx.foreach(CalendarState.weeks, _list_week),
                        rx.cond(CalendarState.weeks.length() == 0,
                                rx.text("Plus aucune date ce mois-ci : passez au mois suivant.", size="2",
                                        color_scheme="gray"), rx.fragment()),
                        width="100%"),
                    rx.box(
                        rx.grid(*[rx.text(d[:3] + ".", size="1", weight="bold", color_scheme="gray",
                                          text_align="center") for d in WEEKDAYS],
                                columns="7", width="100%"),
                        rx.foreach(view.weeks, lambda week: rx.grid(rx.foreach(week, _grid_day), columns="7",
                                                                     width="100%")),
                        display="flex",
                        width="100%",
                        flex_direction="column",
                    ),
                ),
                empty_state("calendar-x", "Aucune date ce mois-ci",
                            "Inscrivez vos enfants à une activité (cantine, garderie…) pour voir ses dates ici.",
                            rx.link(rx.button("Inscrire à une activité"), href=routes.ENROL)),
            ),
            rx.center(rx.spinner(size="3"), width="100%", padding="6"),
        ),
        rx.cond(view, _feed_section(), rx.fragment()),  # only below a loaded calendar: no layout shift
        max_width="1040px",
    )


# --- Enrolment -------------------------------------------------------------------------------

def _offer(offer: OfferedActivity) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(offer.name, size="4", as_="h2"), rx.badge(offer.organization, variant="soft"),
                      wrap="wrap", align="center"),
            rx.cond(offer.description != "", rx.text(offer.description, size="2"), rx.fragment()),
            rx.text(rx.text.strong("Dates : "), offer.dates, " · ", offer.weekdays, size="2"),
            rx.text(rx.text.strong("Tarif pour votre foyer : "), offer.price, size="2"),
            rx.text(offer.rules, size="2", color_scheme="gray"),
            rx.cond(offer.needs_validation,
                    rx.text("L'inscription doit être validée par votre organisation avant de réserver.", size="1",
                            color_scheme="gray"), rx.fragment()),
            rx.cond(
                offer.status != "",
                rx.badge(offer.status_label, size="2", variant="soft",
                         color_scheme=rx.match(offer.status, ("validated", "green"), ("refused", "red"), "amber")),
                rx.cond(offer.ineligible != "",
                        rx.text(offer.ineligible, size="2", color="var(--red-11)"),
                        rx.button("S'inscrire", size="3", on_click=EnrolState.enrol(offer.id),
                                  aria_label="S'inscrire à " + offer.name)),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def enrol_page() -> rx.Component:
    return parent_page(
        "Inscrire à une activité",
        rx.link("← Retour au calendrier", href=routes.BOOKINGS, size="2"),
        rx.hstack(
            rx.foreach(EnrolState.children, lambda c: rx.button(
                c[1], size="2", radius="full", on_click=EnrolState.choose_child(c[0].to(int)),
                variant=rx.cond(EnrolState.child_id.to_string() == c[0], "solid", "soft"),
                aria_pressed=EnrolState.child_id.to_string() == c[0])),
            wrap="wrap", role="group", aria_label="Enfant",
        ),
        rx.cond(
            EnrolState.offered.length() > 0,
            rx.vstack(rx.foreach(EnrolState.offered, _offer), width="100%", spacing="3"),
            rx.cond(EnrolState.loaded,
                    empty_state("school", "Aucune activité proposée",
                                "Les activités apparaissent une fois le dossier d'inscription de l'enfant validé "
                                "par votre organisation.", rx.link("Voir mes dossiers", href=routes.HOME)),
                    rx.fragment()),
        ),
    )
