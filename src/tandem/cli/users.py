"""`tandem users add|password|list|sync`: users of the hub (`sync on|off` is CAL-7)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from tandem.cli.common import console, fail, tandem, user_by_email

users_app = typer.Typer(no_args_is_help=True, help="Users of the hub.")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Email (also the calendar account).")],
    first_name: Annotated[str, typer.Option("--first-name", help="First name.")],
    last_name: Annotated[str, typer.Option("--last-name", help="Last name.")],
    code: Annotated[str | None, typer.Option(help="User code (the ERP employee number).")] = None,
    role: Annotated[str, typer.Option(help="admin or user.")] = "user",
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the user's web password from standard input (one line).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user (with a password for the web when --password-stdin is given)."""
    from tandem.hub.api import views
    from tandem.hub.services import entities, masters, passwords
    from tandem.hub.services.errors import ValidationFailed

    password = _read_password(stdin=True) if password_stdin else None
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
                if password is not None:
                    passwords.set_password(user, password)
                shown = views.user(user)
        except ValidationFailed as error:
            raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        console.print(f"Added {first_name} {last_name} <{email}> ({shown['guid']}).")


@users_app.command("password")
def users_password(
    email: Annotated[str, typer.Argument(help="The user's email.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (one line), for scripts.")
    ] = False,
) -> None:
    """Set a user's password for the web's sign-in (asked twice, not shown). Their other
    signed-in sessions end."""
    from tandem.hub.models import User
    from tandem.hub.services import lookup, passwords

    password = _read_password(stdin=password_stdin)
    with tandem() as t:
        t.upgrade()
        user = user_by_email(t, email)
        with t.db.write() as session:
            passwords.set_password(lookup.get(session, User, user.guid), password)
    console.print(f"The password of {email} is set.")


def _read_password(*, stdin: bool) -> str:
    """The new password: one line of standard input, or asked twice on the terminal;
    refused (exit 1) when too short or too long. Never echoed, never printed."""
    from tandem.hub.services import passwords
    from tandem.hub.services.errors import ValidationFailed

    if stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        passwords.check_new(password)
    except ValidationFailed as error:
        raise fail(error.problems[0].message) from None
    return password


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


@users_app.command("sync")
def users_sync(
    state: Annotated[str, typer.Argument(help="on or off")],
    email: Annotated[str, typer.Argument(help="The user's email.")],
) -> None:
    """Turn one user's calendar sync on or off (CAL-7); on again resumes from saved state."""
    from tandem.hub.services import users as own

    if state not in ("on", "off"):
        raise fail("Say `on` or `off`.")
    with tandem() as t:
        t.upgrade()
        user = user_by_email(t, email)
        with t.db.write() as session:
            own.set_calendar_sync(session, user.guid, state == "on")
    console.print(f"Calendar sync is {state} for {email}.")
