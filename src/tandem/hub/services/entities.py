"""The rules of each master-data entity, as data for `masters.save`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import limits
from tandem.hub.models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    BusinessUnit,
    Contact,
    Customer,
    Invoice,
    InvoiceStatus,
    Phase,
    Product,
    Project,
    Resource,
    User,
    WorkType,
)
from tandem.hub.services import organisation
from tandem.hub.services.errors import FieldProblem
from tandem.hub.services.masters import EntityRules, Reference, count, is_new

CATEGORIES = ("Personal", "Absences", "CalendarEntry", "SalesEvent", "Task")
PRODUCT_TYPES = ("FixedFees", "Materials", "Subcontracting")
ROLES = ("admin", "user")


def _one_of(key: str, allowed: tuple[str, ...], name: str) -> Any:
    def check(_: Session, __: Any, values: dict[str, Any], problems: list[FieldProblem]) -> None:
        if key in values and values[key] is not None and values[key] not in allowed:
            problems.append(FieldProblem(name, f"{name} must be one of {', '.join(allowed)}"))

    return check


# -- users ------------------------------------------------------------------------------


def _check_user(session: Session, user: User, values: dict[str, Any], problems: list[FieldProblem]) -> None:
    if "email" in values and values["email"] is not None:
        email = str(values["email"]).strip()
        if not limits.is_email(email):
            problems.append(FieldProblem("email", f"{email!r} is not an email address"))
        else:
            taken = session.scalar(
                sa.select(User.id)
                .where(User.email_key == email.lower(), User.id != (-1 if is_new(user) else user.id))
                .limit(1)
            )
            if taken is not None:
                problems.append(FieldProblem("email", f"another user already has the email {email}"))
    zone = values.get("time_zone")
    if zone is not None and not limits.is_time_zone(zone):
        problems.append(FieldProblem("timezone.ianaName", f"{zone!r} is not an IANA time zone name"))
    if values.get("role") is not None and values["role"] not in ROLES:
        problems.append(FieldProblem("role", "role must be admin or user"))


def _user_defaults(session: Session, user: User) -> None:
    """A user given no time zone gets the organisation's (`organisation.time_zone`)."""
    if not user.time_zone:
        user.time_zone = organisation.time_zone(session)


def _after_user(_: Session, user: User, __: bool) -> None:
    user.set_email(user.email.strip() if user.email else None)


def _user_in_use(session: Session, user: User) -> str | None:
    owned = count(session, Activity, Activity.owner_user_id == user.id, Activity.is_deleted.is_(False))
    if owned:
        return f"the user owns {owned} activities; deactivate the user instead"
    if count(session, Project, Project.owner_user_id == user.id):
        return "the user manages projects; deactivate the user instead"
    if count(session, ActivityParticipant, ActivityParticipant.user_id == user.id):
        return "the user takes part in activities; deactivate the user instead"
    if count(session, Customer, Customer.owner_user_id == user.id):
        return "the user owns customers; deactivate the user instead"
    return None


USERS = EntityRules(
    model=User,
    what="user",
    columns=(
        "first_name",
        "last_name",
        "email",
        "code",
        "is_active",
        "time_zone",
        "role",
        "calendar_sync_enabled",
        "phone",
        "title",
        "notes",
    ),
    references={
        "default_activity_type_guid": Reference("default_activity_type_id", ActivityType, "activity type"),
        "business_unit_guid": Reference("business_unit_id", BusinessUnit, "business unit"),
    },
    required=("first_name", "last_name"),
    unique=("code",),
    field_names={
        "first_name": "firstName",
        "last_name": "lastName",
        "is_active": "isActive",
        "time_zone": "timezone.ianaName",
        "default_activity_type_guid": "defaultActivityType.guid",
        "business_unit_guid": "businessUnit.guid",
    },
    max_lengths={"first_name": 100, "last_name": 100, "code": 50, "phone": 50},
    before_save=_check_user,
    complete=_user_defaults,
    after_save=_after_user,
    in_use=_user_in_use,
)

# -- activity types ---------------------------------------------------------------------


def _single_default(session: Session, row: ActivityType, _: bool) -> None:
    if row.is_default:
        session.execute(
            sa.update(ActivityType)
            .where(ActivityType.id != row.id, ActivityType.is_default.is_(True))
            .values(is_default=False)
        )


