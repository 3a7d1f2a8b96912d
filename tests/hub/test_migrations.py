"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

# Importing the models registers every table the migrations must build.
from tandem import migrations
from tandem.store.base import Base
from tandem.store.db import make_engine


def test_migrations_match_the_models(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        migrations.upgrade(engine)
        assert migrations.current_revision(engine) == migrations.head_revision(engine)
        # the cheap check every command makes reads the same revisions as Alembic
        assert migrations.recorded_revision(engine) == migrations.script_head() == migrations.head_revision(engine)
        assert migrations.is_at_head(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
        assert diff == []
        migrations.upgrade(engine)  # running it again changes nothing
    finally:
        engine.dispose()


def test_a_new_database_is_not_at_head_until_upgraded(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    try:
        assert migrations.recorded_revision(engine) is None
        assert not migrations.is_at_head(engine)
        migrations.upgrade(engine, "0001")
        assert migrations.recorded_revision(engine) == "0001"
        assert not migrations.is_at_head(engine)  # an older database: `upgrade` runs Alembic
        migrations.upgrade(engine)
        assert migrations.is_at_head(engine)
    finally:
        engine.dispose()
