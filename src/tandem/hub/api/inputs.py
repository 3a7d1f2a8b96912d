"""Request bodies: the writable fields of the spec's models, with the spec's names.

Python field names are the services' names; aliases are the API's. `values()` turns a
validated body into the mapping the services take: references become guids, money
becomes its amount. Read-only and unknown fields are ignored, so a client may send a
representation back as it got it.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tandem.domain import limits

Category = Literal["Personal", "Absences", "CalendarEntry", "SalesEvent", "Task"]
ParticipantType = Literal["User", "Contact", "Resource", "Other"]
MemberStatus = Literal["Unknown", "Invited", "Accepted", "Tentative", "Declined"]
ProductType = Literal["FixedFees", "Materials", "Subcontracting"]


class Ref(BaseModel):
    model_config = ConfigDict(extra="ignore")
    guid: str | None = None


class RequiredRef(BaseModel):
    model_config = ConfigDict(extra="ignore")
    guid: str = Field(min_length=1)


class Money(BaseModel):
    model_config = ConfigDict(extra="ignore")
    amount: float | None = None
    currencyCode: str | None = None


class TimeZoneIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    ianaName: str | None = None


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.model_fields_set:
            value = getattr(self, name)
            if isinstance(value, Ref | RequiredRef):
                value = value.guid
            elif isinstance(value, Money):
                value = Decimal(str(value.amount)) if value.amount is not None else None
            elif isinstance(value, TimeZoneIn):
                value = value.ianaName
            out[name] = value
        return out


class ActivityTypeIn(Body):
    name: str = Field(min_length=1, max_length=200)
    category: Category
    code: str | None = Field(None, max_length=50)
    is_active: bool = Field(True, alias="isActive")
    is_default: bool = Field(False, alias="isDefault")
    is_paid_leave: bool | None = Field(None, alias="isPaidLeave")


class UserIn(Body):
    first_name: str = Field(alias="firstName", min_length=1, max_length=100)
    last_name: str = Field(alias="lastName", min_length=1, max_length=100)
    email: str | None = Field(None, max_length=320)
    code: str | None = Field(None, max_length=50)
    is_active: bool = Field(True, alias="isActive")
    phone: str | None = Field(None, max_length=50)
    notes: str | None = None
    time_zone: TimeZoneIn | None = Field(None, alias="timezone")
    default_activity_type_guid: Ref | None = Field(None, alias="defaultActivityType")
    business_unit_guid: RequiredRef | None = Field(None, alias="businessUnit")

    def values(self) -> dict[str, Any]:
        out = super().values()
        if out.get("time_zone") is None:
            out.pop("time_zone", None)
        return out


class BusinessUnitIn(Body):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50)
    is_active: bool = Field(True, alias="isActive")
    parent_guid: str | None = Field(None, alias="parentGuid")


class CustomerIn(Body):
    name: str = Field(min_length=1, max_length=200)
    number: int | None = Field(None, ge=0, le=2**62)
    email: str | None = Field(None, max_length=320)
    website: str | None = Field(None, max_length=500)
    vat_number: str | None = Field(None, alias="vatNumber", max_length=50)
    notes: str | None = None
    is_active: bool = Field(True, alias="isActive")
    owner_guid: Ref | None = Field(None, alias="owner")


class ContactIn(Body):
    first_name: str = Field(alias="firstName", min_length=1, max_length=100)
    last_name: str = Field(alias="lastName", min_length=1, max_length=100)
    customer_guid: RequiredRef = Field(alias="customer")
    email: str | None = Field(None, max_length=320, description="Tandem: the contact's email")
    phone: str | None = Field(None, max_length=50, description="Tandem: the contact's phone")
    job_title: str | None = Field(None, alias="jobTitle", max_length=200)
    description: str | None = None
    is_active: bool = Field(True, alias="isActive")


class ResourceIn(Body):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50)
    email: str | None = Field(None, max_length=320)
    is_active: bool = Field(True, alias="isActive")


class ProductIn(Body):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50)
    type: ProductType | None = None
    is_active: bool | None = Field(True, alias="isActive")
    measurement_unit: str | None = Field(None, alias="measurementUnit", max_length=20)
    unit_price: Money | None = Field(None, alias="unitPrice")
    vat_rate: float | None = Field(None, alias="vatRate", ge=0, le=100)

    def values(self) -> dict[str, Any]:
        out = super().values()
        if out.get("is_active") is None and "is_active" in out:
            out["is_active"] = True
        if self.unit_price is not None and self.unit_price.currencyCode:
            out["currency_code"] = self.unit_price.currencyCode[:3]
        return out


class WorkTypeIn(Body):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50)
    is_active: bool = Field(True, alias="isActive")
    is_default: bool = Field(False, alias="isDefault")
    is_productive: bool = Field(True, alias="isProductive")


class ProjectIn(Body):
    name: str = Field(min_length=1, max_length=200)
    number: int | None = Field(None, ge=0, le=2**62)
    customer_guid: RequiredRef = Field(alias="customer")
    owner_guid: Ref = Field(alias="projectOwner")
    business_unit_guid: RequiredRef | None = Field(None, alias="businessUnit")
    is_closed: bool = Field(False, alias="isClosed")
    is_internal: bool = Field(False, alias="isInternal")
    description: str | None = None
    start_date: date | None = Field(None, alias="startDate")
    deadline: date | None = None


class PhaseIn(Body):
    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=50)
    parent_phase_guid: Ref | None = Field(None, alias="parentPhase")
    is_completed: bool = Field(False, alias="isCompleted")
    is_locked: bool = Field(False, alias="isLocked")
    start_date: date | None = Field(None, alias="startDate")
    deadline: date | None = None
    sort_order: int | None = Field(None, alias="sortOrder", ge=-(2**31), le=2**31 - 1)


class InvoiceIn(Body):
    """What a PATCH of an invoice may change. `totalExcludingTax`/`totalTax` amounts are
    Tandem's addition (Severa derives them from invoice rows, which Tandem does not keep)."""

    date: dt.date
    due_date: dt.date | None = Field(None, alias="dueDate")
    payment_date: dt.date | None = Field(None, alias="paymentDate")
    payment_term: int = Field(14, alias="paymentTerm", ge=0, le=3650)
    reference_number: str | None = Field(None, alias="referenceNumber", max_length=50)
    notes: str | None = None
    status_guid: RequiredRef | None = Field(None, alias="status")
    total_excluding_tax: Money | None = Field(None, alias="totalExcludingTax")
    total_tax: Money | None = Field(None, alias="totalTax")

    def values(self) -> dict[str, Any]:
        out = super().values()
        for key in ("total_excluding_tax", "total_tax"):
            if key in out and out[key] is None:
                out[key] = Decimal("0")
        if out.get("status_guid") is None:
            out.pop("status_guid", None)
        return out