def _type_in_use(session: Session, row: ActivityType) -> str | None:
    used = count(session, Activity, Activity.activity_type_id == row.id)
    return f"{used} activities use it; give moveUsagesToGuid" if used else None


ACTIVITY_TYPES = EntityRules(
    model=ActivityType,
    what="activity type",
    columns=("name", "category", "code", "is_active", "is_default", "is_paid_leave", "calendar_sync"),
    required=("name", "category"),
    field_names={"is_active": "isActive", "is_default": "isDefault", "is_paid_leave": "isPaidLeave"},
    max_lengths={"name": 200, "code": 50},
    before_save=_one_of("category", CATEGORIES, "category"),
    after_save=_single_default,
    in_use=_type_in_use,
)

# -- customers and contacts -------------------------------------------------------------


def _customer_in_use(session: Session, row: Customer) -> str | None:
    if count(session, Project, Project.customer_id == row.id):
        return "it has projects"
    if count(session, Invoice, Invoice.customer_id == row.id):
        return "it has invoices"
    if count(session, Activity, Activity.customer_id == row.id, Activity.is_deleted.is_(False)):
        return "activities refer to it"
    if count(session, Contact, Contact.customer_id == row.id):
        return "it has contact persons; delete them first"
    return None


CUSTOMERS = EntityRules(
    model=Customer,
    what="customer",
    columns=("name", "number", "email", "website", "vat_number", "notes", "is_active", "is_internal"),
    references={"owner_guid": Reference("owner_user_id", User, "user")},
    required=("name",),
    unique=("number",),
    number_series=("customer", "number"),
    field_names={"vat_number": "vatNumber", "is_active": "isActive", "owner_guid": "owner.guid"},
    max_lengths={"name": 200, "email": 320, "website": 500},
    in_use=_customer_in_use,
)


def _contact_in_use(session: Session, row: Contact) -> str | None:
    used = count(session, ActivityParticipant, ActivityParticipant.contact_id == row.id)
    return f"the contact takes part in {used} activities" if used else None


CONTACTS = EntityRules(
    model=Contact,
    what="contact person",
    columns=("first_name", "last_name", "email", "phone", "job_title", "description", "is_active"),
    references={"customer_guid": Reference("customer_id", Customer, "customer")},
    required=("first_name", "last_name", "customer_guid"),
    field_names={
        "first_name": "firstName",
        "last_name": "lastName",
        "job_title": "jobTitle",
        "is_active": "isActive",
        "customer_guid": "customer.guid",
    },
    max_lengths={"first_name": 100, "last_name": 100},
    in_use=_contact_in_use,
)

RESOURCES = EntityRules(
    model=Resource,
    what="resource",
    columns=("name", "code", "email", "is_active"),
    required=("name",),
    unique=("code",),
    field_names={"is_active": "isActive"},
    in_use=lambda session, row: (
        "it is reserved for activities"
        if count(session, ActivityParticipant, ActivityParticipant.resource_id == row.id)
        else None
    ),
)

# -- organisation -----------------------------------------------------------------------

BUSINESS_UNITS = EntityRules(
    model=BusinessUnit,
    what="business unit",
    columns=("name", "code", "is_active"),
    references={"parent_guid": Reference("parent_id", BusinessUnit, "business unit")},
    required=("name",),
    unique=("code",),
    field_names={"is_active": "isActive", "parent_guid": "parentGuid"},
    max_lengths={"name": 200, "code": 50},
    in_use=lambda session, row: (
        "users or projects belong to it"
        if count(session, User, User.business_unit_id == row.id)
        or count(session, Project, Project.business_unit_id == row.id)
        else None
    ),
)

PRODUCTS = EntityRules(
    model=Product,
    what="product",
    columns=("name", "code", "type", "is_active", "measurement_unit", "unit_price", "currency_code", "vat_rate"),
    required=("name",),
    unique=("code",),
    field_names={"is_active": "isActive", "measurement_unit": "measurementUnit", "unit_price": "unitPrice.amount"},
    max_lengths={"name": 200, "code": 50},
    before_save=_one_of("type", PRODUCT_TYPES, "type"),
)

WORK_TYPES = EntityRules(
    model=WorkType,
    what="work type",
    columns=("name", "code", "is_active", "is_default", "is_productive"),
    required=("name",),
    unique=("code",),
    field_names={"is_active": "isActive", "is_default": "isDefault", "is_productive": "isProductive"},
    max_lengths={"name": 200, "code": 50},
)

# -- projects, phases, invoices ---------------------------------------------------------


