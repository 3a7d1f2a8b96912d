"""erp_state.rules: the ERP rules as saved on Admin → ERP (they replace tandem.toml's)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: NULL (every installation until now) means tandem.toml's rules apply.
    with op.batch_alter_table("erp_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "rules",
                sa.Text(),
                nullable=True,
                comment="SavedRules as JSON, saved on Admin → ERP; NULL: tandem.toml's [erp] rules",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("erp_state", schema=None) as batch_op:
        batch_op.drop_column("rules")
