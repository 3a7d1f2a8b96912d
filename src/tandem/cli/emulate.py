"""`tandem emulate google`: the Google Calendar API emulator in the foreground (for tests
and demos). The emulator itself (`tandem.emulators.google.cli`) is imported when the command
runs, so `tandem --help` does not pay for uvicorn and the emulator's app."""

from __future__ import annotations

from pathlib import Path

import typer

emulate_app = typer.Typer(no_args_is_help=True, add_completion=False, help="Run emulators of outside systems.")


@emulate_app.callback()
def emulate() -> None:
    """Run emulators of outside systems (a group, so `google` stays a subcommand)."""


@emulate_app.command("google")
def google(
    port: int = typer.Option(8765, "--port", help="TCP port to listen on."),
    domain: str = typer.Option("example.com", "--domain", help="The Workspace domain to emulate."),
    users: str = typer.Option("", "--users", help="Comma-separated user emails of the domain."),
    write_key: Path | None = typer.Option(
        None, "--write-key", help="Write key.p12 and key.json here, and print the `tandem calendar configure` line."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (controls answer loopback only)."),
) -> None:
    """Serve the Google Calendar API v3 emulator until interrupted."""
    from tandem.emulators.google.cli import google as serve_google

    serve_google(port=port, domain=domain, users=users, write_key=write_key, host=host)
