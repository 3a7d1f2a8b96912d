"""`tandem sync [--user EMAIL] [--dry-run]` and `tandem sync status`: run one user's calendar
sync now, or inspect every user's (dry runs and status for BEY-3/BEY-4). A run that cannot
start because the calendar connection cannot be used is recorded as failed with the reason,
and `last_error` is the latest failure however it was noted (`tandem.runtime.status`)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tandem.cli.common import console, err, fail, local_minute, progress_bar, show, tandem, user_by_email

if TYPE_CHECKING:
    from tandem.bootstrap import Tandem
    from tandem.domain.progress import Progress
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
    """Sync one user's calendar now (`--dry-run` prints the plan instead); `sync [--user EMAIL] status`
    shows every user's state, or that user's."""
    import asyncio

    if ctx.invoked_subcommand is not None:
        if dry_run or confirm_deletions:
            raise fail("--dry-run and --confirm-deletions go with a run (`tandem sync --user EMAIL`), not with status.")
        ctx.obj = user  # `sync --user X status` shows that user only
        return
    if user is None:
        raise fail("Give --user EMAIL (or `tandem sync status`).")
    with tandem() as t:
        t.upgrade()
        row = user_by_email(t, user)
        calendar = _calendar_or_fail(t, row.guid, dry_run)
        with progress_bar() as progress:
            report = asyncio.run(_run_once(t, calendar, row.guid, dry_run, confirm_deletions, progress))
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


async def _run_once(t: Tandem, calendar: Any, user_guid: str, dry_run: bool, confirm: bool, progress: Progress) -> Any:
    from tandem.store.schedule import SqlSchedule

    async with calendar:  # the adapter (`t.calendar()`), which closes as a context manager
        report = await t.user_sync(calendar).run(
            user_guid, dry_run=dry_run, confirm_mass_deletion=confirm, progress=progress
        )
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
        for line in (line for item in items for line in _changes(item)):
            console.print(f"  {line}", markup=False, highlight=False)
    if record.error:  # the run did not happen: its counts say nothing
        err.print(f"[red]Not synced: {escape(record.error)}[/red]", highlight=False, soft_wrap=True)
    else:
        counts = {k: getattr(record.counts, k) for k in record.counts.__dataclass_fields__}
        done = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in counts.items() if n)
        console.print(f"{'Would do' if dry_run else 'Done'}: {done or 'nothing'}")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(str(warning))}")


# What an admin reads for each action of a plan; the bookkeeping steps (SaveIntent, SaveBase,
# Unlink, Skip) change nothing anyone sees and are not shown.
_VERBS = {
    "CreateEvent": "create event",
    "UpdateEvent": "update event",
    "RestoreEvent": "restore event",
    "DeleteEvent": "delete event",
    "CreateActivity": "create activity",
    "UpdateActivity": "update activity",
    "RestoreActivity": "restore activity",
    "DeleteActivity": "delete activity",
    "RecordConflict": "record a conflict on",
    "Quarantine": "set aside",
}


def _changes(item: Any) -> list[str]:
    """What one item of the plan would change, one line each: `create event 'Weekly team'`."""
    title = _title_of(item)
    lines = []
    for action in item.actions:
        name = type(action).__name__
        if name == "Warn":
            lines.append(f"warning: {action.message}")
        elif name in _VERBS:
            fields = getattr(action, "fields", None)
            extra = f" ({', '.join(sorted(fields))})" if fields else ""
            send = getattr(action, "send_updates", None)
            extra += f" (notify: {send})" if send is not None else ""
            reason = f": {action.item.reason}" if name == "Quarantine" else ""
            lines.append(f"{_VERBS[name]} {title}{extra}{reason}")
    return lines


def _title_of(item: Any) -> str:
    """The item's title as either side shows it, else its id on the side it is known."""
    for action in item.actions:
        for found in (getattr(action, "event", None), getattr(action, "activity", None)):
            title = getattr(found, "summary", None) or getattr(found, "name", None)
            if title:
                return repr(title)
        base = getattr(action, "base", None)
        if base is not None:
            return repr(base.fields.summary)
    if item.activity_guid:
        return f"(activity {item.activity_guid})"
    return f"(event {item.event_id})"


