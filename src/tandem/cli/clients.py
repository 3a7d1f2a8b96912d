"""`tandem clients create|list|revoke`: API clients (client credentials)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from tandem.cli.common import console, fail, show, tandem

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


@clients_app.command("list")
def clients_list(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The API clients: id, name, scopes, created, active or revoked (never a secret)."""
    from tandem.hub.services import clients

    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            rows: list[dict[str, Any]] = [
                {
                    "client_id": c.client_id,
                    "name": c.name,
                    "scopes": c.scopes.split(),
                    "created_at": c.created_at.isoformat(),
                    "active": c.is_active,
                }
                for c in clients.list_clients(session)
            ]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    if not rows:
        console.print("No API clients yet: tandem clients create --scopes all")
        return
    table = Table("name", "scopes")
    for header in ("created", "state", "client id"):  # never cut (`show`)
        table.add_column(header, no_wrap=True)
    for r in rows:
        state = "active" if r["active"] else "revoked"
        scopes = "all" if set(r["scopes"]) == set(clients.SCOPES) else " ".join(r["scopes"])
        table.add_row(r["name"], scopes, r["created_at"][:10], state, r["client_id"])
    show(table)


@clients_app.command("revoke")
def clients_revoke(client_id: Annotated[str, typer.Argument(help="The client id (tandem clients list).")]) -> None:
    """Revoke an API client: it gets no new token and its tokens stop working now."""
    from tandem.hub.services import clients

    with tandem() as t:
        t.upgrade()
        with t.db.write() as session:
            revoked = clients.revoke_client(session, client_id)
    if revoked is None:
        raise fail(f"No API client has the id {client_id}; see `tandem clients list`.")
    console.print(f"Revoked {client_id}: its tokens no longer work.")
