"""`tandem erp …`: the ERP integration (Visma Business) from the command line (ERP-3, ERP-7).

    tandem erp demo-db URL [--seed N] [--scale small|customers=2000,…] [--no-problems]
    tandem erp preflight [--json]                 exit 1 when it finds blocking problems
    tandem erp run [--dry-run] [--entity E …] [--full] [--json]
    tandem erp status [--json] [--limit N]
    tandem erp rules [--json] [--use-toml]        the rules runs apply, and where they come from
    tandem erp enable [--force]                   refused (exit 1) when the preflight fails
    tandem erp disable
    tandem erp psa-numbers|duplicates|set-key     the fixes the preflight names (`erp_fixes`)

`tandem.cli.main` mounts `erp_app` as `tandem erp`. The ERP database is `[erp]
database_url` (`TANDEM_ERP__DATABASE_URL`) or `--erp-url`; URLs are shown with their
password hidden.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tandem.cli import erp_fixes
from tandem.cli.common import fail, local_minute, migrated, progress_bar
from tandem.domain.erp import ErpEntity

if TYPE_CHECKING:
    from tandem.bootstrap import Tandem
    from tandem.demo.psa_seed import SeedLoad
    from tandem.demo.visma_business.database import DemoManifest, DemoScale
    from tandem.domain.erp import Finding, RunReport
    from tandem.erp import PreflightReport
    from tandem.runtime.erp import ErpIntegration, SavedRules
    from tandem.store.erp_state import RunEntry

erp_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The ERP integration (Visma Business): preflight, runs, status."
)
console = Console()
erp_app.command("psa-numbers")(erp_fixes.psa_numbers)
erp_app.command("duplicates")(erp_fixes.duplicates)
erp_app.command("set-key")(erp_fixes.set_key)

ErpUrl = Annotated[str | None, typer.Option("--erp-url", help="The Visma Business database (else [erp] database_url).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]

SMALL = {"departments": 30, "products": 100, "employees": 80, "customers": 200, "projects": 100, "erp_invoices": 30}
SCALES = {"small": SMALL}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _integration(t: Tandem, erp_url: str | None, entities: list[ErpEntity] | None = None) -> ErpIntegration:
    return t.erp_integration(erp_url=erp_url, entities=entities or None)


# --- demo-db ------------------------------------------------------------------------------


def _scale(text: str | None) -> DemoScale | None:
    from tandem.demo.visma_business.database import DemoScale

    if not text:
        return None
    if text in SCALES:
        return DemoScale(**SCALES[text])
    sizes: dict[str, int] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name.strip() not in DemoScale.__dataclass_fields__ or not value.strip().isdigit():
            fields = ", ".join(DemoScale.__dataclass_fields__)
            raise fail(f"--scale takes {', '.join(SCALES)} or name=count pairs ({fields}); not {part!r}")
        sizes[name.strip()] = int(value)
    return DemoScale(**sizes)


def _manifest_path(url: str, given: Path | None) -> Path:
    import sqlalchemy as sa

    if given is not None:
        return given
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database + ".manifest.json")
    return Path(f"visma-demo-{parsed.database or 'db'}.manifest.json")


@erp_app.command("demo-db")
def demo_db(
    url: Annotated[str, typer.Argument(help="An EMPTY database for the Visma Business demo (SQLite or PostgreSQL).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed makes the same data.")] = 7,
    scale: Annotated[
        str | None,
        typer.Option(help="'small', or counts: customers=2000,projects=500 (default: the full demo)."),
    ] = None,
    no_problems: Annotated[bool, typer.Option("--no-problems", help="Plant no problems for the preflight.")] = False,
    manifest: Annotated[Path | None, typer.Option(help="Where to write the manifest (default: beside it).")] = None,
    settings: Annotated[
        Path | None,
        typer.Option("--settings", help="Add its [erp] settings to this TOML file (tandem.toml), made if missing."),
    ] = None,
) -> None:
    """Create a Visma Business demo database and load its PSA half into the hub, beside what the hub holds."""
    from tandem.demo.psa_seed import load_psa_seed
    from tandem.demo.visma_business.database import create_demo_database

    sizes = _scale(scale)
    if settings is not None:
        _check_settings_file(settings)
    with migrated() as t, progress_bar() as progress:
        made = create_demo_database(url, seed, scale=sizes, plant_problems=not no_problems, progress=progress)
        loaded = load_psa_seed(t.db, made.psa_seed, progress)
    path = _manifest_path(url, manifest)
    path.write_text(made.to_json(), encoding="utf-8")
    toml = _demo_toml(url, made, loaded)
    _print_demo(url, made, loaded, path)
    if settings is None:
        console.print("Settings for it (tandem.toml):")
        typer.echo(toml)
    else:
        with settings.open("a", encoding="utf-8") as file:
            file.write(("\n" if settings.stat().st_size else "") + toml + "\n")
        console.print(f"Its [erp] settings are in {settings}.", markup=False, highlight=False)


def _check_settings_file(path: Path) -> None:
    """A settings file takes the demo's [erp] only once: refused before anything is made."""
    if path.exists() and any(line.strip().startswith("[erp") for line in path.read_text("utf-8").splitlines()):
        raise fail(f"{path} already has [erp] settings; nothing was made. Remove them, or name another file.")


