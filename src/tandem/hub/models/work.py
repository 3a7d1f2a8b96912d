"""Projects with their phases, the product and work-type registers, invoices."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tandem.hub.models.common import Entity
from tandem.hub.models.crm import Customer
from tandem.hub.models.org import BusinessUnit, User

MONEY = sa.Numeric(18, 2)


class Product(Entity):
    __tablename__ = "products"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    type: Mapped[str | None] = mapped_column(sa.String(20), comment="FixedFees | Materials | Subcontracting")
    is_active: Mapped[bool] = mapped_column(default=True)
    measurement_unit: Mapped[str | None] = mapped_column(sa.String(20))
    unit_price: Mapped[Decimal | None] = mapped_column(MONEY)
    currency_code: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    vat_rate: Mapped[float | None] = mapped_column()


class WorkType(Entity):
    __tablename__ = "work_types"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    is_productive: Mapped[bool] = mapped_column(default=True)


class Project(Entity):
    __tablename__ = "projects"

    name: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    business_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_units.id"))
    owner_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    is_closed: Mapped[bool] = mapped_column(default=False)
    is_internal: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    start_date: Mapped[dt.date | None] = mapped_column()
    deadline: Mapped[dt.date | None] = mapped_column()

    customer: Mapped[Customer] = relationship(lazy="joined")
    business_unit: Mapped[BusinessUnit | None] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(lazy="joined")


class Phase(Entity):
    """A phase of a project. Every project has one root phase (no parent), as in Severa."""

    __tablename__ = "phases"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(50))
    project_id: Mapped[int] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    parent_phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phases.id", ondelete="CASCADE"))
    is_completed: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[dt.date | None] = mapped_column()
    deadline: Mapped[dt.date | None] = mapped_column()
    sort_order: Mapped[int | None] = mapped_column()

    project: Mapped[Project] = relationship(lazy="joined")
    parent: Mapped[Phase | None] = relationship(remote_side="Phase.id")


class InvoiceStatus(Entity):
    __tablename__ = "invoice_statuses"

    name: Mapped[str] = mapped_column(sa.String(100))
    is_paid: Mapped[bool] = mapped_column(default=False)
    is_sent: Mapped[bool] = mapped_column(default=False)
    is_waiting_payment: Mapped[bool] = mapped_column(default=False)


class Invoice(Entity):
    __tablename__ = "invoices"

    number: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    status_id: Mapped[int] = mapped_column(sa.ForeignKey("invoice_statuses.id"))
    date: Mapped[dt.date] = mapped_column()
    due_date: Mapped[dt.date] = mapped_column()
    payment_date: Mapped[dt.date | None] = mapped_column()
    payment_term: Mapped[int] = mapped_column(default=14)
    total_excluding_tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    total_tax: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    currency_code: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    reference_number: Mapped[str | None] = mapped_column(sa.String(50))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    customer: Mapped[Customer] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    status: Mapped[InvoiceStatus] = relationship(lazy="joined")
