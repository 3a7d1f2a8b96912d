"""`tandem calendar …`, `tandem sync …` and `tandem users sync on|off`: the calendar sync
from the command line (CAL-2, CAL-5, CAL-7; dry runs and status for BEY-3/BEY-4)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.table import Table

from tandem.cli import console, err, fail, tandem
from tandem.hub.models import User
from tandem.hub.services import calendar_setup, lookup
from tandem.hub.services.errors import ValidationFailed
from tandem.store.schedule import SqlSchedule

calendar_app = typer.Typer(no_args_is_help=True, help="The organisation's calendar connection (Google Workspace).")
sync_app = typer.Typer(help="Run or inspect the calendar sync.", invoke_without_command=True)


def _user_by_email(t: Any, email: str) -> User:
    with t.db.read() as session:
        user: User | None = session.scalars(
            sa.select(User).where(User.email_key == email.strip().lower())
        ).one_or_none()
    if user is None:
        raise fail(f"No user has the email {email}.")
    found: User = user
    return found


@calendar_app.command("configure")
def configure(
    service_account: Annotated[str, typer.Option("--service-account", help="The service account's email.")],
    key_file: Annotated[Path, typer.Option("--key-file", exists=True, dir_okay=False, help="P12 or JSON key.")],
    password: Annotated[
        str | None, typer.Option(help="The P12 file's password (asked for when a P12 is given without it).")
    ] = None,
    api_root: Annotated[str | None, typer.Option(help="Calendar API root (the emulator's, in tests).")] = None,
    token_uri: Annotated[str | None, typer.Option(help="OAuth token endpoint (the emulator's, in tests).")] = None,
    batch_uri: Annotated[str | None, typer.Option(help="Batch endpoint, when not beside the API root.")] = None,
) -> None:
    """Save the service account and its key, encrypted at rest (CAL-2)."""
    data = key_file.read_bytes()
    if calendar_setup.key_kind_of(data) == "p12" and password is None:
        password = typer.prompt("P12 password", hide_input=True)
    with tandem() as t:
        t.upgrade()
        try:
            with t.db.write() as session:
                calendar_setup.configure(
                    session,
                    t.secrets(),
                    key=data,
                    password=password,
                    service_account_email=service_account,
                    token_uri=token_uri,
                    api_root=api_root,
                    batch_uri=batch_uri,
                )
        except ValidationFailed as error:
            raise fail(str(error)) from None
    console.print("Saved (the key and its password are encrypted at rest). Check it with `tandem calendar test`.")


@calendar_app.command("enable")
def enable() -> None:
    """Turn the organisation's calendar add-on on (owners of saved activities become fixed, CAL-15)."""
    _switch(True)


@calendar_app.command("disable")
def disable() -> None:
    """Turn the organisation's calendar add-on off: nobody's calendar is read or written."""
    _switch(False)


def _switch(on: bool) -> None:
    with tandem() as t:
        t.upgrade()
        with t.db.write() as session:
            calendar_setup.set_enabled(session, on)
    console.print(f"Calendar synchronization is {'on' if on else 'off'} for the organisation.")


@calendar_app.command("types")
def types(
    sync: Annotated[
        str | None, typer.Option("--sync", help="Comma-separated type names that go to the calendar.")
    ] = None,
) -> None:
    """Show, or choose (--sync), the activity types that go PSA -> calendar (CAL-5)."""
    with tandem() as t:
        t.upgrade()
        if sync is not None:
            try:
                with t.db.write() as session:
                    chosen = calendar_setup.set_synced_types(session, [n for n in sync.split(",") if n.strip()])
            except ValidationFailed as error:
                raise fail(str(error)) from None
            console.print(f"Going to the calendar: {', '.join(chosen) or 'no types'}.")
            return
        with t.db.read() as session:
            described = calendar_setup.describe(session)
    console.print(f"Going to the calendar: {', '.join(described['synced_types']) or 'no types'}.")


@calendar_app.command("status")
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """What is set up (never a secret), with the warnings an admin should act on (CAL-6)."""
    with tandem() as t:
        t.upgrade()
        with t.db.read() as session:
            described = calendar_setup.describe(session)
    if as_json:
        typer.echo(json.dumps(described))
        return
    for key in ("enabled", "configured", "service_account_email", "key_kind", "api_root", "default_type"):
        console.print(f"{key:22} {described[key]}")
    console.print(f"{'synced_types':22} {', '.join(described['synced_types']) or '-'}")
    for warning in described["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")


@calendar_app.command("test")
def check_connection(
    user: Annotated[str | None, typer.Option("--user", help="Act as this user (default: the first one).")] = None,
) -> None:
    """Prove the credentials work: key, token with delegation for a real user, calendar readable (CAL-2)."""
    from tandem.connectors.google import diagnose

    with tandem() as t:
        t.upgrade()
        settings = t.calendar_settings()
        if settings is None:
            raise fail("No calendar connection is configured: run `tandem calendar configure` first.")
        email = user or _first_user_email(t)
        if email is None:
            raise fail("There is no user with an email to act as; give --user EMAIL.")
        checks = asyncio.run(diagnose.test_connection(settings, email))
        with t.db.read() as session:
            warnings = calendar_setup.describe(session)["warnings"]
    for check in checks:
        mark = {"passed": "[green]ok[/green]  ", "failed": "[red]FAIL[/red]", "skipped": "[dim]skip[/dim]"}[
            check.status
        ]
        console.print(f"{mark} {check.name:9} {check.message}")
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