class CreateInvoiceIn(Body):
    projects: list[RequiredRef] = Field(min_length=1)
    billing_customer_guid: str | None = Field(None, alias="billingCustomerGuid")
    date: dt.date | None = None
    invoice_status_guid: str | None = Field(None, alias="invoiceStatusGuid")
    group_projects: bool = Field(False, alias="groupProjects")


Ordinal = Literal["First", "Second", "Third", "Fourth", "Last"]
OrdinalOption = Literal[
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "WeekDay", "Saturday", "WeekendDay", "Day"
]
Month = Literal[
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip


class Shape(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DailyIn(Shape):
    everyWeekday: bool = False
    interval: int | None = Field(None, ge=1, le=999)


class WeeklyIn(Shape):
    interval: int = Field(1, ge=1, le=999)
    monday: bool = False
    tuesday: bool = False
    wednesday: bool = False
    thursday: bool = False
    friday: bool = False
    saturday: bool = False
    sunday: bool = False


class MonthlyIn(Shape):
    interval: int = Field(1, ge=1, le=999)
    dayOfMonth: int | None = Field(None, ge=1, le=31)
    dayOrdinal: Ordinal | None = None
    dayOrdinalOption: OrdinalOption | None = None


class YearlyIn(Shape):
    month: Month | None = None
    dayOfMonth: int | None = Field(None, ge=1, le=31)
    dayOrdinal: Ordinal | None = None
    dayOrdinalOption: OrdinalOption | None = None


class PatternIn(Shape):
    daily: DailyIn | None = None
    weekly: WeeklyIn | None = None
    monthly: MonthlyIn | None = None
    yearly: YearlyIn | None = None


class RangeIn(Shape):
    maxOccurrences: int | None = Field(None, ge=1, le=limits.MAX_OCCURRENCES)
    recursUntilDate: dt.date | None = None


class RecurrenceIn(Shape):
    """ActivityRecurrenceModel; `exceptions` and `lastOccurrenceDateTime` are read-only."""

    frequency: Literal["Daily", "Weekly", "Monthly", "Yearly"]
    pattern: PatternIn | None = None
    range: RangeIn | None = None


class ActivityIn(Body):
    name: str = Field(min_length=1, max_length=limits.MAX_ACTIVITY_NAME)
    activity_type: RequiredRef = Field(alias="activityType")
    owner_user: RequiredRef = Field(alias="ownerUser")
    start: datetime = Field(alias="startDateTime")
    end: datetime | None = Field(None, alias="endDateTime")
    time_zone: str | None = Field(None, alias="timeZone", max_length=64, description="Tandem: IANA zone")
    is_all_day: bool = Field(False, alias="isAllDay")
    location: str | None = Field(None, max_length=limits.MAX_LOCATION)
    notes: str | None = None
    is_closed: bool = Field(False, alias="isClosed")
    customer: Ref | None = None
    phase: Ref | None = None
    recurrence: RecurrenceIn | None = None
    recurrence_parent_guid: str | None = Field(None, alias="recurrenceParentActivityGuid")
    original_start: datetime | None = Field(
        None, alias="originalStartDateTime", description="Tandem: the occurrence an exception replaces"
    )

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if limits.is_blank(value):
            raise ValueError("name cannot be blank")
        return value


class ParticipantIn(Body):
    activity_guid: str = Field(alias="activityGuid", min_length=1)
    participant_guid: str | None = Field(None, alias="participantGuid")
    type: ParticipantType = "User"
    status: MemberStatus = "Unknown"
    email: str | None = Field(None, max_length=limits.MAX_EMAIL, description="Tandem: an Other participant's email")
    name: str | None = Field(
        None, max_length=limits.MAX_PARTICIPANT_NAME, description="Tandem: an Other participant's name"
    )
    phone: str | None = Field(None, max_length=50)
    mobile_phone: str | None = Field(None, alias="mobilePhone", max_length=50)

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        if value is not None and not limits.is_email(value.strip()):
            raise ValueError(f"{value!r} is not an email address")
        return value


class ParticipantPatch(Body):
    status: MemberStatus = "Unknown"
    phone: str | None = Field(None, max_length=50)
    mobile_phone: str | None = Field(None, alias="mobilePhone", max_length=50)
