"""calendar_connection for CalDAV: the calendar URL (a template, or a server to discover),
the user name, whether the server schedules; a Google key only for Google

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        batch_op.alter_column("key_kind", existing_type=sa.String(length=10), nullable=True)
        batch_op.alter_column("key_sealed", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(
            sa.Column("caldav_url", sa.String(length=500), nullable=True, comment="template with {email}, or a server")
        )
        batch_op.add_column(
            sa.Column(
                "caldav_discover",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="caldav_url is a server: find each user's calendar from their principal",
            )
        )
        batch_op.add_column(
            sa.Column("caldav_username", sa.String(length=320), nullable=True, comment="may hold {email}")
        )
        batch_op.add_column(
            sa.Column(
                "caldav_scheduling",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
                comment="the server delivers invitations itself (RFC 6638)",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("calendar_connection", schema=None) as batch_op:
        for column in ("caldav_scheduling", "caldav_username", "caldav_discover", "caldav_url"):
            batch_op.drop_column(column)
        batch_op.alter_column("key_sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column("key_kind", existing_type=sa.String(length=10), nullable=False)
