"""`tandem organisation show|set`: the organisation's own settings (its time zone: a new
user's, unless one is given; `tandem.hub.services.organisation`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from tandem.cli.common import console, fail, tandem

organisation_app = typer.Typer(no_args_is_help=True, help="The organisation's settings (its time zone).")


@organisation_app.command("show")
def organisation_show(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The organisation's settings."""
    from tandem.hub.services import organisation

    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            shown = {"timeZone": organisation.time_zone(session)}
    if as_json:
        typer.echo(json.dumps(shown))
    else:
        console.print(f"time zone  {shown['timeZone']}  (new users get it unless given one)", highlight=False)


@organisation_app.command("set")
def organisation_set(
    time_zone: Annotated[
        str, typer.Option("--time-zone", help="IANA time zone (Europe/Helsinki): new users get it unless given one.")
    ],
) -> None:
    """Change the organisation's settings (users already there keep their own time zone)."""
    from tandem.hub.services import organisation
    from tandem.hub.services.errors import ValidationFailed

    with tandem() as t:
        t.upgrade()
        try:
            with t.db.write() as session:
                organisation.set_time_zone(session, time_zone)
        except ValidationFailed as error:
            raise fail(error.problems[0].message) from None
    console.print(
        f"The organisation's time zone is {time_zone}: new users get it unless given one.",
        highlight=False,
        soft_wrap=True,
    )
