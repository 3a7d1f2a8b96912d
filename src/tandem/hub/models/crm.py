"""Customers, their contact people, and bookable resources (reservations)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tandem.hub.models.common import Entity
from tandem.hub.models.org import User


class Customer(Entity):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(sa.String(200))
    number: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    vat_number: Mapped[str | None] = mapped_column(sa.String(50))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_internal: Mapped[bool] = mapped_column(default=False)
    owner_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    owner: Mapped[User | None] = relationship(lazy="joined")


class Contact(Entity):
    __tablename__ = "contacts"

    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    job_title: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)

    customer: Mapped[Customer] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Resource(Entity):
    """Something booked with an activity: a meeting room, a projector, a car."""

    __tablename__ = "resources"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320))
    is_active: Mapped[bool] = mapped_column(default=True)
