"""All tables. Importing this package registers them on SQLModel.metadata."""

from cityviz.models.absences import AbsenceReport
from cityviz.models.accounts import AuthSession, Invitation, LoginThrottle, PasswordReset, User
from cityviz.models.activities import Activity, ActivityRegistration, PriceBand
from cityviz.models.audit import AuditEntry
from cityviz.models.billing import (
    BillingPeriod,
    BillingPeriodHousehold,
    CreditAllocation,
    CreditNote,
    CreditNoteLine,
    DocumentCounter,
    Invoice,
    InvoiceLine,
    TaxCertificateNotice,
)
from cityviz.models.bookings import ActivitySession, Attendance, Booking, Closure
from cityviz.models.campaigns import Campaign, CampaignActivity, CampaignDocument, CampaignDossier
from cityviz.models.documents import Document, DocumentRequirement
from cityviz.models.enrollments import Enrollment, EnrollmentEvent
from cityviz.models.households import ChildAuthorization, FamilyQuotient, Household, Person
from cityviz.models.jobs import Job
from cityviz.models.journal import RegieJournalEntry
from cityviz.models.menus import MenuDish
from cityviz.models.messaging import CalendarFeed, Message, MessageAttachment, MessageThread, OutboxEmail
from cityviz.models.news import NewsPost
from cityviz.models.organizations import Organization, StaffActivity, StaffMembership
from cityviz.models.payments import DirectDebit, OnlinePayment, Payment, PaymentAllocation, Refund, SepaMandate
from cityviz.models.retention import AccountDeletionRequest, ArchivePurge

__all__ = [
    "AbsenceReport",
    "AccountDeletionRequest",
    "Activity",
    "ActivityRegistration",
    "ActivitySession",
    "ArchivePurge",
    "Attendance",
    "AuditEntry",
    "AuthSession",
    "BillingPeriod",
    "BillingPeriodHousehold",
    "Booking",
    "CalendarFeed",
    "Campaign",
    "CampaignActivity",
    "CampaignDocument",
    "CampaignDossier",
    "ChildAuthorization",
    "Closure",
    "CreditAllocation",
    "CreditNote",
    "CreditNoteLine",
    "DirectDebit",
    "Document",
    "DocumentCounter",
    "DocumentRequirement",
    "Enrollment",
    "EnrollmentEvent",
    "FamilyQuotient",
    "Household",
    "Invitation",
    "Invoice",
    "InvoiceLine",
    "Job",
    "LoginThrottle",
    "MenuDish",
    "Message",
    "MessageAttachment",
    "MessageThread",
    "NewsPost",
    "OnlinePayment",
    "Organization",
    "OutboxEmail",
    "PasswordReset",
    "Payment",
    "PaymentAllocation",
    "Person",
    "PriceBand",
    "Refund",
    "RegieJournalEntry",
    "SepaMandate",
    "StaffActivity",
    "StaffMembership",
    "TaxCertificateNotice",
    "User",
]