def _print_demo(url: str, made: DemoManifest, loaded: SeedLoad, path: Path) -> None:
    from tandem.runtime.erp.text import shown_url

    rows = ", ".join(f"{table} {count}" for table, count in made.row_counts.items())
    console.print(f"Visma Business demo database at {shown_url(url)}: {rows}.")
    console.print(f"{len(made.problems)} planted problems; the manifest is {path.resolve()}.")
    if loaded.skipped:
        console.print("The hub already holds the demo's PSA half (its customers): nothing more was loaded.")
    else:
        made_rows = ", ".join(f"{what} {count}" for what, count in loaded.created.items())
        console.print(f"Loaded the PSA half into the hub, beside what it holds: {made_rows}.")
        for entity, key, reason in loaded.refused:
            console.print(f"  the hub refused {entity} {key}: {reason}", markup=False)
        if loaded.numbered:
            console.print(f"  the hub numbered {len(loaded.numbered)} record(s) the demo left without a number")


def _demo_toml(url: str, made: DemoManifest, loaded: SeedLoad) -> str:
    from tandem.runtime.erp.text import shown_url

    lines = ["[erp]", f'database_url = "{shown_url(url)}"']
    if loaded.internal_customer is not None:
        lines.append(f"project_customer = {loaded.internal_customer}")
    for entity, rule in made.settings.exclusions.items():
        lines += [f"[erp.visma.exclusions.{entity.value}]", f'field = "{rule.field}"', f'value = "{rule.value}"']
    return "\n".join(lines)


# --- preflight ----------------------------------------------------------------------------


@erp_app.command()
def preflight(as_json: AsJson = False, erp_url: ErpUrl = None) -> None:
    """ERP-3: what would go wrong and what a run would do; reads only. Exit 1 when it fails."""
    from tandem.runtime.erp.text import preflight_to_json

    with migrated() as t, progress_bar(as_json) as progress:
        report = _integration(t, erp_url).preflight(utcnow(), progress=progress)
    if as_json:
        typer.echo(json.dumps(preflight_to_json(report), ensure_ascii=False))
    else:
        _print_preflight(report)
    if not report.passed:
        raise typer.Exit(1)


def _print_preflight(report: PreflightReport) -> None:
    from tandem.runtime.erp.text import finding_to_json

    verdict = "[green]PASSED[/green]" if report.passed else "[red]FAILED[/red]"
    console.print(f"Preflight {verdict}: {len(report.blocking)} blocking, {len(report.warnings)} warnings.")
    if report.findings:
        table = Table("severity", "problem", "entity", "side", "keys", "what it means", title="Findings")
        for finding in (*report.blocking, *report.warnings):
            data = finding_to_json(finding)
            colour = "red" if finding in report.blocking else "yellow"
            table.add_row(
                f"[{colour}]{data['severity']}[/{colour}]",
                data["kind"],
                data["entity"] or "",
                data["side"] or "",
                escape(" / ".join(data["keys"])),
                escape(finding.message),
            )
        console.print(table)
        _print_fixes(report.findings)
    plan = Table("entity", "create in ERP", "create in PSA", "link", "update", "exclude", "fail", title="A run would")
    for s in report.summaries:
        plan.add_row(
            s.entity.value, *(str(n) for n in (s.create_in_erp, s.create_in_psa, s.link, s.update, s.exclude, s.fail))
        )
    console.print(plan)


