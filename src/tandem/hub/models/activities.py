"""Activity types, activities with participants, and the change log (the outbox).

An activity keeps both its instants and, for all-day activities, its dates:
`start_at`/`end_at` are always set (for all-day ones, local midnight in `time_zone`)
so one index serves every range query, while `start_date`/`end_date` (end exclusive)
are the truth for all-day activities.

Deleted activities stay as tombstones (`is_deleted`) until the retention passes, so a
deletion can reach every calendar it touched.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tandem.hub.models.common import Entity, utcnow
from tandem.hub.models.crm import Contact, Customer, Resource
from tandem.hub.models.org import User
from tandem.hub.models.work import Phase, Project
from tandem.store.base import Base

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class ActivityType(Entity):
    __tablename__ = "activity_types"

    name: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(20))
    code: Mapped[str | None] = mapped_column(sa.String(50))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_default: Mapped[bool] = mapped_column(default=False)
    is_paid_leave: Mapped[bool | None] = mapped_column()
    calendar_sync: Mapped[bool] = mapped_column(
        default=False, comment="CAL-5: activities of this type go to the calendar"
    )


class Activity(Entity):
    __tablename__ = "activities"
    __table_args__ = (
        sa.Index("ix_activities_owner_start", "owner_user_id", "start_at"),
        sa.Index("ix_activities_start_end", "start_at", "end_at"),
    )

    name: Mapped[str] = mapped_column(sa.String(500))
    activity_type_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_types.id"), index=True)
    owner_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    start_at: Mapped[datetime] = mapped_column()
    end_at: Mapped[datetime] = mapped_column()
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    is_all_day: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None] = mapped_column()
    end_date: Mapped[date | None] = mapped_column(comment="exclusive")
    location: Mapped[str | None] = mapped_column(sa.String(1000))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    is_closed: Mapped[bool] = mapped_column(default=False)
    customer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(sa.ForeignKey("projects.id"), index=True)
    phase_id: Mapped[int | None] = mapped_column(sa.ForeignKey("phases.id"))
    rrule: Mapped[str | None] = mapped_column(sa.Text, comment="RFC 5545 RRULE value, no prefix")
    exdates: Mapped[str | None] = mapped_column(sa.Text, comment="JSON list of ISO instants or dates")
    recurrence_parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("activities.id"), index=True)
    original_start_at: Mapped[datetime | None] = mapped_column()
    original_start_date: Mapped[date | None] = mapped_column()
    is_deleted: Mapped[bool] = mapped_column(default=False, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)
    extra: Mapped[str | None] = mapped_column(sa.Text, comment="JSON object: marks the sync keeps (never shown)")
    created_by: Mapped[str | None] = mapped_column(sa.String(100), comment="origin and who: 'api:client-id'")
    updated_by: Mapped[str | None] = mapped_column(sa.String(100))

    activity_type: Mapped[ActivityType] = relationship(lazy="joined")
    owner: Mapped[User] = relationship(lazy="joined")
    customer: Mapped[Customer | None] = relationship(lazy="joined")
    project: Mapped[Project | None] = relationship(lazy="joined")
    phase: Mapped[Phase | None] = relationship(lazy="joined")
    recurrence_parent: Mapped[Activity | None] = relationship(remote_side="Activity.id")
    participants: Mapped[list[ActivityParticipant]] = relationship(
        back_populates="activity",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="ActivityParticipant.id",
    )


class ActivityParticipant(Entity):
    __tablename__ = "activity_participants"

    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), comment="User | Contact | Resource | Other")
    status: Mapped[str] = mapped_column(sa.String(10), default="Unknown")
    email: Mapped[str | None] = mapped_column(sa.String(320))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resources.id"))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    mobile_phone: Mapped[str | None] = mapped_column(sa.String(50))

    activity: Mapped[Activity] = relationship(back_populates="participants")
    user: Mapped[User | None] = relationship(lazy="joined")
    contact: Mapped[Contact | None] = relationship(lazy="joined")
    resource: Mapped[Resource | None] = relationship(lazy="joined")


class ChangeLog(Base):
    """The outbox: one row per change of an activity or its participants.

    `seq` comes from the `change_log` counter, taken under a row lock as the last step
    of the writing transaction, so sequence order is commit order: a reader that has
    seen N never later finds a smaller number appear.
    """

    __tablename__ = "change_log"

    seq: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=False)
    activity_guid: Mapped[str] = mapped_column(sa.String(36), index=True)
    operation: Mapped[str] = mapped_column(sa.String(10))
    origin: Mapped[str] = mapped_column(sa.String(10))
    changed_fields: Mapped[str] = mapped_column(sa.Text, default="[]", comment="JSON list")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ChangeLogUser(Base):
    """Which users' calendars a change touches; (user_id, seq) makes 'changes for U after N'
    an index range scan."""

    __tablename__ = "change_log_users"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(
        BIGINT, sa.ForeignKey("change_log.seq", ondelete="CASCADE"), primary_key=True, index=True
    )
