"""The Reflex application: theme, pages, HTTP endpoints."""

from __future__ import annotations

import reflex as rx

from cityviz import routes, runtime
from cityviz.api import build_api, delivery
from cityviz.pages.absences import absences_page
from cityviz.pages.accessibility import accessibility_page
from cityviz.pages.admin.absences import absences_admin_page
from cityviz.pages.admin.activities import activities_page, activity_form_page, registrations_page
from cityviz.pages.admin.attendance import attendance_page, closures_page, occupancy_page
from cityviz.pages.admin.billing import billing_page, invoice_admin_page, invoices_admin_page
from cityviz.pages.admin.caf import caf_page
from cityviz.pages.admin.campaign import campaign_dossier_page, campaign_page
from cityviz.pages.admin.certificates import tax_run_page
from cityviz.pages.admin.decisions import decisions_page, family_page
from cityviz.pages.admin.dossiers import dossier_review_page, dossiers_page, requirements_page
from cityviz.pages.admin.expiring import expiring_page
from cityviz.pages.admin.families import families_page, news_admin_page
from cityviz.pages.admin.family_import import import_page
from cityviz.pages.admin.home import admin_home_page
from cityviz.pages.admin.jobs import jobs_page
from cityviz.pages.admin.journal import journal_page
from cityviz.pages.admin.menus import menus_page
from cityviz.pages.admin.messaging import compose_admin_page, messages_admin_page, thread_admin_page
from cityviz.pages.admin.platform import organizations_page, outbox_page
from cityviz.pages.admin.privacy import deletions_page
from cityviz.pages.admin.regie import debits_page, regie_page, unpaid_page
from cityviz.pages.admin.team import team_page
from cityviz.pages.authorizations import authorizations_page
from cityviz.pages.bulk import bulk_page
from cityviz.pages.certificates import certificates_page
from cityviz.pages.dossier import dossier_page, register_page
from cityviz.pages.family import children_page, profile_page
from cityviz.pages.home import home_page
from cityviz.pages.household import household_page
from cityviz.pages.invoices import invoice_page, invoices_page
from cityviz.pages.login import forgot_page, login_page, password_page, reset_page
from cityviz.pages.messaging import messages_page, new_message_page, thread_page
from cityviz.pages.reenrolment import reenrolment_page
from cityviz.pages.reservations import calendar_page, enrol_page
from cityviz.state.absences import AbsencesAdminState, AbsenceState
from cityviz.state.account_deletion import DeletionRequestsState
from cityviz.state.admin import AdminHomeState, OrganizationsState, OutboxState
from cityviz.state.authorizations import AuthorizationsState
from cityviz.state.base import AuthState, counts_after
from cityviz.state.certificates import CertificatesState
from cityviz.state.family import ChildrenState, DossierState, ProfileState, RegisterState
from cityviz.state.home import HomeState, HouseholdState
from cityviz.state.invoices import InvoiceListState, InvoiceState
from cityviz.state.login import ForgotState, LoginState, PasswordState, ResetState
from cityviz.state.messaging import MessagesState, NewMessageState, ThreadState
from cityviz.state.reenrolment import ReenrolmentState
from cityviz.state.reservations import BulkState, CalendarState, EnrolState
from cityviz.state.staff_activities import (
    ActivitiesState,
    ActivityFormState,
    AttendanceState,
    ClosuresState,
    OccupancyState,
    RegistrationsAdminState,
)
from cityviz.state.staff_billing import BillingState, StaffInvoicesState, StaffInvoiceState
from cityviz.state.staff_caf import CafState
from cityviz.state.staff_campaign import CampaignDossierState, CampaignState
from cityviz.state.staff_certificates import TaxRunState
from cityviz.state.staff_decisions import DecisionsState, FamilyPageState
from cityviz.state.staff_documents import ExpiringDocumentsState
from cityviz.state.staff_families import (
    DossierReviewState,
    DossiersState,
    FamiliesState,
    NewsAdminState,
    RequirementsState,
)
from cityviz.state.staff_import import ImportState
from cityviz.state.staff_jobs import JobsState
from cityviz.state.staff_journal import JournalState
from cityviz.state.staff_menus import MenusState
from cityviz.state.staff_messaging import StaffComposeState, StaffMessagesState, StaffThreadState
from cityviz.state.staff_regie import DebitsState, RegieState, UnpaidState
from cityviz.state.staff_team import TeamState

