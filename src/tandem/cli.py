"""Command line: `tandem serve`, `tandem db upgrade`, `tandem clients create`,
`tandem users add|list`, `tandem demo-data`, …

Every command builds Tandem through `bootstrap.build` from the settings (TOML file and
`TANDEM_*` environment); `--config` names the file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from tandem import bootstrap
from tandem.config import load_settings
from tandem.emulators.google.cli import emulate_app

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help="Tandem integration server."
)
db_app = typer.Typer(no_args_is_help=True, help="The database.")
clients_app = typer.Typer(no_args_is_help=True, help="API clients (client credentials).")
users_app = typer.Typer(no_args_is_help=True, help="Users of the hub.")
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(users_app, name="users")
app.add_typer(emulate_app, name="emulate", help="Emulators of outside systems (Google Calendar), for tests and demos.")

console = Console()
err = Console(stderr=True)


class State:
    config: Path | None = None


@app.callback()
def main_options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML settings file (else TANDEM_CONFIG or ./tandem.toml).")
    ] = None,
) -> None:
    State.config = config


@contextmanager
def tandem(**overrides: Any) -> Iterator[bootstrap.Tandem]:
    built = bootstrap.build(load_settings(State.config, **overrides))
    try:
        yield built
    finally:
        built.close()


def fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run Tandem: migrate the database, then serve the API (and the workers)."""
    import faulthandler
    import signal

    import uvicorn

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>` prints every thread's stack
    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    with tandem(**overrides) as t:
        logging.basicConfig(level=t.settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
        t.upgrade()
        if t.settings.demo_on_first_start:
            summary = t.load_demo()
            if not summary.skipped:
                console.print(f"Loaded the demo organisation: {summary.users} users, {summary.activities} activities.")
        console.print(f"Tandem on http://{t.settings.host}:{t.settings.port}  (database: {t.db.engine.url!r})")
        uvicorn.run(t.serving_app(), host=t.settings.host, port=t.settings.port, log_level=t.settings.log_level.lower())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest version."""
    with tandem() as t:
        t.upgrade()
        console.print("Database is up to date.")


@db_app.command("purge")
def db_purge() -> None:
    """Forget deleted activities and change-log rows older than `tombstone_retention_days`
    (`tandem serve` does this every hour)."""
    with tandem() as t:
        t.upgrade()
        purged = t.purge()
    console.print(f"Forgot {purged.activities} deleted activities and {purged.changes} change-log rows.")


@app.command("demo-data")
def demo_data() -> None:
    """Load a small realistic organisation (into an empty database)."""
    with tandem() as t:
        t.upgrade()
        summary = t.load_demo()
    if summary.skipped:
        raise fail("The database already has users; the demo organisation goes only into an empty one.")
    console.print(f"Demo organisation loaded: {summary.users} users, {summary.activities} activities.")


@clients_app.command("create")
def clients_create(
    scopes: Annotated[str, typer.Option(help="Comma-separated scopes (activities:read,…), or 'all'.")],
    name: Annotated[str, typer.Option(help="What the client is for.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print {client_id, client_secret} as JSON.")] = False,
) -> None:
    """Create an API client. The secret is shown once and stored only as a hash."""
    from tandem.hub.services import clients
    from tandem.hub.services.errors import ValidationFailed

    with tandem() as t:
        t.upgrade()
        try:
            wanted = clients.parse_scopes(scopes)
        except ValidationFailed as error:
            raise fail(str(error)) from None
        with t.db.write() as session:
            made = clients.create_client(session, name, wanted)
    if as_json:
        typer.echo(json.dumps({"client_id": made.client_id, "client_secret": made.client_secret}))
        return
    console.print(f"client_id:     {made.client_id}")
    console.print(f"client_secret: {made.client_secret}   (shown once; store it now)")
    console.print(f"scopes:        {' '.join(made.scopes)}")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Email (also the calendar account).")],
    first_name: Annotated[str, typer.Option("--first-name", help="First name.")],
    last_name: Annotated[str, typer.Option("--last-name", help="Last name.")],
    code: Annotated[str | None, typer.Option(help="User code (the ERP employee number).")] = None,
    role: Annotated[str, typer.Option(help="admin or user.")] = "user",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user."""
    from tandem.hub.api import views
    from tandem.hub.services import entities, masters
    from tandem.hub.services.errors import ValidationFailed

    values = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "code": code,
        "role": role,
        "time_zone": timezone,
    }
    with tandem() as t:
        t.upgrade()
        try:
            with t.db.write() as session:
                user = masters.save(session, entities.USERS, None, values)
                shown = views.user(user)
        except ValidationFailed as error:
            raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        console.print(f"Added {first_name} {last_name} <{email}> ({shown['guid']}).")


@users_app.command("list")
def users_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users."""
    import sqlalchemy as sa

    from tandem.hub.models import User

    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            users = session.scalars(sa.select(User).order_by(User.last_name, User.first_name)).all()
            rows: list[dict[str, Any]] = [
                {
                    "guid": u.guid,
                    "name": u.full_name,
                    "email": u.email,
                    "code": u.code,
                    "role": u.role,
                    "active": u.is_active,
                    "calendarSync": u.calendar_sync_enabled,
                    "timeZone": u.time_zone,
                }
                for u in users
            ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("name", "email", "code", "role", "active", "calendar sync", "time zone")
    for r in rows:
        table.add_row(
            r["name"],
            r["email"] or "",
            r["code"] or "",
            r["role"],
            "yes" if r["active"] else "no",
            "on" if r["calendarSync"] else "off",
            r["timeZone"],
        )
    console.print(table)


def main() -> None:
    from tandem.cli_calendar import calendar_app, sync_app, users_sync

    app.add_typer(calendar_app, name="calendar")
    app.add_typer(sync_app, name="sync")
    users_app.command("sync")(users_sync)
    try:
        from tandem.cli_erp import erp_app
    except ImportError:  # pragma: no cover - the ERP commands are optional at import time
        pass
    else:
        app.add_typer(erp_app, name="erp")
    app()
