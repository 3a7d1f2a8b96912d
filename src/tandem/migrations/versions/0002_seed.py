"""Rows every organisation starts with: its settings, the invoice statuses, and the
change-log counter (it must exist before two writers race to create it).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    # name, is_paid, is_sent, is_waiting_payment
    ("Draft", False, False, False),
    ("Sent", False, True, True),
    ("Paid", True, True, False),
)


def upgrade() -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    settings = sa.table(
        "organization_settings",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("calendar_addon_enabled", sa.Boolean),
        sa.column("next_customer_number", sa.BigInteger),
        sa.column("next_project_number", sa.BigInteger),
        sa.column("next_invoice_number", sa.BigInteger),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "name": "Organisation",
                "calendar_addon_enabled": False,
                "next_customer_number": 1000,
                "next_project_number": 1000,
                "next_invoice_number": 1000,
                "updated_at": now,
            }
        ],
    )
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.BigInteger))
    op.bulk_insert(counters, [{"name": "change_log", "value": 0}])
    statuses = sa.table(
        "invoice_statuses",
        sa.column("guid", sa.String),
        sa.column("name", sa.String),
        sa.column("is_paid", sa.Boolean),
        sa.column("is_sent", sa.Boolean),
        sa.column("is_waiting_payment", sa.Boolean),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    op.bulk_insert(
        statuses,
        [
            {
                "guid": str(uuid.uuid4()),
                "name": name,
                "is_paid": paid,
                "is_sent": sent,
                "is_waiting_payment": waiting,
                "created_at": now,
                "updated_at": now,
            }
            for name, paid, sent, waiting in STATUSES
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM counters")
    op.execute("DELETE FROM invoice_statuses")
    op.execute("DELETE FROM organization_settings")
