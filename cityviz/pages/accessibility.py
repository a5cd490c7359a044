"""« Accessibilité »: the accessibility declaration French public services publish (RGAA 4.1,
article 47 of law no. 2005-102). Public: read before or without logging in."""

from __future__ import annotations

import reflex as rx

from cityviz.components.footer import MAIN_ID, site_footer, skip_link
from cityviz.components.layout import PAGE_BG, brand

DECLARED_ON = "6 décembre 2026"
RGAA = "https://accessibilite.numerique.gouv.fr/methode/criteres-et-tests/"
DEFENSEUR_FORM = "https://formulaire.defenseurdesdroits.fr/"
DEFENSEUR_DELEGATES = "https://www.defenseurdesdroits.fr/carte-des-delegues"


def _part(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="2", width="100%")


def _p(*text) -> rx.Component:
    return rx.text(*text, size="3", as_="p")


def _items(*lines: str) -> rx.Component:
    return rx.el.ul(*[rx.el.li(rx.text(line, size="3"), margin_bottom="6px") for line in lines],
                    list_style_type="disc", padding_left="24px", margin="0")


def accessibility_page() -> rx.Component:
    return rx.box(
        skip_link(),
        rx.el.header(rx.box(brand(), max_width="720px", margin_x="auto", padding="16px")),
        rx.el.main(
            rx.card(rx.vstack(
                rx.heading("Déclaration d'accessibilité", size="6", as_="h1"),
                _p("Les communes qui proposent le portail familles Cityviz Enfance s'engagent à rendre leurs "
                   "services numériques accessibles, conformément à l'article 47 de la loi n° 2005-102 du "
                   "11 février 2005. Cette déclaration s'applique au portail Cityviz Enfance (portail "
                   "familles et espace agents)."),
                _part("État de conformité",
                      _p("Le portail Cityviz Enfance est ", rx.text.strong("partiellement conforme"),
                         " avec le référentiel général d'amélioration de l'accessibilité (",
                         rx.link("RGAA, version 4.1", href=RGAA, is_external=True, underline="always"), "), niveau AA, "
                         "en raison des non-conformités énumérées ci-dessous.")),
                _part("Résultats des tests",
                      _p("Chaque page du portail familles (sur un écran de téléphone) et de l'espace agents "
                         "(sur un écran d'ordinateur) est contrôlée automatiquement avec axe-core à chaque "
                         "évolution : aucune erreur critique ou grave n'est acceptée. Un audit complet des "
                         "106 critères du RGAA n'a pas encore été réalisé ; son taux de conformité sera "
                         "publié ici.")),
                _part("Contenus non accessibles",
                      _p("Non-conformités connues :"),
                      _items("Les factures et avoirs au format PDF ne sont pas balisés : leur contenu est "
                             "repris en texte sur la page « Facture » du portail.",
                             "Certaines informations du calendrier des réservations sur ordinateur sont "
                             "données par des infobulles ; elles sont aussi lisibles dans la vue en liste.",
                             "Les messages d'information temporaires (confirmations) disparaissent après "
                             "quelques secondes."),
                      _p("Contenus non soumis à l'obligation d'accessibilité : les documents déposés par "
                         "les familles (justificatifs) et les images des actualités fournies par les "
                         "communes.")),
                _part("Établissement de cette déclaration",
                      _p(f"Cette déclaration a été établie le {DECLARED_ON}."),
                      _p("Technologies utilisées : HTML5, CSS, JavaScript (React). Environnement de test : "
                         "navigateur Chromium, axe-core 4.14, Lighthouse 13, navigation au clavier.")),
                _part("Retour d'information et contact",
                      _p("Si vous n'arrivez pas à accéder à un contenu ou à un service, contactez le "
                         "service enfance de votre mairie (ses coordonnées figurent sur vos factures et "
                         "dans les messages du portail) : il vous orientera vers une alternative accessible "
                         "ou vous transmettra le contenu sous une autre forme.")),
                _part("Voies de recours",
                      _p("Si vous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un "
                         "contenu ou à un service du portail et que vous n'avez pas obtenu de réponse "
                         "satisfaisante, vous pouvez saisir le Défenseur des droits :"),
                      _items("par son formulaire en ligne ;",
                             "en contactant le délégué du Défenseur des droits de votre région ;",
                             "par courrier, gratuit et sans timbre : Défenseur des droits, Libre réponse "
                             "71120, 75342 Paris CEDEX 07."),
                      rx.hstack(rx.link("Écrire au Défenseur des droits", href=DEFENSEUR_FORM, is_external=True),
                                rx.link("Trouver un délégué", href=DEFENSEUR_DELEGATES, is_external=True),
                                spacing="4", wrap="wrap")),
                spacing="5",
                width="100%",
            ), size="3", width="100%"),
            id=MAIN_ID,
            max_width="720px",
            margin_x="auto",
            padding_x="16px",
        ),
        site_footer(),
        min_height="100vh",
        background=PAGE_BG,
    )
