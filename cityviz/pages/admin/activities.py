"""Staff pages of step 2: activities and their rules, enrolments.
(Occupancy, attendance and closures: attendance.py.)"""

from __future__ import annotations

import reflex as rx

from cityviz import routes
from cityviz.components.forms import WEEKDAYS, empty_state, error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, labelled_select, section, textarea
from cityviz.services.booking.absence_rules import MAX_CARENCE, POLICIES
from cityviz.services.booking.activities import KINDS, UNITS, ActivityRow
from cityviz.services.booking.registrations import RegistrationRow
from cityviz.services.booking.school_calendar import PERIODS
from cityviz.services.households.people import SCHOOL_LEVELS
from cityviz.state.staff_activities import ActivitiesState, ActivityFormState, RegistrationsAdminState

NOTICE_KINDS = [("none", "Sans délai"), ("calendar_days", "Jours calendaires avant"),
                ("working_days", "Jours ouvrés avant"), ("previous_week", "Jour de la semaine précédente")]


# --- Activities ------------------------------------------------------------------------------

def _activity_card(a: ActivityRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(a.name, size="4", as_="h2"),
                rx.badge(a.kind, variant="soft"),
                rx.cond(a.is_open, rx.fragment(), rx.badge("Fermée aux inscriptions", color_scheme="gray")),
                rx.spacer(),
                rx.link(rx.button("Modifier", size="1", variant="soft"),
                        href=routes.ADMIN_ACTIVITY + "?id=" + a.id.to_string()),
                wrap="wrap", align="center", width="100%",
            ),
            rx.text(a.dates, " · ", a.weekdays, " · ", a.capacity, " places par séance · ", a.enrolled,
                    " enfant(s) inscrit(s)", size="2"),
            rx.text("Inscription : ", a.enrolment, size="2"),
            rx.text(a.rules, size="2", color_scheme="gray"),
            rx.text(a.prices, size="2", color_scheme="gray"),
            rx.text(a.absences, size="2", color_scheme="gray"),
            spacing="1", width="100%",
        ),
        width="100%",
    )


def activities_page() -> rx.Component:
    return staff_page(
        "Activités",
        rx.hstack(
            rx.link(rx.button(rx.icon("plus", size=16), "Nouvelle activité", size="3"), href=routes.ADMIN_ACTIVITY),
            rx.link(rx.button("Fermetures", variant="soft", size="3"), href=routes.ADMIN_CLOSURES),
            wrap="wrap",
        ),
        rx.cond(ActivitiesState.rows.length() == 0,
                empty_state("school", "Aucune activité", "Créez la cantine, la garderie ou l'accueil de loisirs : "
                            "ses dates sont générées à partir de ses jours et de sa période."),
                rx.vstack(rx.foreach(ActivitiesState.rows, _activity_card), width="100%")),
    )


def _rule_fields(prefix: str, title: str, index: int, hint: str) -> rx.Component:
    values = ActivityFormState.values.rules[index]
    return rx.vstack(
        rx.text(title, weight="bold", size="2"),
        rx.text(hint, size="1", color_scheme="gray"),
        rx.grid(
            labelled_select("Délai", f"{prefix}_kind", NOTICE_KINDS, default=values[0]),
            field("Nombre de jours", f"{prefix}_days", type="number", default_value=values[1], min="0", max="60"),
            field("Heure limite", f"{prefix}_time", type="time", default_value=values[2]),
            labelled_select("Jour (semaine précédente)", f"{prefix}_weekday",
                            [("", "—"), *[(str(i), d) for i, d in enumerate(WEEKDAYS)]], default=values[3]),
            columns=rx.breakpoints(initial="1", sm="2", md="4"), spacing="3", width="100%",
        ),
        width="100%",
    )


def _band_row(n: int) -> rx.Component:
    band = ActivityFormState.values.bands[n]
    return rx.grid(
        field("Quotient familial jusqu'à" if n == 0 else "puis jusqu'à", f"band{n}_qf", type="number",
              default_value=band[0], hint="Vide : au-delà (tarif le plus élevé)" if n == 0 else ""),
        field("Prix unitaire (€)", f"band{n}_price", default_value=band[1], input_mode="decimal"),
        columns="2", spacing="3", width="100%",
    )


