"""`tandem db upgrade|purge`: the database."""

from __future__ import annotations

import typer

from tandem.cli.common import console, database_shown, tandem

db_app = typer.Typer(no_args_is_help=True, help="The database.")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    with tandem(create=True) as t:
        t.upgrade()
        console.print(f"Database {database_shown(t)} is up to date.", highlight=False, soft_wrap=True)


@db_app.command("purge")
def db_purge() -> None:
    """Forget deleted activities and change-log rows older than `tombstone_retention_days`
    (`tandem serve` does this every hour)."""
    with tandem() as t:
        t.upgrade()
        purged = t.purge()
    console.print(f"Forgot {purged.activities} deleted activities and {purged.changes} change-log rows.")
