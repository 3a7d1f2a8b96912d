"""The organisation: its settings, users and business units."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tandem.hub.models.common import Entity, utcnow
from tandem.store.base import Base


class OrganizationSettings(Base):
    """One row (id 1). Number series: `next_*` is what the next automatic number will be."""

    __tablename__ = "organization_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="Organisation")
    time_zone: Mapped[str] = mapped_column(
        sa.String(64), default="UTC", server_default="UTC", comment="IANA name: a new user's, unless one is given"
    )
    calendar_addon_enabled: Mapped[bool] = mapped_column(default=False)
    next_customer_number: Mapped[int] = mapped_column(sa.BigInteger, default=1000)
    last_customer_number: Mapped[int | None] = mapped_column(sa.BigInteger)
    next_project_number: Mapped[int] = mapped_column(sa.BigInteger, default=1000)
    last_project_number: Mapped[int | None] = mapped_column(sa.BigInteger)
    next_invoice_number: Mapped[int] = mapped_column(sa.BigInteger, default=1000)
    last_invoice_number: Mapped[int | None] = mapped_column(sa.BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CalendarConnection(Base):
    """The organisation's calendar backend (CAL-2, BEY-1): one row (id 1). `provider` google:
    a service account and its key file; caldav: a calendar URL, a user name and a password.
    Keys and passwords are sealed with the server's secret key (`store.secrets`), never
    stored plain."""

    __tablename__ = "calendar_connection"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(20), default="google")
    service_account_email: Mapped[str | None] = mapped_column(sa.String(320))
    key_kind: Mapped[str | None] = mapped_column(sa.String(10), comment="p12 | json")
    key_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    password_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    caldav_url: Mapped[str | None] = mapped_column(sa.String(500), comment="template with {email}, or a server")
    caldav_discover: Mapped[bool] = mapped_column(
        default=False,
        server_default=sa.false(),
        comment="caldav_url is a server: find each user's calendar from their principal",
    )
    caldav_username: Mapped[str | None] = mapped_column(sa.String(320), comment="may hold {email}")
    caldav_scheduling: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false(), comment="the server delivers invitations itself (RFC 6638)"
    )
    token_uri: Mapped[str | None] = mapped_column(sa.String(500))
    api_root: Mapped[str | None] = mapped_column(sa.String(500))
    batch_uri: Mapped[str | None] = mapped_column(sa.String(500))
    client_id: Mapped[str | None] = mapped_column(
        sa.String(100), comment="typed by the admin beside a P12 key (a JSON key carries its own)"
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CaldavSignIn(Base):
    """A user's own sign-in to the CalDAV server (BEY-1), used for their calendar instead of the
    connection's (`calendar_connection.caldav_username`): servers such as iCloud, Fastmail or a
    Nextcloud without an admin account give each person an app password of their own. The
    password is sealed like every secret, never stored plain."""

    __tablename__ = "caldav_sign_in"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(320))
    password_sealed: Mapped[bytes] = mapped_column(sa.LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Counter(Base):
    """Named counters taken under a row lock, so numbers are handed out in commit order."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class BusinessUnit(Entity):
    __tablename__ = "business_units"

    name: Mapped[str] = mapped_column(sa.String(200))
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_units.id"))

    parent: Mapped[BusinessUnit | None] = relationship(remote_side="BusinessUnit.id", lazy="joined")


class User(Entity):
    __tablename__ = "users"

    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    email_key: Mapped[str | None] = mapped_column(
        sa.String(320), unique=True, comment="lower-cased email: unique case-insensitively"
    )
    code: Mapped[str | None] = mapped_column(sa.String(50), unique=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    role: Mapped[str] = mapped_column(sa.String(10), default="user")
    calendar_sync_enabled: Mapped[bool] = mapped_column(default=False)
    default_activity_type_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("activity_types.id", ondelete="SET NULL")
    )
    business_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("business_units.id"))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    last_login: Mapped[datetime | None] = mapped_column()
    password_hash: Mapped[str | None] = mapped_column(sa.String(200), comment="argon2id; never leaves the server")

    business_unit: Mapped[BusinessUnit | None] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def set_email(self, email: str | None) -> None:
        self.email = email
        self.email_key = email.strip().lower() if email else None
