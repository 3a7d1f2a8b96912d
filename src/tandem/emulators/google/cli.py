"""Run the emulator in the foreground for the demo or a benchmark: what `tandem emulate
google` (`tandem.cli.emulate`, which holds the command's options) does when it runs."""

from __future__ import annotations

import shlex
from pathlib import Path

import typer
import uvicorn

from tandem.emulators.google.app import build_app
from tandem.emulators.google.state import GoogleEmulator


def google(*, port: int, domain: str, users: str, write_key: Path | None, host: str) -> None:
    """Serve the Google Calendar API v3 emulator until interrupted."""
    state = GoogleEmulator(domain, [u.strip() for u in users.split(",") if u.strip()])
    shown_host = f"[{host}]" if ":" in host else host
    state.base_url = f"http://{shown_host}:{port}"
    account = state.register_service_account()
    if write_key is not None:
        p12_path, json_path = state.write_key_files(account, write_key)
        typer.echo(f"key files:       {p12_path} (password notasecret), {json_path}")
    typer.echo(f"service account: {account.email}")
    typer.echo(f"client id:       {account.client_id}")
    typer.echo(f"token URI:       {state.token_uri}")
    typer.echo(f"API root:        {state.api_root}")
    typer.echo(f"users:           {', '.join(state.users) or '(none; POST /emulator/users to add)'}")
    if write_key is not None:  # the whole line that connects Tandem to this emulator
        configure = [
            "tandem calendar configure",
            f"--service-account {shlex.quote(account.email)} --key-file {shlex.quote(str(json_path.resolve()))}",
            f"--api-root {state.api_root} --token-uri {state.token_uri} --batch-uri {state.base_url}/batch/calendar/v3",
        ]
        typer.echo(f"connect Tandem:  {' '.join(configure)}")
    uvicorn.run(build_app(state), host=host, port=port, log_level="warning", ws="none", lifespan="off")
