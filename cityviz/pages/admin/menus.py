"""Staff page « Menus » (canteen): the week, each day's dishes, allergens and labels; the week's PDF."""

from __future__ import annotations

import reflex as rx

from cityviz.components.forms import error_callout, field, safe_form
from cityviz.components.layout import staff_page
from cityviz.components.ui import checkbox, file_button, section
from cityviz.services.booking.menus import ALLERGENS, COURSES, Dish, MenuDay
from cityviz.state.staff_menus import MenusState


def _dish(d: Dish) -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.text(d.course_label, size="1", weight="bold", color_scheme="gray"),
                  rx.cond(d.organic, rx.badge("bio", color_scheme="green"), rx.fragment()),
                  rx.cond(d.homemade, rx.badge("fait maison", color_scheme="amber"), rx.fragment()),
                  align="center", spacing="1"),
        rx.text(d.name, size="2"),
        rx.cond(d.allergen_labels != "", rx.text("Allergènes : ", d.allergen_labels, size="1", color="var(--red-11)"),
                rx.fragment()),
        spacing="0", width="100%",
    )


def _course_fields(course: str, label: str) -> rx.Component:
    flags = MenusState.flags[course]
    return rx.vstack(
        field(label, f"{course}_name", default_value=MenusState.names[course]),
        rx.hstack(checkbox("bio", f"{course}_organic", default=flags.contains("organic")),
                  checkbox("fait maison", f"{course}_homemade", default=flags.contains("homemade")), spacing="4"),
        rx.text("Allergènes", size="1", weight="medium"),
        rx.flex(*[checkbox(name, f"{course}_{code}", default=flags.contains(code)) for code, name in ALLERGENS.items()],
                wrap="wrap", gap="2", column_gap="4"),
        spacing="2", width="100%", padding_bottom="8px", border_bottom="1px solid var(--gray-4)",
    )


def _day(day: MenuDay) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(day.title, size="3", as_="h2"), rx.spacer(),
                      rx.button("Modifier", size="1", variant="soft", on_click=MenusState.edit(day.iso),
                                aria_label="Modifier le menu du " + day.title), width="100%", align="center"),
            rx.cond(day.dishes.length() > 0, rx.vstack(rx.foreach(day.dishes, _dish), spacing="2", width="100%"),
                    rx.text("Pas de menu publié.", size="2", color_scheme="gray")),
            rx.cond(
                MenusState.editing == day.iso,
                safe_form(
                    rx.vstack(error_callout(MenusState.error),
                              *[_course_fields(course, label) for course, label in COURSES.items()],
                              rx.hstack(rx.button("Publier le menu", type="submit"),
                                        rx.button("Annuler", type="button", variant="soft", color_scheme="gray",
                                                  on_click=MenusState.cancel)),
                              spacing="3", width="100%"),
                    on_submit=MenusState.save, key=MenusState.form_key.to_string(), width="100%"),
                rx.fragment(),
            ),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def menus_page() -> rx.Component:
    return staff_page(
        "Menus",
        rx.text("Le menu de la cantine, jour par jour : les familles le voient dans leur calendrier et sur leur "
                "accueil le jour même. Pour chaque plat, ses allergènes parmi les 14 du règlement (UE) "
                "n° 1169/2011.", size="2", color_scheme="gray"),
        rx.hstack(
            rx.icon_button(rx.icon("chevron-left"), variant="soft", on_click=MenusState.shift(-1),
                           aria_label="Semaine précédente"),
            rx.text("Semaine du ", rx.cond(MenusState.week.length() > 0, MenusState.week[0].title, ""),
                    weight="medium"),
            rx.icon_button(rx.icon("chevron-right"), variant="soft", on_click=MenusState.shift(1),
                           aria_label="Semaine suivante"),
            file_button("PDF de la semaine", "printer", MenusState.pdf_url, variant="soft"),
            align="center", wrap="wrap",
        ),
        section("Semaine", rx.vstack(rx.foreach(MenusState.week, _day), spacing="3", width="100%")),
    )
