"""The hub's tables (SQLAlchemy 2, typed). Import from here."""

from tandem.hub.models.activities import (
    Activity,
    ActivityParticipant,
    ActivityType,
    ChangeLog,
    ChangeLogUser,
)
from tandem.hub.models.auth import AccessToken, ApiClient, SignInSession
from tandem.hub.models.crm import Contact, Customer, Resource
from tandem.hub.models.org import BusinessUnit, CaldavSignIn, CalendarConnection, Counter, OrganizationSettings, User
from tandem.hub.models.work import Invoice, InvoiceStatus, Phase, Product, Project, WorkType

__all__ = [
    "AccessToken",
    "Activity",
    "ActivityParticipant",
    "ActivityType",
    "ApiClient",
    "BusinessUnit",
    "CaldavSignIn",
    "CalendarConnection",
    "ChangeLog",
    "ChangeLogUser",
    "Contact",
    "Counter",
    "Customer",
    "Invoice",
    "InvoiceStatus",
    "OrganizationSettings",
    "Phase",
    "Product",
    "Project",
    "Resource",
    "SignInSession",
    "User",
    "WorkType",
]
