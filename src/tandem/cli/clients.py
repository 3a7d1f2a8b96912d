"""`tandem clients create`: API clients (client credentials)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from tandem.cli.common import console, fail, tandem

clients_app = typer.Typer(no_args_is_help=True, help="API clients (client credentials).")


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