def _root_phase(session: Session, project: Project, created: bool) -> None:
    if created:
        session.add(Phase(name=project.name, project_id=project.id))
        session.flush()


def _project_in_use(session: Session, row: Project) -> str | None:
    if count(session, Activity, Activity.project_id == row.id, Activity.is_deleted.is_(False)):
        return "activities refer to it"
    if count(session, Invoice, Invoice.project_id == row.id):
        return "it has invoices"
    return None


PROJECTS = EntityRules(
    model=Project,
    what="project",
    columns=("name", "number", "is_closed", "is_internal", "description", "start_date", "deadline"),
    references={
        "customer_guid": Reference("customer_id", Customer, "customer"),
        "owner_guid": Reference("owner_user_id", User, "user"),
        "business_unit_guid": Reference("business_unit_id", BusinessUnit, "business unit"),
    },
    required=("name", "customer_guid", "owner_guid"),
    unique=("number",),
    number_series=("project", "number"),
    field_names={
        "is_closed": "isClosed",
        "is_internal": "isInternal",
        "start_date": "startDate",
        "customer_guid": "customer.guid",
        "owner_guid": "projectOwner.guid",
        "business_unit_guid": "businessUnit.guid",
    },
    max_lengths={"name": 200},
    after_save=_root_phase,
    in_use=_project_in_use,
)


def _check_phase(session: Session, phase: Phase, values: dict[str, Any], problems: list[FieldProblem]) -> None:
    parent_guid = values.get("parent_phase_guid")
    if is_new(phase) and not parent_guid:
        problems.append(FieldProblem("parentPhase.guid", "a phase needs a parent phase (the project's root phase)"))
        return
    if parent_guid:
        parent = session.scalars(sa.select(Phase).where(Phase.guid == parent_guid)).one_or_none()
        if parent is not None:
            phase.project_id = parent.project_id
            if not is_new(phase) and parent.id == phase.id:
                problems.append(FieldProblem("parentPhase.guid", "a phase cannot be its own parent"))


PHASES = EntityRules(
    model=Phase,
    what="phase",
    columns=("name", "code", "is_completed", "is_locked", "start_date", "deadline", "sort_order"),
    references={"parent_phase_guid": Reference("parent_phase_id", Phase, "phase")},
    required=("name",),
    field_names={
        "is_completed": "isCompleted",
        "is_locked": "isLocked",
        "start_date": "startDate",
        "sort_order": "sortOrder",
        "parent_phase_guid": "parentPhase.guid",
    },
    max_lengths={"name": 200, "code": 50},
    before_save=_check_phase,
    in_use=lambda session, row: (
        "it is the project's root phase; delete the project instead"
        if row.parent_phase_id is None
        else ("activities refer to it" if count(session, Activity, Activity.phase_id == row.id) else None)
    ),
)


def _check_invoice(session: Session, invoice: Invoice, values: dict[str, Any], problems: list[FieldProblem]) -> None:
    if is_new(invoice) and values.get("date") is None:
        problems.append(FieldProblem("date", "date is required"))


def _invoice_defaults(session: Session, invoice: Invoice) -> None:
    due: date | None = getattr(invoice, "due_date", None)
    if due is None or due < invoice.date:
        invoice.due_date = invoice.date + timedelta(days=invoice.payment_term or 14)
    if getattr(invoice, "status_id", None) is None:
        invoice.status_id = session.scalar(sa.select(InvoiceStatus.id).order_by(InvoiceStatus.id).limit(1))


INVOICES = EntityRules(
    model=Invoice,
    what="invoice",
    columns=(
        "number",
        "date",
        "due_date",
        "payment_date",
        "payment_term",
        "total_excluding_tax",
        "total_tax",
        "currency_code",
        "reference_number",
        "notes",
    ),
    references={
        "customer_guid": Reference("customer_id", Customer, "customer"),
        "project_guid": Reference("project_id", Project, "project"),
        "status_guid": Reference("status_id", InvoiceStatus, "invoice status"),
    },
    required=("customer_guid",),
    unique=("number",),
    number_series=("invoice", "number"),
    field_names={
        "due_date": "dueDate",
        "payment_date": "paymentDate",
        "customer_guid": "customer.guid",
        "project_guid": "projects",
        "status_guid": "status.guid",
        "reference_number": "referenceNumber",
    },
    before_save=_check_invoice,
    complete=_invoice_defaults,
)
