"""`tandem sync [--user EMAIL] [--dry-run]` and `tandem sync status`: run one user's calendar
sync now, or inspect every user's (dry runs and status for BEY-3/BEY-4). A run that cannot
start because the calendar connection cannot be used is recorded as failed with the reason,
and `last_error` is the latest failure however it was noted (`tandem.runtime.status`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from tandem.cli.common import console, err, fail, tandem, user_by_email

if TYPE_CHECKING:
    from tandem.bootstrap import Tandem
    from tandem.ports.calendar import CalendarPort

sync_app = typer.Typer(help="Run or inspect the calendar sync.", invoke_without_command=True)


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
        row = user_by_email(t, user)
        calendar = _calendar_or_fail(t, row.guid, dry_run)
        report = asyncio.run(_run_once(t, calendar, row.guid, dry_run, confirm_deletions))
    _print_report(report, dry_run)
    if report.record.error or report.record.halted_reason:
        raise typer.Exit(1)


def _calendar_or_fail(t: Tandem, user_guid: str, dry_run: bool) -> CalendarPort:
    """The calendar from the saved connection; else the run fails, recorded with the reason."""
    from tandem.domain.errors import ConfigurationError
    from tandem.domain.syncstate import RunRecord
    from tandem.runtime.service import NO_CONNECTION
    from tandem.store.secrets import SecretsUnreadable

    try:
        calendar = t.calendar()
    except (SecretsUnreadable, ConfigurationError) as error:
        calendar, reason = None, f"the calendar connection cannot be used: {error}"
    else:
        if calendar is not None:
            return calendar
        reason = NO_CONNECTION
    if not dry_run:
        now = datetime.now(UTC)
        t.sync_store().record_run(
            RunRecord(user_guid=user_guid, calendar_id="", started_at=now, finished_at=now, error=reason)
        )
    raise fail(f"Not synced: {reason}")


async def _run_once(t: Tandem, calendar: Any, user_guid: str, dry_run: bool, confirm: bool) -> Any:
    from tandem.store.schedule import SqlSchedule

    async with calendar:  # the adapter (`t.calendar()`), which closes as a context manager
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
    import sqlalchemy as sa

    from tandem.hub.models import User
    from tandem.runtime import status as sync_health
    from tandem.store.schedule import SqlSchedule

    with tandem() as t:
        t.upgrade()
        store = t.sync_store()
        schedule = {row.user_guid: row for row in SqlSchedule(t.db).all()}
        with t.db.read() as session:
            users = session.scalars(sa.select(User).order_by(User.email)).all()
        rows: list[dict[str, Any]] = []
        for user in users:
            row = schedule.get(user.guid)
            last = sync_health.latest_run(store.last_runs(user.guid, limit=sync_health.RUNS_LOOKED_AT))
            calendar_id = (user.email or "").lower()
            rows.append(
                {
                    "email": user.email,
                    "sync": user.calendar_sync_enabled,
                    "next_due": row.next_due_at.isoformat() if row else None,
                    "failures": row.failures if row else 0,
                    "paused": row.paused_reason if row else None,
                    "last_run": last.finished_at.isoformat() if last and last.finished_at else None,
                    "last_counts": {k: getattr(last.counts, k) for k in last.counts.__dataclass_fields__}
                    if last
                    else None,
                    "last_error": sync_health.latest_failure(last, row),
                    "conflicts": len(store.conflicts(user.guid)),
                    "quarantined": [
                        {
                            "reason": q.reason,
                            "side": q.side.value,
                            "activity": q.activity_guid,
                            "event": q.event_id,
                            "attempts": q.attempts,
                            "retry_at": q.retry_at.isoformat(),
                        }
                        for q in store.quarantined(user.guid, calendar_id)
                    ],
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
    aside = [(r["email"], q) for r in rows for q in r["quarantined"]]
    if aside:
        items = Table("user", "set aside (CAL-17)", "attempts", "retried at")
        for email, q in aside:
            items.add_row(email or "-", q["reason"], str(q["attempts"]), q["retry_at"])
        console.print(items)
