"""`tandem calendar …`: the organisation's calendar connection (Google Workspace, or a CalDAV
server, BEY-1): save the service account (CAL-2) or the CalDAV server (`configure-caldav`),
switch the add-on on or off, choose the synced types (CAL-5), show the setup and test it.

`configure` saves only a key that opens (the connection in use is kept otherwise); `status`
and `test` warn when the saved key does not open and when users' syncs fail, and why (BEY-11).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tandem.cli.common import console, fail, tandem, user_by_email, warn

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from tandem.bootstrap import Tandem
    from tandem.hub.services.calendar_setup import Sealer

calendar_app = typer.Typer(
    no_args_is_help=True, help="The organisation's calendar connection (Google Workspace, or a CalDAV server)."
)


@calendar_app.command("configure")
def configure(
    service_account: Annotated[str, typer.Option("--service-account", help="The service account's email.")],
    key_file: Annotated[Path, typer.Option("--key-file", exists=True, dir_okay=False, help="P12 or JSON key.")],
    password: Annotated[
        str | None, typer.Option(help="The P12 file's password (asked for when a P12 is given without it).")
    ] = None,
    api_root: Annotated[str | None, typer.Option(help="Calendar API root (the emulator's, in tests).")] = None,
    token_uri: Annotated[str | None, typer.Option(help="OAuth token endpoint (the emulator's, in tests).")] = None,
    batch_uri: Annotated[str | None, typer.Option(help="Batch endpoint, when not beside the API root.")] = None,
    client_id: Annotated[
        str | None,
        typer.Option(
            "--client-id",
            help="The service account's numeric client id, beside a P12 key (a JSON key carries its own); "
            "`calendar status` shows it for the Google Admin console's domain-wide delegation.",
        ),
    ] = None,
) -> None:
    """Save the service account and its key, encrypted at rest (CAL-2); a key that does not open
    is refused and the connection in use is kept."""
    from tandem.connectors.google import load_key
    from tandem.hub.services import calendar_setup

    data = key_file.read_bytes()
    if calendar_setup.key_kind_of(data) == "p12" and password is None:
        password = typer.prompt("P12 password", hide_input=True)
    _save(
        lambda session, box: calendar_setup.configure(
            session,
            box,
            key=data,
            password=password,
            service_account_email=service_account,
            token_uri=token_uri,
            api_root=api_root,
            batch_uri=batch_uri,
            check=load_key,
            client_id=client_id,
        )
    )
    console.print("Saved (the key and its password are encrypted at rest). Check it with `tandem calendar test`.")


def _save(configure: Callable[[Session, Sealer], object]) -> None:
    """Save a connection (`configure` with the session and the server's sealer); a refusal
    ends the command in one line, the connection in use kept."""
    from tandem.hub.services.errors import ValidationFailed

    with tandem() as t:
        t.upgrade()
        try:
            with t.db.write() as session:
                configure(session, t.secrets())
        except ValidationFailed as error:
            raise fail(f"Not saved (the connection in use is kept): {error}") from None


@calendar_app.command("configure-caldav")
def configure_caldav(
    url: Annotated[
        str,
        typer.Option(
            "--url",
            help="Each user's calendar, with {email} in its place (https://dav.example.com/{email}/calendar/); "
            "with --discover, the server to find each user's calendar on.",
        ),
    ],
    username: Annotated[
        str | None, typer.Option(help="The user name to sign in with; {email} is each user's email.")
    ] = None,
    discover: Annotated[
        bool, typer.Option("--discover", help="--url is a server: find each user's calendar from their principal.")
    ] = False,
    scheduling: Annotated[
        bool,
        typer.Option(
            "--scheduling", help="The server delivers invitations itself (Nextcloud, Fastmail); Radicale does not."
        ),
    ] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (else it is asked for).")
    ] = False,
) -> None:
    """Save a CalDAV server as every user's calendar (BEY-1), replacing the connection in use;
    the password is encrypted at rest. Check it with `tandem calendar test`."""
    import sys

    from tandem.hub.services import calendar_setup

    password: str | None = None
    if username is not None:
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt("Password", hide_input=True)
    _save(
        lambda session, box: calendar_setup.configure_caldav(
            session, box, url=url, discover=discover, username=username, password=password, scheduling=scheduling
        )
    )
    console.print("Saved (the password is encrypted at rest). Check it with `tandem calendar test`.")


@calendar_app.command("caldav-sign-in")
def caldav_sign_in(
    email: Annotated[str, typer.Argument(help="The user whose own sign-in it is.")],
    username: Annotated[str | None, typer.Option(help="The user name they sign in to the CalDAV server with.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (else it is asked for).")
    ] = False,
    forget: Annotated[
        bool, typer.Option("--forget", help="Forget the user's own sign-in: the connection's is used again.")
    ] = False,
) -> None:
    """A user's own sign-in to the CalDAV server (an app password of theirs, as iCloud or
    Fastmail give), used for their calendar instead of the connection's; the password is
    encrypted at rest. Users can save their own on My profile."""
    import sys

    from tandem.hub.models import User
    from tandem.hub.services import caldav_sign_ins, lookup
    from tandem.hub.services.errors import ValidationFailed

    if forget == (username is not None):
        raise fail("Give --username NAME to save a sign-in, or --forget to go back to the connection's.")
    password, had = None, False
    if username is not None:
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else typer.prompt("Password", hide_input=True)
    with tandem() as t:
        t.upgrade()
        found = user_by_email(t, email)
        try:
            with t.db.write() as session:
                user = lookup.get(session, User, found.guid)
                if username is None:
                    had = caldav_sign_ins.forget(session, user)
                else:
                    caldav_sign_ins.save(session, t.secrets(), user, username, password)
        except ValidationFailed as error:
            raise fail(f"Not saved: {error}") from None
    if username is not None:
        console.print(
            f"Saved: {email}'s calendar is reached as {username.strip()} (the password is encrypted at rest). "
            f"Check it with `tandem calendar test --user {email}`."
        )
    elif had:
        console.print(f"Forgotten: {email}'s calendar is reached with the connection's sign-in again.")
    else:
        console.print(f"{email} had no sign-in of their own: the connection's is used, as before.")


@calendar_app.command("enable")
def enable() -> None:
    """Turn the organisation's calendar add-on on (owners of saved activities become fixed, CAL-15)."""
    _switch(True)