def _print_fixes(findings: Iterable[Finding]) -> None:
    """Each finding's fix, one line each (commands stay whole, to copy as printed)."""
    fixes = [f for f in findings if f.fix]
    if fixes:
        console.print("To fix:")
    for finding in fixes:
        what = f"{finding.ref.kind} {' / '.join(finding.ref.keys)}".strip()
        console.print(f"  {what}: {finding.fix}", markup=False, highlight=False, soft_wrap=True)


# --- run ----------------------------------------------------------------------------------


@erp_app.command()
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan and report; write nothing.")] = False,
    entity: Annotated[
        list[ErpEntity] | None, typer.Option("--entity", help="Only this entity (repeat for several).")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Read the ERP fully (not only what changed).")] = False,
    as_json: AsJson = False,
    erp_url: ErpUrl = None,
) -> None:
    """ERP-7: one run now (whether or not the schedule is enabled), recorded for `status`."""
    from tandem.store.erp_state import report_to_json

    with migrated() as t, progress_bar(as_json) as progress:
        report = _integration(t, erp_url, entity).run(utcnow(), dry_run=dry_run, full=full, progress=progress)
    if as_json:
        typer.echo(json.dumps(report_to_json(report), ensure_ascii=False))
    else:
        _print_run(report)


FIRST_KEYS = 3  # how many keys a group of failures names before "and N more"


def _print_run(report: RunReport) -> None:
    """The run's table, titled with its local start time, then its failures grouped by reason:
    `project: 288 failed: <reason> (P1, P2, P3 and 285 more)`, and its conflicts likewise."""
    kind = "Dry run (nothing written)" if report.dry_run else "Run"
    when = local_minute(report.started_at)
    table = Table("entity", "created", "updated", "linked", "excluded", "failed", title=f"{kind} of {when}")
    for entity in report.entities:
        table.add_row(entity.entity.value, *(str(n) for n in entity.counts().values()))
    console.print(table)
    for entity in report.entities:
        for reason, keys in _grouped((f.reason, f.key or "") for f in entity.failed).items():
            line = f"  {entity.entity}: {len(keys)} failed: {reason}{_first(keys)}"
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    conflicts = _grouped((f"{c.entity} {c.field}: kept {c.winner}'s", c.key) for c in report.conflicts)
    for what, keys in conflicts.items():
        console.print(f"  {len(keys)} conflict(s) {what}{_first(keys)}", markup=False, highlight=False)


def _grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """reason -> the keys that failed for it, most frequent reason first."""
    groups: dict[str, list[str]] = {}
    for reason, key in pairs:
        groups.setdefault(reason, []).append(key)
    return dict(sorted(groups.items(), key=lambda item: -len(item[1])))


def _first(keys: list[str]) -> str:
    """` (P1, P2, P3 and 285 more)`: the first distinct keys; nothing when no record had one."""
    distinct = [k for k in dict.fromkeys(keys) if k]
    if not distinct:
        return ""
    shown = ", ".join(distinct[:FIRST_KEYS])
    more = len(distinct) - FIRST_KEYS
    return f" ({shown})" if more <= 0 else f" ({shown} and {more} more)"


# --- status, enable, disable ----------------------------------------------------------------


def _entry_json(entry: RunEntry) -> dict[str, Any]:
    from tandem.store.erp_state import report_to_json

    return {
        "started_at": entry.started_at.isoformat(),
        "finished_at": entry.finished_at.isoformat(),
        "error": entry.error,
        "report": report_to_json(entry.report) if entry.report is not None else None,
    }


@erp_app.command()
def status(
    as_json: AsJson = False, limit: Annotated[int, typer.Option(help="How many runs to show.", min=1)] = 5
) -> None:
    """Enabled or not, and the last runs: per entity created/updated/linked/excluded/failed, and why."""
    with migrated() as t:
        store = t.erp_state()
        enabled = store.is_enabled()
        entries = store.run_log(limit)
        interval, scheduled = t.settings.erp.interval_s, t.settings.erp.enabled
        saved = _saved_rules(t)
    if as_json:
        document = {"enabled": enabled, "rules": _source_json(saved), "runs": [_entry_json(e) for e in entries]}
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    state = "[green]enabled[/green]" if enabled else "[yellow]disabled[/yellow]"
    console.print(f"The ERP integration is {state}; scheduled runs every {interval:g} s while enabled.")
    console.print(_source_line(saved), markup=False, highlight=False, soft_wrap=True)
    if not scheduled:
        console.print(escape("(`tandem serve` runs the schedule only with [erp] enabled = true in its settings.)"))
    if not entries:
        console.print("No runs yet.")
    for entry in entries:
        if entry.report is None:
            when = local_minute(entry.started_at)
            console.print(f"[red]Run of {when} failed:[/red] {escape(entry.error or '')}", soft_wrap=True)
        else:
            _print_run(entry.report)


