"""SQLAlchemy Core tables of a Visma Business database, named from the settings.

Only the columns Tandem reads or writes are declared (plus a few a demo database
looks odd without). Against a real installation the tables already exist and are
only queried; `VismaTables.metadata.create_all` is for the demo and the tests.

`EntityTable` says, per master-data entity, where its rows live: the table, the
key column, the row identity, which neutral field is which column, which rows
belong to the entity (an Actor is a customer when CustNo > 0), the Group fields,
the PSA-guid information field and the change stamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tandem.connectors.visma_business.settings import INFO_FIELDS, SeriesColumns, VismaBusinessSettings
from tandem.domain.erp import GROUP_FIELDS, ErpEntity

INFO_LENGTH = 80


def _common(settings: VismaBusinessSettings) -> list[sa.Column[Any]]:
    """Group fields, information fields and the change stamp every master table has."""
    change = settings.change
    return [
        *(sa.Column(name, sa.Integer, nullable=False, server_default="0") for name in GROUP_FIELDS),
        *(sa.Column(name, sa.String(INFO_LENGTH)) for name in INFO_FIELDS),
        sa.Column(change.date, sa.Integer),
        sa.Column(change.time, sa.Integer),
        sa.Column(change.user, sa.String(20)),
    ]


def _stamp(settings: VismaBusinessSettings) -> list[sa.Column[Any]]:
    change = settings.change
    return [
        sa.Column(change.date, sa.Integer),
        sa.Column(change.time, sa.Integer),
        sa.Column(change.user, sa.String(20)),
    ]


def _actor(metadata: sa.MetaData, settings: VismaBusinessSettings) -> sa.Table:
    actor = settings.actor
    return sa.Table(
        actor.table,
        metadata,
        sa.Column(actor.row_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(actor.customer_no, sa.Integer, nullable=False, server_default="0"),
        sa.Column(actor.supplier_no, sa.Integer, nullable=False, server_default="0"),
        sa.Column(actor.employee_no, sa.Integer, nullable=False, server_default="0"),
        sa.Column(actor.name, sa.String(settings.name_max_length.get(ErpEntity.CUSTOMER, 50))),
        sa.Column(actor.email, sa.String(settings.email_max_length)),
        sa.Column(actor.phone, sa.String(30)),
        *_common(settings),
    )


def _product(metadata: sa.MetaData, settings: VismaBusinessSettings) -> sa.Table:
    product = settings.product
    return sa.Table(
        product.table,
        metadata,
        sa.Column(product.product_no, sa.String(settings.product_no_max_length), primary_key=True),
        sa.Column(product.description, sa.String(settings.name_max_length.get(ErpEntity.PRODUCT, 60))),
        sa.Column(product.product_group, sa.Integer, nullable=False, server_default="0"),
        *_common(settings),
    )


def _unit(metadata: sa.MetaData, settings: VismaBusinessSettings, table: str, entity: ErpEntity) -> sa.Table:
    unit = settings.unit
    return sa.Table(
        table,
        metadata,
        sa.Column(unit.number, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(unit.name, sa.String(settings.name_max_length.get(entity, 30))),
        *_common(settings),
    )


def _orders(metadata: sa.MetaData, settings: VismaBusinessSettings) -> tuple[sa.Table, sa.Table]:
    order = settings.order
    orders = sa.Table(
        order.table,
        metadata,
        sa.Column(order.order_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(order.customer_no, sa.Integer, nullable=False),
        sa.Column(order.invoice_no, sa.Integer),
        sa.Column(order.order_date, sa.Integer),
        sa.Column(settings.projects_table, sa.Integer, nullable=False, server_default="0"),
        sa.Column(settings.psa_guid_field, sa.String(INFO_LENGTH)),
        *_stamp(settings),
    )
    lines = sa.Table(
        order.line_table,
        metadata,
        sa.Column(order.order_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(order.line_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(order.line_product_no, sa.String(settings.product_no_max_length)),
        sa.Column(order.line_description, sa.String(80)),
        sa.Column(order.line_quantity, sa.Numeric(18, 4), nullable=False),
        sa.Column(order.line_price, sa.Numeric(18, 2), nullable=False),
        *_stamp(settings),
    )
    return orders, lines


def _ledger(metadata: sa.MetaData, settings: VismaBusinessSettings) -> sa.Table:
    ledger = settings.ledger
    return sa.Table(
        ledger.table,
        metadata,
        sa.Column(ledger.entry_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(ledger.customer_no, sa.Integer, nullable=False),
        sa.Column(ledger.voucher_no, sa.Integer),
        sa.Column(ledger.voucher_date, sa.Integer),
        sa.Column(ledger.invoice_no, sa.Integer, index=True),
        sa.Column(ledger.amount, sa.Numeric(18, 2), nullable=False),
        sa.Column(ledger.remaining, sa.Numeric(18, 2), nullable=False),
        *_stamp(settings),
    )


def _series(metadata: sa.MetaData, settings: VismaBusinessSettings, columns: SeriesColumns) -> sa.Table:
    return sa.Table(
        columns.table,
        metadata,
        sa.Column(columns.series_no, sa.Integer, primary_key=True, autoincrement=False),
        sa.Column(columns.description, sa.String(60)),
        sa.Column(columns.first, sa.Integer, nullable=False),
        sa.Column(columns.last, sa.Integer),
        *_stamp(settings),
    )


@dataclass(frozen=True, slots=True)
class EntityTable:
    entity: ErpEntity
    table: sa.Table
    key: sa.Column[Any]
    row_id: sa.Column[Any]
    fields: Mapping[str, sa.Column[Any]]
    member: sa.ColumnElement[bool] | None
    """Which rows of the table are this entity (None: all of them)."""
    numeric_key: bool
    groups: Mapping[str, sa.Column[Any]]
    psa_guid: sa.Column[Any]
    changed_date: sa.Column[Any]
    changed_time: sa.Column[Any]
    changed_user: sa.Column[Any]

    @property
    def numeric_row_id(self) -> bool:
        return not isinstance(self.row_id.type, sa.String)


@dataclass(frozen=True, slots=True)
class VismaTables:
    metadata: sa.MetaData
    actor: sa.Table
    product: sa.Table
    departments: sa.Table
    projects: sa.Table
    orders: sa.Table
    order_lines: sa.Table
    ledger: sa.Table
    voucher_series: sa.Table
    customer_series: sa.Table
    entities: Mapping[ErpEntity, EntityTable]


def _entity(
    settings: VismaBusinessSettings,
    entity: ErpEntity,
    table: sa.Table,
    key: str,
    row_id: str,
    fields: Mapping[str, str],
    member: sa.ColumnElement[bool] | None,
) -> EntityTable:
    change = settings.change
    return EntityTable(
        entity=entity,
        table=table,
        key=table.c[key],
        row_id=table.c[row_id],
        fields={name: table.c[column] for name, column in fields.items()},
        member=member,
        numeric_key=not isinstance(table.c[key].type, sa.String),
        groups={name: table.c[name] for name in GROUP_FIELDS},
        psa_guid=table.c[settings.psa_guid_field],
        changed_date=table.c[change.date],
        changed_time=table.c[change.time],
        changed_user=table.c[change.user],
    )


def _entities(
    settings: VismaBusinessSettings, actor: sa.Table, product: sa.Table, departments: sa.Table, projects: sa.Table
) -> dict[ErpEntity, EntityTable]:
    a, u, p = settings.actor, settings.unit, settings.product
    person = {"name": a.name, "email": a.email}
    return {
        ErpEntity.DEPARTMENT: _entity(
            settings, ErpEntity.DEPARTMENT, departments, u.number, u.number, {"name": u.name}, None
        ),
        ErpEntity.PRODUCT: _entity(
            settings, ErpEntity.PRODUCT, product, p.product_no, p.product_no, {"name": p.description}, None
        ),
        ErpEntity.EMPLOYEE: _entity(
            settings, ErpEntity.EMPLOYEE, actor, a.employee_no, a.row_no, person, actor.c[a.employee_no] > 0
        ),
        ErpEntity.CUSTOMER: _entity(
            settings, ErpEntity.CUSTOMER, actor, a.customer_no, a.row_no, person, actor.c[a.customer_no] > 0
        ),
        ErpEntity.PROJECT: _entity(settings, ErpEntity.PROJECT, projects, u.number, u.number, {"name": u.name}, None),
    }


def build_tables(settings: VismaBusinessSettings) -> VismaTables:
    """The tables as `settings` name them; builds objects only, touches no database."""
    metadata = sa.MetaData()
    actor = _actor(metadata, settings)
    product = _product(metadata, settings)
    departments = _unit(metadata, settings, settings.departments_table, ErpEntity.DEPARTMENT)
    projects = _unit(metadata, settings, settings.projects_table, ErpEntity.PROJECT)
    orders, order_lines = _orders(metadata, settings)
    entities = _entities(settings, actor, product, departments, projects)
    return VismaTables(
        metadata=metadata,
        actor=actor,
        product=product,
        departments=departments,
        projects=projects,
        orders=orders,
        order_lines=order_lines,
        ledger=_ledger(metadata, settings),
        voucher_series=_series(metadata, settings, settings.voucher_series),
        customer_series=_series(metadata, settings, settings.customer_number_series),
        entities=entities,
    )