@calendar_app.command("disable")
def disable() -> None:
    """Turn the organisation's calendar add-on off: nobody's calendar is read or written."""
    _switch(False)


def _switch(on: bool) -> None:
    from tandem.hub.services import calendar_setup

    with tandem() as t:
        t.upgrade()
        with t.db.write() as session:
            if on and not calendar_setup.describe(session)["configured"] and not t.settings.demo_calendar:
                raise fail(
                    "Not switched on: no calendar connection is configured. Save one first: tandem calendar "
                    "configure --service-account EMAIL --key-file KEY (docs/calendar-sync.md)."
                )
            calendar_setup.set_enabled(session, on)
    console.print(f"Calendar synchronization is {'on' if on else 'off'} for the organisation.")


@calendar_app.command("types")
def types(
    sync: Annotated[
        str | None, typer.Option("--sync", help="Comma-separated type names that go to the calendar.")
    ] = None,
) -> None:
    """Show, or choose (--sync), the activity types that go PSA -> calendar (CAL-5); `tandem types`
    creates them."""
    import sqlalchemy as sa

    from tandem.hub.models import ActivityType
    from tandem.hub.services import calendar_setup
    from tandem.hub.services.errors import ValidationFailed

    with tandem() as t:
        t.upgrade()
        if sync is not None:
            names = [n for n in sync.split(",") if n.strip()]
            try:
                with t.db.write() as session:
                    if names and session.scalar(sa.select(sa.func.count()).select_from(ActivityType)) == 0:
                        raise fail(
                            "There are no activity types yet. Create them first: "
                            f"tandem types add {names[0].strip()} --category CalendarEntry --default"
                        )
                    chosen = calendar_setup.set_synced_types(session, names)
            except ValidationFailed as error:
                raise fail(str(error)) from None
            console.print(f"Going to the calendar: {', '.join(chosen) or 'no types'}.")
            if not chosen:
                warn("no activity type goes to the calendar now, so no activity reaches anyone's calendar (CAL-5)")
            return
        with t.db.read() as session:
            described = calendar_setup.describe(session)
    console.print(f"Going to the calendar: {', '.join(described['synced_types']) or 'no types'}.")


