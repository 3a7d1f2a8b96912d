"""Columns most hub tables share: a surrogate key, a public guid, and change stamps."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tandem.store.base import Base, new_guid


def utcnow() -> datetime:
    return datetime.now(UTC)


class Entity(Base):
    """Abstract base: `id` joins tables, `guid` is what the API shows."""

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    guid: Mapped[str] = mapped_column(sa.String(36), unique=True, default=new_guid)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
