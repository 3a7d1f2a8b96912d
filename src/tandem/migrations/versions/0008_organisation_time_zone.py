"""organisation settings: the organisation's time zone, a new user's unless one is given

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NOT NULL with a server default: SQLite adds it in place, PostgreSQL without a rewrite;
    # an organisation from before keeps what its new users got until now (UTC).
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone",
                sa.String(length=64),
                nullable=False,
                server_default="UTC",
                comment="IANA name: a new user's, unless one is given",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organization_settings", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
