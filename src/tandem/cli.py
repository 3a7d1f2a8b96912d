"""Command line: `tandem serve`, `tandem db upgrade`, `tandem clients create`, …"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Tandem integration server.")


def main() -> None:
    app()
