"""The master-data resources of the hub, described for `crud.router_for`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tandem.domain.activity import Origin
from tandem.hub.api import inputs, query, views
from tandem.hub.api.crud import Resource, simple
from tandem.hub.models import (
    Activity,
    ActivityType,
    BusinessUnit,
    Contact,
    Customer,
    Invoice,
    InvoiceStatus,
    Phase,
    Product,
    Project,
    User,
    WorkType,
)
from tandem.hub.services import activities, entities, lookup
from tandem.hub.services.drafts import Actor, draft_of
from tandem.hub.services.errors import FieldProblem, ValidationFailed


def _flag(params: QueryParams, name: str, column: Any) -> list[sa.ColumnElement[bool]]:
    value = query.boolean(params, name)
    return [] if value is None else [column.is_(value)]


def _guids(params: QueryParams, name: str, model: Any, column: Any) -> list[sa.ColumnElement[bool]]:
    guids = query.many(params, name)
    if not guids:
        return []
    return [column.in_(sa.select(model.id).where(model.guid.in_(guids)))]


def _equals(params: QueryParams, name: str, column: Any) -> list[sa.ColumnElement[bool]]:
    value = query.text(params, name)
    return [] if value is None else [column == value]


def _activity_type_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where = _flag(params, "active", ActivityType.is_active)
    categories = query.choices(params, "category", entities.CATEGORIES)
    if categories:
        where.append(ActivityType.category.in_(categories))
    return where


def _move_usages(session: Session, row: ActivityType, params: QueryParams) -> None:
    target_guid = query.text(params, "moveUsagesToGuid")
    if target_guid is None:
        return
    target = lookup.find(session, ActivityType, target_guid)
    if target is None or target.id == row.id:
        raise ValidationFailed(FieldProblem("moveUsagesToGuid", "no other activity type has that guid", "UriParameter"))
    # Moving the type of activities is a change of each: through the activity service,
    # so the change log sees it.
    for activity in session.scalars(sa.select(Activity).where(Activity.activity_type_id == row.id)):
        draft = draft_of(activity, type_guid=target.guid)
        activities.update(session, activity, draft, Actor(Origin.API, "api"))


def _user_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where = _flag(params, "isActive", User.is_active) + _equals(params, "code", User.code)
    email = query.text(params, "email")
    if email is not None:
        where.append(User.email_key == email.strip().lower())
    return where + _guids(params, "businessUnitGuids", BusinessUnit, User.business_unit_id)


def _customer_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where = _flag(params, "isActive", Customer.is_active) + _flag(params, "isInternal", Customer.is_internal)
    numbers = query.integers(params, "numbers")
    if numbers:
        where.append(Customer.number.in_(numbers))
    emails = [e.lower() for e in query.many(params, "emailAddresses")]
    if emails:
        where.append(sa.func.lower(Customer.email).in_(emails))
    names = query.many(params, "customerNames")
    if names:
        where.append(Customer.name.in_(names))
    return where + _guids(params, "customerOwnerGuids", User, Customer.owner_user_id)


def _project_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where = _flag(params, "isClosed", Project.is_closed) + _flag(params, "internal", Project.is_internal)
    numbers = query.integers(params, "numbers")
    if numbers:
        where.append(Project.number.in_(numbers))
    guids = query.many(params, "projectGuids")
    if guids:
        where.append(Project.guid.in_(guids))
    return (
        where
        + _guids(params, "customerGuids", Customer, Project.customer_id)
        + _guids(params, "projectOwnerGuids", User, Project.owner_user_id)
        + _guids(params, "businessUnitGuids", BusinessUnit, Project.business_unit_id)
    )


def _invoice_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    numbers = query.integers(params, "numbers")
    if numbers:
        where.append(Invoice.number.in_(numbers))
    for name, op in (("startDate", "ge"), ("endDate", "le"), ("paymentDateStart", "pay")):
        moment = query.instant(params, name)
        if moment is None:
            continue
        if op == "ge":
            where.append(Invoice.date >= moment.date())
        elif op == "le":
            where.append(Invoice.date <= moment.date())
        else:
            where.append(Invoice.payment_date >= moment.date())
    refs = query.many(params, "referenceNumbers")
    if refs:
        where.append(Invoice.reference_number.in_(refs))
    return (
        where
        + _guids(params, "customerGuids", Customer, Invoice.customer_id)
        + _guids(params, "projectGuids", Project, Invoice.project_id)
        + _guids(params, "invoiceStatusGuids", InvoiceStatus, Invoice.status_id)
    )


def _project_view(session: Session, row: Project) -> dict[str, Any]:
    root = session.scalars(
        sa.select(Phase).where(Phase.project_id == row.id, Phase.parent_phase_id.is_(None)).order_by(Phase.id)
    ).first()
    return views.project(row, root)


def _phase_filters(params: QueryParams) -> list[sa.ColumnElement[bool]]:
    return _equals(params, "code", Phase.code) + _guids(params, "projectGuids", Project, Phase.project_id)


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "activitytypes",
        entities.ACTIVITY_TYPES,
        inputs.ActivityTypeIn,
        simple(views.activity_type),
        "settings",
        _activity_type_filters,
        delete_hook=_move_usages,
    ),
    Resource("users", entities.USERS, inputs.UserIn, simple(views.user), "users", _user_filters),
    Resource(
        "businessunits",
        entities.BUSINESS_UNITS,
        inputs.BusinessUnitIn,
        simple(views.business_unit),
        "settings",
        lambda p: (
            _flag(p, "active", BusinessUnit.is_active)
            + _equals(p, "code", BusinessUnit.code)
            + _equals(p, "name", BusinessUnit.name)
        ),
        paging="offset",
        operations=frozenset({"list", "get", "post", "patch"}),
        search=("name", "code"),
    ),
    Resource(
        "customers", entities.CUSTOMERS, inputs.CustomerIn, simple(views.customer), "customers", _customer_filters
    ),
    Resource(
        "contactpersons",
        entities.CONTACTS,
        inputs.ContactIn,
        simple(views.contact),
        "customers",
        lambda p: _flag(p, "active", Contact.is_active),
        paging="offset",
        search=("first_name", "last_name", "email"),
    ),
    Resource(
        "products",
        entities.PRODUCTS,
        inputs.ProductIn,
        simple(views.product),
        "settings",
        lambda p: (
            _flag(p, "isActive", Product.is_active)
            + _equals(p, "code", Product.code)
            + ([Product.type.in_(query.choices(p, "type", entities.PRODUCT_TYPES))] if query.many(p, "type") else [])
        ),
    ),
    Resource(
        "worktypes",
        entities.WORK_TYPES,
        inputs.WorkTypeIn,
        simple(views.work_type),
        "settings",
        lambda p: (
            _flag(p, "active", WorkType.is_active)
            + _flag(p, "productive", WorkType.is_productive)
            + _equals(p, "code", WorkType.code)
        ),
        paging="offset",
        search=("name", "code"),
    ),
    Resource("projects", entities.PROJECTS, inputs.ProjectIn, _project_view, "projects", _project_filters),
    Resource("phases", entities.PHASES, inputs.PhaseIn, simple(views.phase), "projects", _phase_filters),
    Resource(
        "invoices",
        entities.INVOICES,
        inputs.InvoiceIn,
        simple(views.invoice),
        "invoices",
        _invoice_filters,
        operations=frozenset({"list", "get", "patch", "delete"}),
    ),
)
