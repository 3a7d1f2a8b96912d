"""`tandem types list|add|default`: the organisation's activity types, so a fresh install can
finish its calendar set-up from the command line (issue 11, item 3).

A type's category says what it is: `Personal` types hold private entries (CAL-6), `Task`
never goes to the calendar (CAL-12). The default type is what an entry made in the calendar
gets when it comes into the PSA. Which types go to the calendar is `tandem calendar types
--sync` (CAL-5), or `--sync` here when a type is added. The rules are the hub's
(`entities.ACTIVITY_TYPES`), the same the API applies.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from tandem.cli.common import console, fail, show, tandem

CATEGORIES = ("CalendarEntry", "Personal", "Absences", "SalesEvent", "Task")  # entities.CATEGORIES, shown in help

types_app = typer.Typer(no_args_is_help=True, help="Activity types: create them, choose the default.")


@types_app.command("list")
def types_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The activity types: category, default, whether they go to the calendar (CAL-5)."""
    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            rows = _rows(session)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        console.print("No activity types yet. Create one: tandem types add Meeting --category CalendarEntry --default")
        return
    table = Table("name", "category", "default", "to calendar", "active")
    for r in rows:
        yes = {True: "yes", False: ""}
        table.add_row(r["name"], r["category"], yes[r["default"]], yes[r["calendarSync"]], yes[r["active"]] or "no")
    show(table)


def _rows(session: Any) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from tandem.hub.models import ActivityType

    found = session.scalars(sa.select(ActivityType).order_by(ActivityType.name)).all()
    return [
        {
            "guid": a.guid,
            "name": a.name,
            "category": a.category,
            "default": a.is_default,
            "calendarSync": a.calendar_sync,
            "active": a.is_active,
        }
        for a in found
    ]


@types_app.command("add")
def types_add(
    name: Annotated[str, typer.Argument(help="The type's name, as users see it.")],
    category: Annotated[
        str, typer.Option(help=f"One of {', '.join(CATEGORIES)}; Personal holds private entries (CAL-6).")
    ] = "CalendarEntry",
    default: Annotated[
        bool, typer.Option("--default", help="Make it the organisation's default type (entries from the calendar).")
    ] = False,
    sync: Annotated[bool, typer.Option("--sync", help="Its activities go to the calendar (CAL-5).")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an activity type."""
    from tandem.hub.services import entities, masters
    from tandem.hub.services.errors import ValidationFailed

    values = {"name": name, "category": category, "is_default": default, "calendar_sync": sync}
    with tandem() as t:
        t.upgrade()
        try:
            with t.db.write() as session:
                _refuse_same_name(session, name)
                made = masters.save(session, entities.ACTIVITY_TYPES, None, values)
                shown = next(r for r in _rows(session) if r["guid"] == made.guid)
        except ValidationFailed as error:
            raise fail(str(error)) from None
    if as_json:
        typer.echo(json.dumps(shown))
        return
    notes = [w for w, on in (("the default", default), ("goes to the calendar", sync)) if on]
    console.print(f"Added the activity type {name} ({category}{'; ' if notes else ''}{', '.join(notes)}).")


def _refuse_same_name(session: Any, name: str) -> None:
    """Two types with one name could not be told apart by `calendar types --sync`."""
    import sqlalchemy as sa

    from tandem.hub.models import ActivityType

    wanted = name.strip().lower()
    if any(n.strip().lower() == wanted for n in session.scalars(sa.select(ActivityType.name))):
        raise fail(f"There is already an activity type named {name.strip()}.")


@types_app.command("default")
def types_default(name: Annotated[str, typer.Argument(help="An existing type's name.")]) -> None:
    """Make this type the organisation's default (what entries made in the calendar become)."""
    from tandem.hub.services import entities, masters

    with tandem() as t:
        t.upgrade()
        with t.db.write() as session:
            row = _type_named(session, name)
            masters.save(session, entities.ACTIVITY_TYPES, row, {"is_default": True})
            chosen = row.name
    console.print(f"{chosen} is the default activity type.")


def _type_named(session: Any, name: str) -> Any:
    import sqlalchemy as sa

    from tandem.hub.models import ActivityType

    types = session.scalars(sa.select(ActivityType).order_by(ActivityType.name)).all()
    found = next((a for a in types if a.name.strip().lower() == name.strip().lower()), None)
    if found is None:
        if not types:
            raise fail("There are no activity types yet. Create one: tandem types add NAME --category CalendarEntry")
        raise fail(f"No activity type is named {name} (there are: {', '.join(a.name for a in types)}).")
    return found
