"""Staff pages of step 3: occupancy and daily lists, attendance, closures."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import file_button
from cityviz.services.booking.attendance import DaySession, OccupancyRow, RosterLine
from cityviz.services.booking.closures import ClosureRow
from cityviz.state.staff_activities import AttendanceState, ClosuresState, OccupancyState

# --- Occupancy and daily lists ---------------------------------------------------------------

def _occupancy_row(row: OccupancyRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.button(row.day, variant="ghost", size="1",
                                           on_click=OccupancyState.open_session(row.session_id))),
        rx.table.cell(rx.cond(row.closed != "", rx.badge("Fermé : " + row.closed, color_scheme="red"),
                              rx.vstack(rx.hstack(rx.progress(value=row.ratio, width="80px",
                                                              aria_label="Taux de remplissage du " + row.day),
                                                  rx.text(row.booked, " / ", row.capacity, size="2"), align="center"),
                                        rx.cond(row.diets != "", rx.text(row.diets, size="1", color_scheme="gray"),
                                                rx.fragment()), spacing="1"))),
        rx.table.cell(rx.cond(row.waiting > 0, row.waiting, "—")),
    )


def _health(line: RosterLine) -> rx.Component:
    """The diet and the PAI, on every daily list."""
    return rx.vstack(
        rx.hstack(rx.cond(line.diet != "", rx.badge(line.diet, color_scheme="amber"), rx.fragment()),
                  rx.cond(line.pai, rx.badge("PAI", color_scheme="red", variant="solid"), rx.fragment()),
                  spacing="1"),
        rx.text(line.authorizations, size="1", color_scheme="gray"),
        spacing="1")


def _roster_line(line: RosterLine) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(line.name),
        rx.table.cell(line.level),
        rx.table.cell(rx.vstack(rx.text(line.allergies, color="var(--red-11)"), _health(line), spacing="1")),
        rx.table.cell(rx.cond(line.status != "", line.status_label, "")),
    )


def occupancy_page() -> rx.Component:
    r = OccupancyState.roster
    return staff_page(
        "Fréquentation",
        safe_form(
            rx.hstack(
                rx.vstack(rx.el.label("Activité", html_for="f-activity_id", font_weight="500", font_size="14px"),
                          rx.el.select(rx.foreach(OccupancyState.activity_choices,
                                                  lambda a: rx.el.option(a[1], value=a[0])),
                                       id="f-activity_id", name="activity_id", class_name="cvz-select",
                                       value=OccupancyState.activity_id.to_string(),
                                       on_change=OccupancyState.pick_activity),
                          spacing="1", min_width="220px"),
                field("À partir du", "start", type="date", default_value=OccupancyState.start),
                rx.button("Afficher", type="submit", size="3"),
                align="end", wrap="wrap", width="100%",
            ),
            on_submit=OccupancyState.choose, width="100%", class_name="cvz-no-print",
        ),
        rx.hstack(file_button("Effectifs par jour (CSV)", "download", OccupancyState.counts_url, variant="soft"),
                  class_name="cvz-no-print"),
        rx.grid(
            rx.card(rx.table.root(
                rx.table.header(rx.table.row(rx.table.column_header_cell("Date"),
                                             rx.table.column_header_cell("Réservés / places"),
                                             rx.table.column_header_cell("En attente"))),
                rx.table.body(rx.foreach(OccupancyState.rows, _occupancy_row)), width="100%"),
                width="100%", class_name="cvz-no-print"),
            rx.cond(
                r,
                rx.card(rx.vstack(
                    rx.hstack(rx.heading(r.activity, " — ", r.day, size="4", as_="h2"), rx.spacer(),
                              rx.button(rx.icon("printer", size=16), "Imprimer", variant="soft",
                                        on_click=rx.call_script("window.print()"), class_name="cvz-no-print"),
                              width="100%", wrap="wrap"),
                    rx.text(r.lines.length(), " enfant(s) · ", r.capacity, " place(s)", size="2"),
                    rx.cond(~r.closed, safe_form(rx.hstack(
                        rx.box(field("Places ce jour-là", "capacity", type="number", input_mode="numeric",
                                     default_value=r.capacity.to_string(), min="0"), width="160px"),
                        rx.button("Changer", type="submit", variant="soft", size="3"), align="end"),
                        on_submit=OccupancyState.set_capacity, key=OccupancyState.capacity_key,
                        class_name="cvz-no-print"), rx.fragment()),
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("Enfant", "Classe", "Santé, régime, autorisations", "Pointage")])),
                        rx.table.body(rx.foreach(r.lines, _roster_line)), width="100%"),
                    width="100%"), width="100%"),
                rx.text("Choisissez une date pour voir la liste des enfants.", size="2", color_scheme="gray"),
            ),
            columns=rx.breakpoints(initial="1", md="2"), spacing="4", width="100%",
        ),
    )


# --- Attendance ------------------------------------------------------------------------------

def _day_session(x: DaySession) -> rx.Component:
    return rx.button(
        rx.vstack(rx.text(x.activity, weight="bold"),
                  rx.text(rx.cond(x.closed, "Fermé", x.marked.to_string() + " pointé(s) sur " + x.booked.to_string()),
                          size="1"), spacing="0", align="start"),
        variant="soft", size="3", height="auto", padding_y="8px", on_click=AttendanceState.open_session(x.session_id),
        disabled=x.closed,
    )


def _mark_button(line: RosterLine, status: str, label: str, color: str) -> rx.Component:
    # 44 px high at least: the touch target an animateur's thumb needs (WCAG 2.5.5).
    return rx.button(label, size="3", min_height="44px", min_width="44px", color_scheme=color,
                     variant=rx.cond(line.status == status, "solid", "outline"),
                     on_click=AttendanceState.mark(line.child_id, status),
                     aria_label=label + " : " + line.name, aria_pressed=line.status == status)


def _attendance_line(line: RosterLine) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(line.name, weight="bold"), rx.text(line.level, size="1", color_scheme="gray"),
                      rx.cond(line.allergies != "", rx.badge("Allergies : " + line.allergies, color_scheme="red"),
                              rx.fragment()), _health(line), wrap="wrap", align="center"),
            rx.cond(
                line.booked,
                rx.hstack(_mark_button(line, "present", "Présent", "green"),
                          _mark_button(line, "absent", "Absent", "red"),
                          _mark_button(line, "justified", "Absent justifié", "amber"), wrap="wrap"),
                rx.badge("Présent sans réservation", color_scheme="blue", size="2"),
            ),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def attendance_page() -> rx.Component:
    r = AttendanceState.roster
    return staff_page(
        "Pointage",
        safe_form(rx.hstack(field("Jour", "day", type="date", default_value=AttendanceState.day),
                          rx.button("Afficher", type="submit", size="3"), align="end"),
                on_submit=AttendanceState.choose_day),
        rx.cond(AttendanceState.sessions.length() == 0,
                empty_state("calendar-x", "Aucune séance ce jour-là", "Choisissez un autre jour."),
                rx.hstack(rx.foreach(AttendanceState.sessions, _day_session), wrap="wrap")),
        rx.cond(
            r,
            rx.vstack(
                rx.heading(r.activity, " — ", r.day, size="4", as_="h2"),
                rx.text(r.marked, " pointé(s) sur ", r.lines.length(), size="2", color_scheme="gray"),
                rx.foreach(r.lines, _attendance_line),
                rx.cond(
                    r.others.length() > 0,
                    safe_form(rx.hstack(
                        rx.vstack(rx.el.label("Enfant venu sans réservation", html_for="f-child_id",
                                              font_weight="500", font_size="14px"),
                                  rx.el.select(rx.el.option("Choisir…", value=""),
                                               rx.foreach(r.others, lambda o: rx.el.option(o[1], value=o[0])),
                                               id="f-child_id", name="child_id", class_name="cvz-select"),
                                  spacing="1", flex="1"),
                        rx.button("Présent sans réservation", type="submit"), align="end", width="100%", wrap="wrap"),
                        on_submit=AttendanceState.add_unbooked, width="100%"),
                    rx.fragment(),
                ),
                spacing="3", width="100%",
            ),
            rx.fragment(),
        ),
    )


# --- Closures --------------------------------------------------------------------------------

def _closure_row(c: ClosureRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(c.dates), rx.table.cell(c.scope), rx.table.cell(c.reason),
        rx.table.cell(rx.cond(
            c.lifted != "", rx.badge(c.lifted, color_scheme="gray"),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button("Lever", size="1", variant="soft",
                                                  aria_label="Lever la fermeture : " + c.dates)),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Lever cette fermeture ?"),
                    rx.alert_dialog.description(
                        "Les séances rouvrent. Les réservations annulées par la fermeture ne sont pas rétablies : "
                        "les familles concernées sont prévenues par e-mail et peuvent réserver de nouveau.",
                        size="2"),
                    rx.hstack(rx.alert_dialog.cancel(rx.button("Annuler", variant="soft", color_scheme="gray")),
                              rx.alert_dialog.action(rx.button("Lever la fermeture",
                                                               on_click=ClosuresState.lift(c.id))),
                              justify="end", spacing="3", margin_top="16px"),
                ),
            ),
        )),
    )


def closures_page() -> rx.Component:
    return staff_page(
        "Fermetures",
        rx.card(safe_form(
            rx.vstack(
                rx.heading("Nouvelle fermeture", size="4", as_="h2"),
                rx.text("Les séances de ces jours sont fermées ; les réservations sont annulées (jamais facturées) "
                        "et les familles prévenues par e-mail.", size="2", color_scheme="gray"),
                error_callout(ClosuresState.error),
                rx.grid(field("Du", "start", type="date", required=True), field("Au (inclus)", "end", type="date"),
                        columns="2", spacing="3", width="100%"),
                rx.vstack(rx.el.label("Activités", html_for="f-activity_id", font_weight="500", font_size="14px"),
                          rx.el.select(rx.el.option("Toutes les activités", value=""),
                                       rx.foreach(ClosuresState.activity_choices,
                                                  lambda a: rx.el.option(a[1], value=a[0])),
                                       id="f-activity_id", name="activity_id", class_name="cvz-select"),
                          spacing="1", width="100%"),
                field("Motif (lu par les familles)", "reason", required=True, placeholder="Grève, pont, travaux…"),
                rx.button("Fermer ces dates", type="submit", color_scheme="red"),
                spacing="3", width="100%",
            ),
            on_submit=ClosuresState.create, key=ClosuresState.form_key, width="100%"), width="100%"),
        rx.cond(ClosuresState.rows.length() == 0,
                empty_state("calendar-off", "Aucune fermeture", "Les fermetures enregistrées apparaîtront ici."),
                rx.card(rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                   ("Dates", "Activités", "Motif", "")])),
                    rx.table.body(rx.foreach(ClosuresState.rows, _closure_row)), width="100%"), width="100%",
                    overflow_x="auto")),
    )
