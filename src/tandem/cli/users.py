"""`tandem users add|set|remove|password|list|sync`: users of the hub (`sync on|off` is CAL-7).

`add`, `set` and `list` print one shape with --json (`_shown`). `remove` deletes a user only
when nothing in the hub refers to them (the hub's own rule, `entities.USERS.in_use`: owned
activities, projects, participations, customers); otherwise it deactivates them and says why,
so no activity, project or customer loses its owner."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from tandem.cli.common import console, fail, show, tandem, user_by_email

users_app = typer.Typer(no_args_is_help=True, help="Users of the hub.")


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(help="Email (also the calendar account).")],
    first_name: Annotated[str, typer.Option("--first-name", help="First name.")],
    last_name: Annotated[str, typer.Option("--last-name", help="Last name.")],
    code: Annotated[str | None, typer.Option(help="User code (the ERP employee number).")] = None,
    role: Annotated[str, typer.Option(help="admin or user.")] = "user",
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone (Europe/Helsinki); else the organisation's.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the user's web password from standard input (one line).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Add a user (with a password for the web when --password-stdin is given)."""
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
                shown = _shown(user)
        except ValidationFailed as error:
            raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        console.print(f"Added {first_name} {last_name} <{shown['email']}> ({shown['guid']}).")


@users_app.command("set")
def users_set(
    email: Annotated[str, typer.Argument(help="The user's email now.")],
    new_email: Annotated[str | None, typer.Option("--email", help="A new email.")] = None,
    first_name: Annotated[str | None, typer.Option("--first-name")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name")] = None,
    code: Annotated[str | None, typer.Option(help="User code (the ERP employee number).")] = None,
    role: Annotated[str | None, typer.Option(help="admin or user.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone (Europe/Helsinki).")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Let the user in, or not.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Change a user: only what is given changes (the hub's rules, as `add`)."""
    from tandem.hub.models import User
    from tandem.hub.services import entities, lookup, masters
    from tandem.hub.services.errors import ValidationFailed

    given = {
        "email": new_email,
        "first_name": first_name,
        "last_name": last_name,
        "code": code,
        "role": role,
        "time_zone": timezone,
        "is_active": active,
    }
    values = {key: value for key, value in given.items() if value is not None}
    if not values:
        raise fail(
            "Nothing to change: give --first-name, --last-name, --email, --code, --role, --timezone or --active."
        )
    with tandem() as t:
        t.upgrade()
        found = user_by_email(t, email)
        try:
            with t.db.write() as session:
                shown = _shown(masters.save(session, entities.USERS, lookup.get(session, User, found.guid), values))
        except ValidationFailed as error:
            raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        console.print(f"Changed {shown['name']} <{shown['email']}>: {', '.join(sorted(values))}.")


@users_app.command("remove")
def users_remove(email: Annotated[str, typer.Argument(help="The user's email.")]) -> None:
    """Delete a user nothing refers to; deactivate (and say why) one the hub still needs."""
    from tandem.hub.models import User
    from tandem.hub.services import entities, lookup, masters

    with tandem() as t:
        t.upgrade()
        found = user_by_email(t, email)
        with t.db.write() as session:
            user = lookup.get(session, User, found.guid)
            needed = entities.USERS.in_use(session, user) if entities.USERS.in_use else None
            if needed is None:
                masters.delete(session, entities.USERS, user)
            else:
                user.is_active = False
    if needed is None:
        console.print(f"Removed {email}.")
    else:
        console.print(f"Deactivated {email}, not deleted: {needed.split(';')[0]}. They can no longer sign in or sync.")


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
            rows = [_shown(u) for u in users]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("name")
    table.add_column("email", no_wrap=True)  # never cut (`show`)
    for header in ("code", "role", "active", "calendar sync", "time zone"):
        table.add_column(header)
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
    show(table)


def _shown(user: Any) -> dict[str, Any]:
    """One user as `add`, `set` and `list` print it with --json (one shape for all three)."""
    return {
        "guid": user.guid,
        "name": user.full_name,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "email": user.email,
        "code": user.code,
        "role": user.role,
        "active": user.is_active,
        "calendarSync": user.calendar_sync_enabled,
        "timeZone": user.time_zone,
    }


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