app = rx.App(
    html_lang="fr",
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="theme-color", content="#3e63dd"),
        # Installable on a phone (assets/: manifest, icons, service worker registered by pwa.js).
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="48x48"),
        rx.el.link(rel="icon", href="/icons/icon-192.png", type="image/png", sizes="192x192"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.meta(name="description", content="Portail familles : réservations, factures et dossier de vos enfants."),
        rx.el.script(src="/pwa.js", defer=True),
    ],
    # Our endpoints next to Reflex's; then pages without redirect, cache headers, compression.
    api_transformer=[build_api(), delivery.wrap],
    # At the top: at the bottom, messages would hide the phone navigation bar.
    toaster=rx.toast.provider(position="top-center", duration=3500),
)
runtime.setup(app)  # JSON logs, every event timed, the job runner (SQLite alone)


def _page(component, route: str, title: str, on_load, *, counters: bool = True) -> None:
    """`counters`: the menus' « Messagerie » counters are read after the page's own load (in the
    same event when the load is a guarded handler, state/base.counts_after)."""
    if on_load is not None and counters and not counts_after(on_load):
        on_load = [on_load, AuthState.load_counters]
    app.add_page(component, route=route, title=f"{title} · Cityviz Enfance", on_load=on_load)


_page(login_page, routes.LOGIN, "Connexion", LoginState.load, counters=False)
_page(password_page, routes.PASSWORD, "Mot de passe", PasswordState.load, counters=False)
_page(forgot_page, routes.FORGOT, "Mot de passe oublié", ForgotState.load, counters=False)
_page(reset_page, routes.RESET, "Nouveau mot de passe", ResetState.load, counters=False)
_page(accessibility_page, routes.ACCESSIBILITY, "Accessibilité", None)
_page(home_page, routes.HOME, "Fil d'actualités", HomeState.load)
_page(admin_home_page, routes.ADMIN, "Tableau de bord", AdminHomeState.load)
_page(organizations_page, routes.ADMIN_ORGANIZATIONS, "Organisations", OrganizationsState.load)
_page(outbox_page, routes.ADMIN_OUTBOX, "Messages envoyés", OutboxState.load)
_page(profile_page, routes.PROFILE, "Mon profil", ProfileState.load)
_page(household_page, routes.HOUSEHOLD, "Mon foyer", HouseholdState.load)
_page(children_page, routes.CHILDREN, "Mes enfants", ChildrenState.load)
_page(authorizations_page, routes.AUTHORIZATIONS, "Autorisations", AuthorizationsState.load)
_page(register_page, routes.ORGANIZATIONS, "Inscrire à une organisation", RegisterState.load)
_page(dossier_page, routes.DOSSIER, "Dossier d'inscription", DossierState.load)
_page(reenrolment_page, routes.REENROLMENT, "Réinscription", ReenrolmentState.load)
_page(campaign_page, routes.ADMIN_CAMPAIGN, "Campagne d'inscription", CampaignState.load)
_page(campaign_dossier_page, routes.ADMIN_CAMPAIGN_DOSSIER, "Réinscription", CampaignDossierState.load)
_page(dossiers_page, routes.ADMIN_DOSSIERS, "Dossiers", DossiersState.load)
_page(dossier_review_page, routes.ADMIN_DOSSIER, "Dossier", DossierReviewState.load)
_page(requirements_page, routes.ADMIN_REQUIREMENTS, "Pièces demandées", RequirementsState.load)
_page(expiring_page, routes.ADMIN_EXPIRING, "Pièces à renouveler", ExpiringDocumentsState.load)
_page(families_page, routes.ADMIN_FAMILIES, "Familles", FamiliesState.load)
_page(news_admin_page, routes.ADMIN_NEWS, "Actualités", NewsAdminState.load)
_page(calendar_page, routes.BOOKINGS, "Réservations", CalendarState.load)
_page(absences_page, routes.ABSENCES, "Signaler une absence", AbsenceState.load)
_page(absences_admin_page, routes.ADMIN_ABSENCES, "Absences signalées", AbsencesAdminState.load)
_page(enrol_page, routes.ENROL, "Inscrire à une activité", EnrolState.load)
_page(bulk_page, routes.BULK, "Réserver plusieurs dates", BulkState.load)
_page(activities_page, routes.ADMIN_ACTIVITIES, "Activités", ActivitiesState.load)
_page(activity_form_page, routes.ADMIN_ACTIVITY, "Activité", ActivityFormState.load)
_page(registrations_page, routes.ADMIN_REGISTRATIONS, "Inscriptions aux activités", RegistrationsAdminState.load)
_page(occupancy_page, routes.ADMIN_OCCUPANCY, "Fréquentation", OccupancyState.load)
_page(attendance_page, routes.ADMIN_ATTENDANCE, "Pointage", AttendanceState.load)
_page(menus_page, routes.ADMIN_MENUS, "Menus", MenusState.load)
_page(closures_page, routes.ADMIN_CLOSURES, "Fermetures", ClosuresState.load)
_page(invoices_page, routes.INVOICES, "Mes factures", InvoiceListState.load)
_page(certificates_page, routes.CERTIFICATES, "Attestations", CertificatesState.load)
_page(invoice_page, routes.INVOICE, "Facture", InvoiceState.load)
_page(billing_page, routes.ADMIN_BILLING, "Facturation", BillingState.load)
_page(invoices_admin_page, routes.ADMIN_INVOICES, "Factures", StaffInvoicesState.load)
_page(invoice_admin_page, routes.ADMIN_INVOICE, "Facture", StaffInvoiceState.load)
_page(tax_run_page, routes.ADMIN_TAX_CERTIFICATES, "Attestations fiscales", TaxRunState.load)
_page(unpaid_page, routes.ADMIN_UNPAID, "Impayés", UnpaidState.load)
_page(regie_page, routes.ADMIN_REGIE, "Régie", RegieState.load)
_page(debits_page, routes.ADMIN_DEBITS, "Prélèvements", DebitsState.load)
_page(journal_page, routes.ADMIN_REGIE_JOURNAL, "Journal de la régie", JournalState.load)
_page(jobs_page, routes.ADMIN_JOBS, "Tâches", JobsState.load)
_page(team_page, routes.ADMIN_TEAM, "Équipe", TeamState.load)
_page(caf_page, routes.ADMIN_CAF, "Statistiques CAF", CafState.load)
_page(import_page, routes.ADMIN_IMPORT, "Importer des familles", ImportState.load)
_page(decisions_page, routes.ADMIN_JOURNAL, "Journal", DecisionsState.load)
_page(family_page, routes.ADMIN_FAMILY, "Famille", FamilyPageState.load)
_page(deletions_page, routes.ADMIN_DELETIONS, "Suppressions de compte", DeletionRequestsState.load)
_page(messages_page, routes.MESSAGES, "Messagerie", MessagesState.load)
_page(new_message_page, routes.MESSAGE_NEW, "Nouveau message", NewMessageState.load)
_page(thread_page, routes.MESSAGE_THREAD, "Conversation", ThreadState.load)
_page(messages_admin_page, routes.ADMIN_MESSAGES, "Messagerie", StaffMessagesState.load)
_page(thread_admin_page, routes.ADMIN_MESSAGE_THREAD, "Conversation", StaffThreadState.load)
_page(compose_admin_page, routes.ADMIN_MESSAGE_NEW, "Nouveau message", StaffComposeState.load)