def activity_form_page() -> rx.Component:
    v = ActivityFormState.values
    form = safe_form(
        rx.vstack(
            rx.box(id="activity-form-top"),
            error_callout(ActivityFormState.error),
            section(
                "L'activité",
                field("Nom", "name", required=True, default_value=v.name),
                rx.grid(labelled_select("Type", "kind", list(KINDS.items()), default=v.kind),
                        labelled_select("Facturée à l'unité", "unit", list(UNITS.items()), default=v.unit),
                        columns="2", spacing="3", width="100%"),
                textarea("Description pour les familles", "description", default=v.description, rows="2"),
                checkbox("Ouverte aux inscriptions", "is_open", default=v.is_open),
                checkbox("Repas (non compté dans l'attestation fiscale de frais de garde)", "is_food",
                         default=v.is_food),
            ),
            section(
                "Calendrier",
                rx.grid(field("Du", "start_date", type="date", default_value=v.start_date, required=True),
                        field("Au", "end_date", type="date", default_value=v.end_date, required=True),
                        field("De", "start_time", type="time", default_value=v.start_time, required=True),
                        field("À", "end_time", type="time", default_value=v.end_time, required=True),
                        columns=rx.breakpoints(initial="2", md="4"), spacing="3", width="100%"),
                rx.hstack(*[checkbox(d, f"day-{i}", default=v.weekdays.contains(i)) for i, d in enumerate(WEEKDAYS)],
                          wrap="wrap", spacing="4"),
                labelled_select("Période", "school_period", list(PERIODS.items()), default=v.school_period),
                rx.text("Les dates sont générées à partir de ces jours, sans les jours fériés ; les vacances "
                        "scolaires suivent la zone de l'organisation (Régie). Les autres fermetures se gèrent "
                        "dans « Fermetures ».", size="1", color_scheme="gray"),
            ),
            section(
                "Places et inscriptions",
                rx.grid(field("Places par séance", "capacity", type="number", default_value=v.capacity, min="1"),
                        labelled_select("Inscription", "enrolment_mode", [("automatic", "Automatique"),
                                                                          ("validation", "Validation obligatoire")],
                                        default=v.enrolment_mode),
                        field("Nombre maximum d'enfants inscrits", "max_enrolled", type="number",
                              default_value=v.max_enrolled, hint="Vide : sans limite ; au-delà, liste d'attente."),
                        field("Réservations ouvertes (jours à l'avance)", "horizon_days", type="number",
                              default_value=v.horizon_days, hint="Vide : toute la période."),
                        field("Âge minimum", "min_age", type="number", default_value=v.min_age),
                        field("Âge maximum", "max_age", type="number", default_value=v.max_age),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
                rx.text("Classes concernées (aucune cochée : toutes)", size="2", weight="medium"),
                rx.hstack(*[checkbox(lvl, f"level-{lvl}", default=v.levels.contains(lvl)) for lvl in SCHOOL_LEVELS],
                          wrap="wrap", spacing="3"),
            ),
            section(
                "Délais de prévenance",
                _rule_fields("booking", "Réservation", 0, "Exemple : 2 jours ouvrés avant, 12:00 (week-ends et jours "
                                                          "fériés non comptés)."),
                _rule_fields("cancel", "Annulation", 1, "Passé ce délai, une réservation n'est plus annulable."),
                _rule_fields("late", "Réservation sans majoration", 2,
                             "Facultatif : après ce délai (et avant celui de réservation), la réservation est majorée."),
                rx.grid(field("Majoration d'une réservation tardive (%)", "late_surcharge_percent", type="number",
                              default_value=v.late_surcharge_percent),
                        field("Majoration d'une présence sans réservation (%)", "unbooked_surcharge_percent",
                              type="number", default_value=v.unbooked_surcharge_percent),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            ),
            section(
                "Absences signalées par les familles",
                rx.text("Ce que la commune facture quand une famille signale une absence (« Signaler une absence ») "
                        "et que vous l'acceptez. Une absence refusée, ou pour un autre motif, est facturée comme "
                        "une absence non justifiée.", size="1", color_scheme="gray"),
                rx.grid(labelled_select("Maladie", "absence_policy", list(POLICIES.items()), default=v.absence_policy),
                        field("Jours de carence (facturés)", "absence_carence_days", type="number", min="0",
                              max=str(MAX_CARENCE), default_value=v.absence_carence_days,
                              hint="0 : non facturée dès le premier jour."),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
            ),
            section(
                "Tarifs selon le quotient familial",
                rx.text("Du plus petit plafond au plus grand ; une ligne sans plafond pour « au-delà », qui "
                        "s'applique aussi aux familles sans quotient connu.", size="1", color_scheme="gray"),
                *[_band_row(n) for n in range(4)],
            ),
            rx.hstack(rx.button("Enregistrer", type="submit", size="3"),
                      rx.link(rx.button("Annuler", type="button", variant="soft", color_scheme="gray", size="3"),
                              href=routes.ADMIN_ACTIVITIES)),
            spacing="4",
            width="100%",
        ),
        on_submit=ActivityFormState.save,
        key=ActivityFormState.form_key,
        width="100%",
    )
    return staff_page(rx.cond(v & (v.id != 0), "Modifier l'activité", "Nouvelle activité"),
                      rx.link("← Toutes les activités", href=routes.ADMIN_ACTIVITIES, size="2"),
                      rx.cond(v, form, error_callout(ActivityFormState.error)))


# --- Enrolments ------------------------------------------------------------------------------

def _registration_row(r: RegistrationRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(r.child, weight="bold"), rx.text(r.level, size="1", color_scheme="gray"),
                      rx.badge(r.status_label, variant="soft",
                               color_scheme=rx.match(r.status, ("validated", "green"), ("refused", "red"), "amber")),
                      rx.cond(r.position > 0, rx.text("n° ", r.position, size="1"), rx.fragment()),
                      wrap="wrap", align="center"),
            rx.text(r.activity, " · demandé le ", r.requested, size="2", color_scheme="gray"),
            rx.cond(
                (r.status == "pending") | (r.status == "waiting"),
                rx.hstack(
                    rx.button("Accepter", size="2", color_scheme="green",
                              on_click=RegistrationsAdminState.accept(r.id), aria_label="Accepter " + r.child),
                    rx.button("Refuser", size="2", variant="soft", color_scheme="red",
                              on_click=RegistrationsAdminState.start_refusal(r.id), aria_label="Refuser " + r.child),
                ),
                rx.fragment(),
            ),
            rx.cond(RegistrationsAdminState.refusing == r.id,
                    safe_form(rx.hstack(rx.box(field("Motif du refus", "reason", required=True), flex="1"),
                                      rx.button("Confirmer le refus", type="submit", color_scheme="red"),
                                      align="end", width="100%"),
                            on_submit=RegistrationsAdminState.refuse, width="100%"),
                    rx.fragment()),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def registrations_page() -> rx.Component:
    filters = [("pending", "À valider"), ("waiting", "Liste d'attente"), ("validated", "Validées"),
               ("refused", "Refusées"), ("all", "Toutes")]
    return staff_page(
        "Inscriptions aux activités",
        rx.hstack(*[rx.button(label, size="2", variant=rx.cond(RegistrationsAdminState.status == key, "solid", "soft"),
                              on_click=RegistrationsAdminState.filter(key)) for key, label in filters], wrap="wrap"),
        rx.cond(RegistrationsAdminState.total == 0,
                empty_state("inbox", "Rien à traiter", "Les demandes d'inscription aux activités avec validation "
                            "arrivent ici, par ordre de demande."),
                rx.vstack(rx.foreach(RegistrationsAdminState.rows, _registration_row), width="100%")),
    )
