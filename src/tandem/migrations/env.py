"""Alembic environment: runs migrations on the engine Tandem hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

# Importing the models registers their tables for autogenerate.
import tandem.hub.models
import tandem.store.erp_state
import tandem.store.schedule
import tandem.store.syncstate  # noqa: F401
from tandem.store.base import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: take the URL from -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///./tandem.db")
    engine = sa.create_engine(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