@sync_app.command("status")
def sync_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    user: Annotated[str | None, typer.Option("--user", help="Only this user (as `sync --user EMAIL status`).")] = None,
) -> None:
    """Per user: next run, the last run and its counts, failures, pauses and why, conflicts, items set aside
    (BEY-4). Times are local; nothing is cut (the table gets wider than the terminal when it must)."""
    only = user or ctx.obj
    with tandem() as t:
        t.upgrade()
        rows = _status_rows(t, user_by_email(t, only).guid if only else None)
    if as_json:
        typer.echo(json.dumps(rows))
        return
    _print_status(rows)


def _status_rows(t: Tandem, only_guid: str | None) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    from tandem.hub.models import User
    from tandem.runtime import status as sync_health
    from tandem.store.schedule import SqlSchedule

    store = t.sync_store()
    schedule = {row.user_guid: row for row in SqlSchedule(t.db).all()}
    query = sa.select(User).order_by(User.email)
    if only_guid is not None:
        query = query.where(User.guid == only_guid)
    with t.db.read() as session:
        users = session.scalars(query).all()
    rows: list[dict[str, Any]] = []
    for user in users:
        row = schedule.get(user.guid)
        health = sync_health.user_status(store, row, user.guid, user.email)
        last = health.last_run
        rows.append(
            {
                "email": user.email,
                "sync": user.calendar_sync_enabled,
                "next_due": row.next_due_at.isoformat() if row else None,
                "failures": row.failures if row else 0,
                "paused": row.paused_reason if row else None,
                "last_run": last.finished_at.isoformat() if last and last.finished_at else None,
                "last_success": health.last_success.isoformat() if health.last_success else None,
                "last_counts": {k: getattr(last.counts, k) for k in last.counts.__dataclass_fields__} if last else None,
                "last_error": health.last_error,
                "conflicts": health.conflicts,
                "quarantined": [
                    {
                        "reason": q.reason,
                        "side": q.side.value,
                        "activity": q.activity_guid,
                        "event": q.event_id,
                        "attempts": q.attempts,
                        "retry_at": q.retry_at.isoformat(),
                    }
                    for q in health.set_aside
                ],
            }
        )
    return rows


def local_time(iso: str | None) -> str:
    """`2026-12-04T13:05:09.123456+00:00` as the admin's local time, to the minute: `2026-12-04 15:05`."""
    return "-" if iso is None else local_minute(datetime.fromisoformat(iso))


def _counts_text(counts: dict[str, int] | None) -> list[str]:
    """`events created 2`, `activities updated 1`, one a line; `nothing` for a run that changed nothing."""
    if counts is None:
        return ["-"]
    return [f"{name.replace('_', ' ')} {n}" for name, n in counts.items() if n] or ["nothing"]


def _print_status(rows: list[dict[str, Any]]) -> None:
    table = Table()
    for header in ("user", "sync", "next run", "last run"):
        table.add_column(header, no_wrap=True)  # an email or a time is never cut
    changes = [_counts_text(r["last_counts"]) for r in rows]
    table.add_column("last run's changes", min_width=max((len(p) for c in changes for p in c), default=1))
    for header in ("failures", "paused / last error", "conflicts", "set aside"):
        table.add_column(header)
    for r, change in zip(rows, changes, strict=True):
        table.add_row(
            r["email"] or "-",
            "on" if r["sync"] else "off",
            local_time(r["next_due"]) if r["sync"] else "-",
            local_time(r["last_run"]),
            "\n".join(change),
            str(r["failures"]),
            escape(r["paused"] or r["last_error"] or ""),
            str(r["conflicts"]),
            str(len(r["quarantined"])),
        )
    show(table)
    aside = [(r["email"], q) for r in rows for q in r["quarantined"]]
    if aside:
        items = Table("user", "set aside (CAL-17)", "attempts", "retried at")
        for email, q in aside:
            items.add_row(email or "-", escape(q["reason"]), str(q["attempts"]), local_time(q["retry_at"]))
        items.columns[0].no_wrap = items.columns[3].no_wrap = True
        show(items)
