"""Alembic migrations of Tandem's database; `upgrade(engine)` brings a database to head.

Every CLI command brings the schema up first, so asking "anything to do?" must be cheap:
`is_at_head` compares the revision the database records (`alembic_version`, one query)
with the newest script's, read from the `revision =` / `down_revision =` lines of
`versions/`. Alembic itself (with Mako and its dialect modules, ~0.2 s to import and load the
scripts) is imported only when there is something to do (issue 11, item 8).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.config import Config

HERE = Path(__file__).parent
VERSION_TABLE = "alembic_version"
_REVISION_LINE = re.compile(r'^(revision|down_revision)\b[^=\n]*=\s*(?:"([^"\n]*)"|None)\s*$', re.MULTILINE)


def alembic_config(engine: sa.Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    if revision == "head" and is_at_head(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def is_at_head(engine: sa.Engine) -> bool:
    """The database records the newest script's revision (False when it records none, or
    when the scripts are not one line of history: then Alembic decides)."""
    head = script_head()
    return head is not None and recorded_revision(engine) == head


def script_head() -> str | None:
    """The revision no script revises, when there is exactly one (Tandem's history is one line)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (HERE / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(script.read_text(encoding="utf-8")):
            if name == "revision":
                revisions.add(value)
            elif value:
                revised.add(value)
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


def recorded_revision(engine: sa.Engine) -> str | None:
    """The one revision the database records; None when it has no version table (a new database) or not one row."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table(VERSION_TABLE):
            return None
        rows = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()  # noqa: S608 - a constant
    return str(rows[0]) if len(rows) == 1 else None


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: sa.Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