def _first_user_email(t: Any) -> str | None:
    with t.db.read() as session:
        users = session.scalars(sa.select(User).where(User.email.is_not(None)).order_by(User.id)).all()
    chosen = next((u for u in users if u.calendar_sync_enabled), users[0] if users else None)
    return chosen.email if chosen else None


def users_sync(
    state: Annotated[str, typer.Argument(help="on or off")],
    email: Annotated[str, typer.Argument(help="The user's email.")],
) -> None:
    """Turn one user's calendar sync on or off (CAL-7); on again resumes from saved state."""
    if state not in ("on", "off"):
        raise fail("Say `on` or `off`.")
    with tandem() as t:
        t.upgrade()
        user = _user_by_email(t, email)
        with t.db.write() as session:
            row = lookup.get(session, User, user.guid)
            row.calendar_sync_enabled = state == "on"
    console.print(f"Calendar sync is {state} for {email}.")


@sync_app.callback()
def sync(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option("--user", help="The user's email.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; change nothing.")] = False,
    confirm_deletions: Annotated[
        bool, typer.Option("--confirm-deletions", help="Let a run that deletes many items go ahead (BEY-3).")
    ] = False,
) -> None:
    """Sync one user's calendar now (`--dry-run` prints the plan instead)."""
    if ctx.invoked_subcommand is not None:
        return
    if user is None:
        raise fail("Give --user EMAIL (or `tandem sync status`).")
    with tandem() as t:
        t.upgrade()
        row = _user_by_email(t, user)
        report = asyncio.run(_run_once(t, row.guid, dry_run, confirm_deletions))
    _print_report(report, dry_run)
    if report.record.error or report.record.halted_reason:
        raise typer.Exit(1)


async def _run_once(t: Any, user_guid: str, dry_run: bool, confirm: bool) -> Any:
    calendar = t.calendar()
    if calendar is None:
        raise fail("No usable calendar connection: see `tandem calendar test`.")
    async with calendar:
        report = await t.user_sync(calendar).run(user_guid, dry_run=dry_run, confirm_mass_deletion=confirm)
    if confirm and not dry_run and report.record.halted_reason is None:
        schedule = SqlSchedule(t.db)
        row = schedule.get(user_guid)
        if row is not None and row.paused_reason:
            schedule.save(replace(row, paused_reason=None, paused_until=None))
    return report


def _print_report(report: Any, dry_run: bool) -> None:
    record = report.record
    if record.halted_reason:
        err.print(f"[red]Stopped before writing:[/red] {record.halted_reason}")
    if report.plan is not None and (dry_run or record.halted_reason):
        items = report.plan.halt.withheld if report.plan.halt else report.plan.items
        for item in items:
            for action in item.actions:
                console.print(f"  {_describe(action)}")
    counts = {k: getattr(record.counts, k) for k in record.counts.__dataclass_fields__ if getattr(record.counts, k)}
    done = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts.items())
    console.print(f"{'Would do' if dry_run else 'Done'}: {done or 'nothing'}")
    if record.error:
        err.print(f"[red]{record.error}[/red]")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")


def _describe(action: Any) -> str:
    name = type(action).__name__
    for attr in ("event", "activity"):
        value = getattr(action, attr, None)
        if value is not None:
            title = getattr(value, "summary", None) or getattr(value, "name", None)
            send = getattr(action, "send_updates", None)
            extra = f" (notify: {send})" if send is not None else ""
            return f"{name}: {title!r}{extra}"
    reason = getattr(action, "reason", None) or getattr(getattr(action, "item", None), "reason", None)
    if reason:
        return f"{name}: {reason}"
    link = getattr(action, "link", None)
    return f"{name}: {link.activity_guid} <-> {link.event_id}" if link else name


@sync_app.command("status")
def sync_status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Per user: next run, failures, pauses and why, the last run's counts, conflicts, quarantined items (BEY-4)."""
    with tandem() as t:
        t.upgrade()
        store = t.sync_store()
        schedule = {row.user_guid: row for row in SqlSchedule(t.db).all()}
        with t.db.read() as session:
            users = session.scalars(sa.select(User).order_by(User.email)).all()
        rows: list[dict[str, Any]] = []
        for user in users:
            row = schedule.get(user.guid)
            runs = store.last_runs(user.guid, limit=1)
            calendar_id = (user.email or "").lower()
            rows.append(
                {
                    "email": user.email,
                    "sync": user.calendar_sync_enabled,
                    "next_due": row.next_due_at.isoformat() if row else None,
                    "failures": row.failures if row else 0,
                    "paused": row.paused_reason if row else None,
                    "last_run": runs[0].finished_at.isoformat() if runs and runs[0].finished_at else None,
                    "last_counts": {k: getattr(runs[0].counts, k) for k in runs[0].counts.__dataclass_fields__}
                    if runs
                    else None,
                    "last_error": (runs[0].error or runs[0].halted_reason) if runs else None,
                    "conflicts": len(store.conflicts(user.guid)),
                    "quarantined": [q.reason for q in store.quarantined(user.guid, calendar_id)],
                }
            )
    if as_json:
        typer.echo(json.dumps(rows))
        return
    table = Table("user", "sync", "last run", "failures", "paused / last error", "conflicts", "quarantined")
    for r in rows:
        table.add_row(
            r["email"] or "-",
            "on" if r["sync"] else "off",
            r["last_run"] or "-",
            str(r["failures"]),
            r["paused"] or r["last_error"] or "",
            str(r["conflicts"]),
            str(len(r["quarantined"])),
        )
    console.print(table)
