"""The `tandem` app: its `--config` option, its own commands and every command group.

This module imports the groups and mounts them; the groups import only
`tandem.cli.common`, never this module, so there is no import cycle and a group that
fails to import fails `tandem` loudly instead of quietly going missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
import typer.core

from tandem.cli import serve
from tandem.cli.calendar import calendar_app
from tandem.cli.clients import clients_app
from tandem.cli.common import State
from tandem.cli.db import db_app
from tandem.cli.emulate import emulate_app
from tandem.cli.erp import erp_app
from tandem.cli.organisation import organisation_app
from tandem.cli.sync import sync_app
from tandem.cli.types import types_app
from tandem.cli.users import users_app

_type_shown = typer.core.TyperOption.display_type_rich


def _flag_type_hidden(option: typer.core.TyperOption, ctx: Any) -> str | None:
    """A flag takes no value, so its help shows none (Typer would print `--dry-run <bool>`)."""
    return None if option.is_flag else _type_shown(option, ctx)


setattr(typer.core.TyperOption, "display_type_rich", _flag_type_hidden)  # noqa: B010 - mypy refuses a method assignment

app = typer.Typer(
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False, help="Tandem integration server."
)
app.command("serve")(serve.serve)
app.command("demo-data")(serve.demo_data)
app.add_typer(db_app, name="db")
app.add_typer(clients_app, name="clients")
app.add_typer(users_app, name="users")
app.add_typer(organisation_app, name="organisation")
app.add_typer(emulate_app, name="emulate", help="Emulators of outside systems (Google Calendar), for tests and demos.")
app.add_typer(types_app, name="types")
app.add_typer(calendar_app, name="calendar")
app.add_typer(sync_app, name="sync")
app.add_typer(erp_app, name="erp")


@app.callback()
def main_options(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="TOML settings file (else TANDEM_CONFIG or ./tandem.toml).")
    ] = None,
) -> None:
    State.config = config


def main() -> None:
    """The console script `tandem`.

    Pydantic looks for its plugins (entry points) at its first model, scanning the metadata
    of every installed distribution: 0.03-0.08 s of each command that reads the settings.
    Tandem uses none, so the scan is skipped unless PYDANTIC_DISABLE_PLUGINS is set already
    (set it empty to have pydantic load its plugins)."""
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app()