@calendar_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What is set up (never a secret), with the warnings an admin should act on (CAL-6)."""
    from tandem.hub.services import calendar_setup

    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            described = calendar_setup.describe(session)
        failing, failure_warnings = _sync_failures(t, described["enabled"])
        problem = _connection_problem(t)
    described["failing_users"] = failing
    described["warnings"] = [*([problem] if problem else []), *described["warnings"], *failure_warnings]
    if as_json:
        typer.echo(json.dumps(described))
        return
    shown = ("provider", "caldav_url", "caldav_discover", "caldav_username", "caldav_scheduling")
    if described["provider"] != "caldav":
        shown = ("provider", "service_account_email", "key_kind", "client_id", "api_root")
    for key in ("enabled", "configured", *shown, "default_type"):
        console.print(f"{key:22} {described[key]}")
    console.print(f"{'synced_types':22} {', '.join(described['synced_types']) or '-'}")
    for warning in described["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


@calendar_app.command("test")
def check_connection(
    user: Annotated[str | None, typer.Option("--user", help="Act as this user (default: the first one).")] = None,
) -> None:
    """Prove the credentials work: key, token with delegation for a real user, calendar readable (CAL-2)."""
    import asyncio

    from tandem.connectors.google import diagnose
    from tandem.hub.services import calendar_setup

    with tandem() as t:
        t.upgrade()
        caldav, settings = t.caldav_settings(), t.calendar_settings()
        if caldav is None and settings is None:
            raise fail("No calendar connection is configured: run `tandem calendar configure` first.")
        email = user or _first_user_email(t)
        if email is None:
            raise fail("There is no user with an email to act as; give --user EMAIL.")
        if caldav is not None:
            from tandem.runtime.calendar_checks import caldav_checks

            checks = asyncio.run(caldav_checks(caldav, email))
        else:
            assert settings is not None
            checks = asyncio.run(diagnose.test_connection(settings, email))
        with t.db.read() as session:
            described = calendar_setup.describe(session)
        warnings = [*described["warnings"], *_sync_failures(t, described["enabled"])[1]]
    for check in checks:
        mark = {"passed": "[green]ok[/green]  ", "failed": "[red]FAIL[/red]", "skipped": "[dim]skip[/dim]"}[
            check.status
        ]
        console.print(f"{mark} {check.name:9} {check.message}", soft_wrap=True)  # a URL stays whole
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _first_user_email(t: Tandem) -> str | None:
    import sqlalchemy as sa

    from tandem.hub.models import User

    with t.db.read() as session:
        users = session.scalars(sa.select(User).where(User.email.is_not(None)).order_by(User.id)).all()
    chosen = next((u for u in users if u.calendar_sync_enabled), users[0] if users else None)
    return chosen.email if chosen else None


def _connection_problem(t: Tandem) -> str | None:
    """Why the saved connection cannot be used at all (every user's sync fails), if so."""
    from tandem.domain.errors import ConfigurationError
    from tandem.store.secrets import SecretsUnreadable

    try:
        settings = t.calendar_settings()
    except SecretsUnreadable as error:
        return f"the saved calendar connection cannot be used, so no calendar syncs: {error}; configure it again"
    if settings is None:
        return None
    from tandem.connectors.google import load_key  # only now: it imports google-auth and cryptography

    try:
        load_key(
            settings.key_file, password=settings.key_password, service_account_email=settings.service_account_email
        )
    except ConfigurationError as error:
        return f"the saved key does not open, so no calendar syncs: {error}; configure a key that works"
    return None


def _syncing_users(t: Tandem) -> list[tuple[str, str]]:
    """(guid, email) of the users whose calendar syncs (their own switch on, CAL-7)."""
    import sqlalchemy as sa

    from tandem.hub.models import User

    with t.db.read() as session:
        users = session.scalars(
            sa.select(User).where(User.calendar_sync_enabled.is_(True), User.is_active.is_(True)).order_by(User.email)
        ).all()
        return [(u.guid, u.email) for u in users if u.email]


def _sync_failures(t: Tandem, enabled: bool) -> tuple[dict[str, str], list[str]]:
    """email -> why its latest sync failed, for the users whose calendar syncs; and the
    warning that sums them up (none while the add-on is off: nobody syncs then)."""
    from tandem.runtime import status as sync_health
    from tandem.store.schedule import SqlSchedule

    if not enabled:
        return {}, []
    users = _syncing_users(t)
    failing = sync_health.failures(t.sync_store(), SqlSchedule(t.db), users)
    warning = sync_health.failure_warning(failing, len(users))
    return failing, [warning] if warning else []
