"""What every command group shares: the consoles, the `--config` the app callback saw,
`tandem()` (Tandem built from the settings) and `fail()`.

The command groups import this module and nothing else of the CLI; `tandem.cli.main`
imports the groups. So the imports point one way and no group needs the app module.

Start-up time: `tandem --help` must not pay for SQLAlchemy, FastAPI, pydantic or the
models (about 1.5 s). So this module, and every group at module level, imports only
Typer, rich and the standard library; a command imports what it needs when it runs
(`tandem()` builds Tandem then). `tests/e2e/test_cli_startup.py` keeps it so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.table import Table

    from tandem import bootstrap
    from tandem.domain.progress import Progress
    from tandem.hub.models import User

console = Console()
err = Console(stderr=True)


class State:
    """The options of `tandem` itself, set by the app's callback before any command runs."""

    config: Path | None = None


@contextmanager
def tandem(*, create: bool = False, **overrides: Any) -> Iterator[bootstrap.Tandem]:
    """Tandem built from the settings (`--config`, `TANDEM_*`), closed when the command ends.

    Only a command that sets a database up (`create`: `db upgrade`, `serve`, `demo-data`) may
    start a new SQLite file; any other refuses, naming the file it looked for. Else a command
    run from another folder would quietly make an empty `./tandem.db` and show empty tables."""
    import sqlalchemy as sa

    from tandem import bootstrap
    from tandem.config import SettingsError, load_settings
    from tandem.store.errors import first_line

    try:
        settings = load_settings(State.config, warn=warn, **overrides)
    except SettingsError as error:
        raise fail(str(error)) from None
    missing = _missing_sqlite_file(settings.database_url)
    if missing is not None and not create:
        raise fail(
            f"No database at {missing} (database_url {settings.database_url}); nothing was created. Run tandem "
            "where its tandem.toml is, give --config or TANDEM_DATABASE_URL, or create it with `tandem db upgrade`."
        )
    built = bootstrap.build(settings)
    try:
        yield built
    except sa.exc.OperationalError as error:  # the database is not there, not ours, or locked
        where = built.db.engine.url.render_as_string(hide_password=True)
        raise fail(f"The database {where} cannot be used: {first_line(error.orig or error)}") from None
    finally:
        built.close()


@contextmanager
def migrated() -> Iterator[bootstrap.Tandem]:
    """`tandem()` with the schema brought up to date; Tandem's own errors end the command in one line."""
    from tandem.domain.errors import TandemError

    try:
        with tandem() as built:
            built.upgrade()
            yield built
    except TandemError as error:
        raise fail(str(error)) from None


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names, when it does not exist yet (None for any other database)."""
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    name = parsed.database
    if parsed.get_backend_name() != "sqlite" or not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name).resolve()
    return None if path.exists() else path


def database_shown(t: bootstrap.Tandem) -> str:
    """Which database a command used, password hidden; a SQLite file by its full path."""
    url = t.db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return str(Path(url.database).resolve())
    return url.render_as_string(hide_password=True)


def show(table: Table) -> None:
    """Print a table without cutting anything: a column made `no_wrap` (an email, an id, a
    time) keeps its whole width, a header word is never broken, a long text wraps (no
    ellipsis), and the table runs wider than the terminal when it must (not cropped)."""
    from rich.measure import Measurement

    wide = console.options.update(max_width=10_000)
    for column in table.columns:
        if column.no_wrap:  # rich would still squeeze it to the terminal: give it its width
            widths = [Measurement.get(console, wide, cell).maximum for cell in (column.header, *column.cells)]
            column.min_width = max(widths)
        else:
            column.overflow = "fold"
            header_words = str(column.header).split() or [""]
            column.min_width = max(column.min_width or 0, *(len(word) for word in header_words))
    needed = Measurement.get(console, wide, table)
    if needed.minimum <= console.width:
        console.print(table)
    else:  # rich squeezes every table to the console's width: print this one at its natural width
        Console(width=needed.maximum, force_terminal=console.is_terminal, no_color=console.no_color).print(table)


def local_minute(moment: datetime) -> str:
    """An instant as the admin's local time, to the minute (`2026-12-04 15:05`); one stored
    without its zone (SQLite) is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    """Print `message` in red on stderr; the caller raises the returned exit (code 1)."""
    err.print(f"[red]{escape(message)}[/red]", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def user_by_email(t: bootstrap.Tandem, email: str) -> User:
    """The hub user with this email (case and spaces ignored), or the command fails."""
    import sqlalchemy as sa

    from tandem.hub.models import User

    with t.db.read() as session:
        user: User | None = session.scalars(
            sa.select(User).where(User.email_key == email.strip().lower())
        ).one_or_none()
    if user is None:
        raise fail(f"No user has the email {email}.")
    found: User = user
    return found


@contextmanager
def progress_bar(quiet: bool = False) -> Iterator[Progress]:
    """A `Progress` for long work (issue 13): on a terminal, a bar per step on stderr with its
    counts, rate and time left, gone when the work ends; with `--json` (`quiet`) or when
    stderr is not a terminal (a pipe, a log, a test), nothing at all."""
    from tandem.domain.progress import quiet as silent

    if quiet or not err.is_terminal:
        yield silent
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bars

    with Bars(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    ) as bars:
        tasks: dict[str, Any] = {}

        def report(what: str, done: int, total: int) -> None:
            task = tasks.get(what)
            if task is None:
                task = tasks[what] = bars.add_task(what, total=total, rate="")
            speed = bars.tasks[task].speed
            bars.update(task, completed=done, total=total, rate=f"{speed:,.0f}/s" if speed else "")

        yield report