@erp_app.command()
def enable(
    force: Annotated[bool, typer.Option("--force", help="Enable even though the preflight fails.")] = False,
    erp_url: ErpUrl = None,
) -> None:
    """ERP-3: run the preflight, then enable the scheduled runs; refused when it fails, unless --force."""
    from tandem.runtime.erp import PreflightFailed

    with migrated() as t:
        try:
            report = _integration(t, erp_url).enable(utcnow(), force=force)
        except PreflightFailed as refused:
            console.print("Blocking problems:")
            for finding in refused.report.blocking:
                console.print(f"  - {finding.message}", markup=False, highlight=False, soft_wrap=True)
            _print_fixes(refused.report.blocking)
            raise fail(
                f"Not enabled: the preflight found {len(refused.report.blocking)} blocking problem(s). "
                "Fix them, or use --force."
            ) from None
    if report.passed:
        console.print("The ERP integration is enabled.")
    else:
        console.print(
            f"[yellow]Enabled despite {len(report.blocking)} blocking problem(s) (--force):[/yellow]", highlight=False
        )
        for finding in report.blocking:
            console.print(f"  - {finding.message}", markup=False, highlight=False, soft_wrap=True)


@erp_app.command()
def disable() -> None:
    """Stop the scheduled runs (links and history are kept)."""
    with migrated() as t:
        t.erp_state().set_enabled(False)
    console.print("The ERP integration is disabled.")


# --- the rules ----------------------------------------------------------------------------------


def _saved_rules(t: Tandem) -> SavedRules | None:
    from tandem.runtime.erp import SavedRules

    return SavedRules.from_json(t.erp_state().saved_rules())


def _source_line(saved: SavedRules | None) -> str:
    if saved is None:
        return "Rules: tandem.toml's ([erp.entities], transfer_invoices, [erp.visma.exclusions])."
    return (
        f"Rules: saved on Admin → ERP by {saved.saved_by} on {local_minute(saved.saved_at)}; "
        "tandem.toml's are not used while they are (`tandem erp rules --use-toml` goes back to them)."
    )


def _source_json(saved: SavedRules | None) -> dict[str, Any]:
    if saved is None:
        return {"source": "tandem.toml"}
    return {"source": "page", "saved_by": saved.saved_by, "saved_at": saved.saved_at.isoformat()}


@erp_app.command()
def rules(
    as_json: AsJson = False,
    use_toml: Annotated[
        bool, typer.Option("--use-toml", help="Remove the rules saved on Admin → ERP: tandem.toml's apply again.")
    ] = False,
) -> None:
    """ERP-1, ERP-4, ERP-5, ERP-6: the rules every run applies now, and where they come from
    (saved on Admin → ERP, else tandem.toml)."""
    from tandem.domain.erp import MASTER_ENTITIES

    with migrated() as t:
        if use_toml:
            t.erp_state().save_rules(None)
        in_force, saved = t.erp_rules_and_source()
    rows = []
    for entity in MASTER_ENTITIES:
        rule = in_force.rule(entity)
        exclusion = f"{rule.exclusion.field} = {rule.exclusion.value}" if rule.exclusion else None
        rows.append((entity.value, rule.transfer, rule.master.value, rule.create_in_psa, rule.create_in_erp, exclusion))
    if as_json:
        names = ("entity", "transfer", "master", "create_in_psa", "create_in_erp", "exclusion")
        document = {
            **_source_json(saved),
            "transfer_invoices": in_force.transfer_invoices,
            "entities": [dict(zip(names, row, strict=True)) for row in rows],
        }
        typer.echo(json.dumps(document, ensure_ascii=False))
        return
    table = Table("entity", "transfers", "master", "create in PSA", "create in ERP", "left out (Group field)")
    for name, transfer, master, in_psa, in_erp, exclusion in rows:
        table.add_row(name, _yes(transfer), master, _yes(in_psa), _yes(in_erp), exclusion or "none")
    console.print(table)
    console.print(f"Invoices: {_yes(in_force.transfer_invoices)}.", highlight=False)
    console.print(_source_line(saved), markup=False, highlight=False, soft_wrap=True)


def _yes(value: bool) -> str:
    return "yes" if value else "no"
