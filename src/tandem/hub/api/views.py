"""Rows as the Severa API shows them (the spec's *Model / *OutputModel schemas).

A field that may be unset and whose schema in the spec is a `$ref` (a nested model such
as `customer`, or a named enum such as a product's `type`) is passed through
`references()`, which leaves the key out when there is nothing to show instead of
sending null. OpenAPI 3.0 ignores every keyword beside a `$ref`, `nullable: true`
included, so a client generated from the spec (openapi-python-client) refuses a null
there (BEY-8); hand-written clients read a missing key as they read null (`.get`), and
JSON Patch over the representation treats it the same way (`patch.py`). Plain fields (`location`, `notes`, dates, …) are
declared `type: …, nullable: true` and keep their nulls.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tandem.hub import recurrence as rec
from tandem.hub.models import (
    Activity,
    ActivityParticipant,
    ActivityType,
    BusinessUnit,
    Contact,
    Customer,
    Invoice,
    OrganizationSettings,
    Phase,
    Product,
    Project,
    Resource,
    User,
    WorkType,
)
from tandem.hub.services.drafts import exdates

WORK_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def references(**fields: Any) -> dict[str, Any]:
    """The `$ref` fields of a representation that are set; an unset one is left out.

    Spread into a view (`**references(customer=..., createdBy=None)`): naming a field
    here, even one Tandem never fills, is what says its schema is a `$ref`.
    """
    return {name: value for name, value in fields.items() if value is not None}


def stamp(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(amount: Decimal | float | None, currency: str | None) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": float(amount), "currencyCode": currency, "multiCurrencyInfo": None}


def _stamps(row: Any) -> dict[str, Any]:
    return {"createdDateTime": stamp(row.created_at), "lastUpdatedDateTime": stamp(row.updated_at)}


def user_ref(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {
        "guid": user.guid,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "name": user.full_name,
        "code": user.code,
    }


def business_unit_ref(unit: BusinessUnit | None) -> dict[str, Any] | None:
    if unit is None:
        return None
    return {"guid": unit.guid, "name": unit.name, "code": unit.code}


def activity_type(row: ActivityType) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "category": row.category,
        "code": row.code,
        "isActive": row.is_active,
        "isDefault": row.is_default,
        "isPaidLeave": row.is_paid_leave,
        **_stamps(row),
    }


def user(row: User) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "email": row.email,
        "code": row.code,
        "isActive": row.is_active,
        "phone": row.phone,
        "title": row.title,
        "notes": row.notes,
        "lastLogin": stamp(row.last_login),
        "keywords": [],
        **references(
            timezone={"guid": None, "ianaName": row.time_zone, "name": row.time_zone, "systemName": None},
            businessUnit=business_unit_ref(row.business_unit),
            defaultActivityType=None,
        ),
        **_stamps(row),
    }


def business_unit(row: BusinessUnit) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "code": row.code,
        "isActive": row.is_active,
        "parentGuid": row.parent.guid if row.parent else None,
        **_stamps(row),
    }


def customer(row: Customer) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "number": row.number,
        "email": row.email,
        "website": row.website,
        "vatNumber": row.vat_number,
        "notes": row.notes,
        "isActive": row.is_active,
        "isInternal": row.is_internal,
        **references(owner=user_ref(row.owner)),
        **_stamps(row),
    }


def contact(row: Contact) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "name": row.full_name,
        "customer": {"guid": row.customer.guid, "name": row.customer.name, "number": row.customer.number},
        "emails": [row.email] if row.email else [],
        "phoneNumbers": [row.phone] if row.phone else [],
        "jobTitle": row.job_title,
        "description": row.description,
        "isActive": row.is_active,
        "isDeleted": False,
        **_stamps(row),
    }


def resource(row: Resource) -> dict[str, Any]:
    return {"guid": row.guid, "name": row.name, "code": row.code, "email": row.email, "isActive": row.is_active}


def product(row: Product) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "code": row.code,
        "isActive": row.is_active,
        "measurementUnit": row.measurement_unit,
        "vatRate": row.vat_rate,
        **references(type=row.type, unitPrice=money(row.unit_price, row.currency_code)),
        **_stamps(row),
    }


def work_type(row: WorkType) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "code": row.code,
        "isActive": row.is_active,
        "isDefault": row.is_default,
        "isProductive": row.is_productive,
        **_stamps(row),
    }


def project(row: Project, root_phase: Phase | None = None) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "number": row.number,
        "customer": {"guid": row.customer.guid, "name": row.customer.name, "number": row.customer.number},
        "isClosed": row.is_closed,
        "isInternal": row.is_internal,
        "description": row.description,
        "startDate": day(row.start_date),
        "deadline": day(row.deadline),
        "keywords": [],
        **references(
            businessUnit=business_unit_ref(row.business_unit),
            projectOwner=user_ref(row.owner),
            rootPhase={"guid": root_phase.guid, "name": root_phase.name} if root_phase else None,
        ),
        **_stamps(row),
    }


def phase(row: Phase) -> dict[str, Any]:
    return {
        "guid": row.guid,
        "name": row.name,
        "code": row.code,
        "project": {
            "guid": row.project.guid,
            "name": row.project.name,
            "number": row.project.number,
            "isClosed": row.project.is_closed,
            "isInternal": row.project.is_internal,
        },
        **references(parentPhase={"guid": row.parent.guid, "name": row.parent.name} if row.parent else None),
        "isCompleted": row.is_completed,
        "isLocked": row.is_locked,
        "startDate": day(row.start_date),
        "deadline": day(row.deadline),
        "sortOrder": row.sort_order,
        **_stamps(row),
    }


def invoice(row: Invoice) -> dict[str, Any]:
    customer_ref = {"guid": row.customer.guid, "name": row.customer.name, "number": row.customer.number}
    status = row.status
    return {
        "guid": row.guid,
        "number": row.number,
        "customer": customer_ref,
        "billingCustomer": customer_ref,
        "projects": (
            [{"guid": row.project.guid, "name": row.project.name, "number": row.project.number}] if row.project else []
        ),
        "date": day(row.date),
        "dueDate": day(row.due_date),
        "paymentDate": day(row.payment_date),
        "paymentTerm": row.payment_term,
        "status": {
            "guid": status.guid,
            "name": status.name,
            "isPaid": status.is_paid,
            "isSent": status.is_sent,
            "isWaitingPayment": status.is_waiting_payment,
        },
        "totalExcludingTax": money(row.total_excluding_tax, row.currency_code),
        "totalTax": money(row.total_tax, row.currency_code),
        "totalIncludingTax": money(row.total_excluding_tax + row.total_tax, row.currency_code),
        "currency": {"guid": row.currency_code, "code": row.currency_code, "name": row.currency_code, "symbol": None},
        "referenceNumber": row.reference_number,
        "notes": row.notes,
        "isCreditNote": False,
        "canBeDeleted": not status.is_sent and not status.is_paid,
        **_stamps(row),
    }


def organization_settings(row: OrganizationSettings) -> dict[str, Any]:
    return {
        "nextCustomerNumber": row.next_customer_number,
        "lastCustomerNumber": row.last_customer_number or 0,
        "nextProjectNumber": row.next_project_number,
        "lastProjectNumber": row.last_project_number,
        "nextInvoiceNumber": row.next_invoice_number,
        "lastInvoiceNumber": row.last_invoice_number,
        "workWeek": WORK_WEEK,
        "displayProjectNumber": True,
        "isCustomerSearchAllowed": True,
    }


# -- activities -------------------------------------------------------------------------


def _local(activity: Activity, value: datetime) -> str:
    return value.astimezone(ZoneInfo(activity.time_zone)).isoformat()


def _all_day_edge(activity: Activity, value: date | None) -> str | None:
    if value is None:
        return None
    return datetime.combine(value, time(), ZoneInfo(activity.time_zone)).isoformat()


def _exception_stamps(activity: Activity, exception_starts: list[datetime | date]) -> list[str]:
    stamps = []
    for value in [*exdates(activity), *exception_starts]:
        if isinstance(value, datetime):
            stamps.append(_local(activity, value))
        else:
            stamps.append(_all_day_edge(activity, value) or "")
    return sorted(stamps)


def activity(row: Activity, exception_starts: list[datetime | date] | None = None) -> dict[str, Any]:
    """ActivityModel. `timeZone` (the IANA zone) is Tandem's addition to the shape."""
    if row.is_all_day:
        start, end = _all_day_edge(row, row.start_date), _all_day_edge(row, row.end_date)
    else:
        start, end = _local(row, row.start_at), _local(row, row.end_at)
    recurrence = None
    if row.rrule:
        recurrence = rec.from_rrule(row.rrule, row.time_zone)
        if recurrence is not None:
            recurrence["exceptions"] = _exception_stamps(row, exception_starts or [])
            recurrence["lastOccurrenceDateTime"] = None
    original: str | None = None
    if row.original_start_date is not None:
        original = _all_day_edge(row, row.original_start_date)
    elif row.original_start_at is not None:
        original = _local(row, row.original_start_at)
    if row.rrule:
        recurrence_type = "Series"
    elif row.recurrence_parent_id is not None:
        recurrence_type = "Exception"
    else:
        recurrence_type = "None"
    return {
        "guid": row.guid,
        "name": row.name,
        "activityType": {
            "guid": row.activity_type.guid,
            "name": row.activity_type.name,
            "category": row.activity_type.category,
        },
        "ownerUser": {"guid": row.owner.guid, "name": row.owner.full_name, "code": row.owner.code, "keywords": []},
        "startDateTime": start,
        "endDateTime": end,
        "timeZone": row.time_zone,
        "isAllDay": row.is_all_day,
        "hasDuration": row.end_at > row.start_at,
        "hasHours": False,
        "isClosed": row.is_closed,
        "isUnassigned": False,
        "location": row.location,
        "notes": row.notes,
        "recurrenceRule": row.rrule,
        "recurrenceType": recurrence_type,
        "recurrenceParentActivityGuid": row.recurrence_parent.guid if row.recurrence_parent else None,
        "originalStartDateTime": original,
        **references(
            customer={"guid": row.customer.guid, "name": row.customer.name, "number": row.customer.number}
            if row.customer
            else None,
            phase=_phase_ref(row.phase),
            projectTaskStatus=None,
            recurrence=recurrence,
            createdBy=None,
            lastUpdatedBy=None,
        ),
        **_stamps(row),
    }


def _phase_ref(row: Phase | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "guid": row.guid,
        "name": row.name,
        "isLocked": row.is_locked,
        "projectGuid": row.project.guid,
        "projectName": row.project.name,
        "projectNumber": row.project.number,
        "projectOwnerGuid": row.project.owner.guid,
    }


def participant(row: ActivityParticipant) -> dict[str, Any]:
    ref = row.user or row.contact or row.resource
    return {
        "guid": row.guid,
        "activityGuid": row.activity.guid,
        "participantGuid": ref.guid if ref is not None else row.guid,
        "type": row.kind,
        "status": row.status,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "mobilePhone": row.mobile_phone,
        "isActive": getattr(ref, "is_active", True) if ref is not None else True,
    }
