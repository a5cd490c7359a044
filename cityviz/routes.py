"""Route constants and URL builders (French URLs, as parents read them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityviz.services.accounts.actor import Actor

SESSION_COOKIE = "cvz_session"

# Parent pages
HOME = "/"
LOGIN = "/connexion"
PASSWORD = "/mot-de-passe"
FORGOT = "/mot-de-passe-oublie"
RESET = "/nouveau-mot-de-passe"  # ?jeton=…
PROFILE = "/profil"
HOUSEHOLD = "/foyer"  # « Mon foyer »: guardians, children, organizations and dossiers, documents
CHILDREN = "/enfants"
AUTHORIZATIONS = "/autorisations"
ORGANIZATIONS = "/organisations"
DOSSIER = "/dossier"  # ?id=…
BOOKINGS = "/reservations"
ENROL = "/reservations/inscription"
BULK = "/reservations/plusieurs-dates"
ABSENCES = "/absences"  # « Signaler une absence »
REENROLMENT = "/reinscription"  # ?id=… « Réinscription pour l'année 2027-2028 »
INVOICES = "/factures"
CERTIFICATES = "/attestations"
INVOICE = "/facture"  # ?type=facture|avoir&id=…
MESSAGES = "/messagerie"  # « Messagerie »: the household's conversations with its towns
MESSAGE_NEW = "/messagerie/nouveau"
MESSAGE_THREAD = "/messagerie/fil"  # ?id=… (services/households/messaging.FAMILY_PATH)

# Public pages
ACCESSIBILITY = "/accessibilite"  # the accessibility declaration (RGAA)

# Staff pages
ADMIN = "/admin"
ADMIN_ORGANIZATIONS = "/admin/organisations"
ADMIN_OUTBOX = "/admin/outbox"
ADMIN_DOSSIERS = "/admin/dossiers"
ADMIN_DOSSIER = "/admin/dossier"  # ?id=…
ADMIN_CAMPAIGN = "/admin/campagne"  # « Campagne d'inscription »
ADMIN_CAMPAIGN_DOSSIER = "/admin/reinscription"  # ?id=…
ADMIN_REQUIREMENTS = "/admin/pieces"
ADMIN_EXPIRING = "/admin/pieces-a-renouveler"
ADMIN_FAMILIES = "/admin/familles"
ADMIN_NEWS = "/admin/actualites"
ADMIN_ACTIVITIES = "/admin/activites"
ADMIN_ACTIVITY = "/admin/activite"  # ?id=… (none: a new activity)
ADMIN_REGISTRATIONS = "/admin/inscriptions"
ADMIN_OCCUPANCY = "/admin/frequentation"
ADMIN_ATTENDANCE = "/admin/pointage"
ADMIN_ABSENCES = "/admin/absences"
ADMIN_CLOSURES = "/admin/fermetures"
ADMIN_MENUS = "/admin/menus"
ADMIN_BILLING = "/admin/facturation"
ADMIN_INVOICES = "/admin/factures"
ADMIN_INVOICE = "/admin/facture"  # ?type=…&id=…
ADMIN_UNPAID = "/admin/impayes"
ADMIN_TAX_CERTIFICATES = "/admin/attestations-fiscales"
ADMIN_REGIE = "/admin/regie"
ADMIN_DEBITS = "/admin/prelevements"
ADMIN_REGIE_JOURNAL = "/admin/journal-regie"  # the money events (« Journal de la régie »)
ADMIN_JOBS = "/admin/taches"
ADMIN_TEAM = "/admin/equipe"
ADMIN_JOURNAL = "/admin/journal"  # the staff decisions (« Journal »)
ADMIN_IMPORT = "/admin/import"
ADMIN_CAF = "/admin/statistiques-caf"
ADMIN_FAMILY = "/admin/famille"  # ?id=<household id>
ADMIN_MESSAGES = "/admin/messagerie"  # ?etat=tous (default: « Messages en attente »)
ADMIN_MESSAGE_NEW = "/admin/messagerie/nouveau"  # ?famille=<household id>, or to an activity's families
ADMIN_MESSAGE_THREAD = "/admin/messagerie/fil"  # ?id=… (messaging.STAFF_PATH)
ADMIN_DELETIONS = "/admin/suppressions"  # « Supprimer mon compte » requests to confirm

# HTTP endpoints (not Reflex pages)
SESSION_ENDPOINT = "/auth/session"
LOGOUT_ENDPOINT = "/auth/logout"
FORM_FALLBACK = "/formulaire"  # where a form sent before the page's scripts run goes (POST, unread)
DOCUMENT_FILE = "/fichiers/document"  # /<id>
AVATAR_FILE = "/fichiers/photo"  # /<person id>
NEWS_IMAGE = "/fichiers/actualite"  # /<post id>
EXPORT = "/fichiers/mes-donnees"
MENU_PDF = "/fichiers/menus.pdf"  # ?organisation=…&semaine=YYYY-MM-DD
DAILY_COUNTS = "/fichiers/effectifs.csv"  # ?organisation=…&du=…&au=…
CALENDAR_FEED = "/agenda"  # /<token>.ics
CAMPAIGN_FILE = "/fichiers/reinscription"  # /<campaign document id>
CERTIFICATE_FILE = "/fichiers/certificat"  # /<absence report id>
PAI_FILE = "/fichiers/pai"  # /<child id>
MESSAGE_FILE = "/fichiers/message"  # /<attachment id>
INVOICE_FILE = "/fichiers/pdf"
CERTIFICATE_PDF = "/fichiers/attestation"  # /fiscale|paiement|presence?enfant=…&annee=…&du=…&au=…  # /facture|avoir/<id>
HEALTH = "/_health"  # database, Redis, job queue (observability/http.py)
METRICS = "/metrics"  # Prometheus; bearer token or the server's own machine


def home_for(actor: Actor) -> str:
    if actor.is_parent:
        return HOME
    if actor.is_staff or actor.is_platform_admin:
        return ADMIN
    return LOGIN


def safe_next(path: str | None, default: str = HOME) -> str:
    """Only local paths: never redirect a user to another site after login."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    if path.startswith(LOGIN) or path.startswith("/auth/"):
        return default
    return path
