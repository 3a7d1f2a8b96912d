"""caldav_sign_in: a user's own sign-in to the CalDAV server (an app password of their own),
used for their calendar instead of the connection's

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 02:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "caldav_sign_in",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("password_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_caldav_sign_in_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_caldav_sign_in")),
    )


def downgrade() -> None:
    op.drop_table("caldav_sign_in")
