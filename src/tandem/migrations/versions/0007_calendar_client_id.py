"""calendar connection: the service account's client id typed beside a P12 key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 12:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column: SQLite adds it in place (no table copy), PostgreSQL without a rewrite.
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "client_id",
                sa.String(length=100),
                nullable=True,
                comment="typed by the admin beside a P12 key (a JSON key carries its own)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.drop_column("client_id")
