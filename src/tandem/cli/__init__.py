"""Command line: `tandem serve`, `tandem db upgrade`, `tandem clients create`,
`tandem users add|list|sync`, `tandem demo-data`, `tandem calendar …`, `tandem sync …`,
`tandem erp …`.

main      app (the Typer app) and main() (the console script): mounts every group
common    console, err, tandem() (Tandem built from the settings), fail(), user_by_email()
serve     `serve`, `demo-data`
db, clients, users, calendar, sync, erp
          one module per command group, each importing only `common`

Every command builds Tandem through `bootstrap.build` from the settings (TOML file and
`TANDEM_*` environment); `--config` names the file.
"""

from tandem.cli.main import app, main

__all__ = ["app", "main"]
