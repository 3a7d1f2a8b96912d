"""What Tandem counts for an operator's Prometheus (BEY-4), with `prometheus-client`.

    tandem_sync_runs_total{outcome}            runs: ok, quiet, failed, halted, stopped
    tandem_sync_items_total{action}            what runs did, per action (events created,
                                               activities updated, conflicts, set aside, …)
    tandem_sync_run_seconds                    how long a run took (histogram)
    tandem_sync_queue_depth                    users waiting for a run (gauge)
    tandem_sync_queue_wait_seconds             from asked for until started (histogram)
    tandem_hub_change_to_calendar_seconds      a hub commit until its run wrote the calendar
    tandem_erp_records_total{entity,result}    ERP runs' records per entity and result
    tandem_calendar_calls_total{backend,method}
                                               calls to the calendar server by method (Google's
                                               `events.list`, CalDAV's `REPORT`); each part of a
                                               Google batch counts, as Google's quota counts it
    tandem_google_quota_units_total{method}    Google quota units spent (a patch costs three; a
                                               call refused by a rate limit none)
    tandem_calendar_call_errors_total{backend,kind}
                                               answers that were errors: the status and Google's
                                               reason (`403 rateLimitExceeded`, `412`), `transport`

`tandem serve` runs the sync in a worker process: both processes write their figures to
files in one folder (`prometheus-client`'s multiprocess mode, `PROMETHEUS_MULTIPROC_DIR`,
set by `tandem serve` before prometheus-client is first imported), and `exposition` sums them. In
one process (tests, `tandem sync`) the figures stay in this process's registry.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from tandem.domain.syncstate import RunCounts
from tandem.ports.calendar import CallObserver

FOLDER = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
SECONDS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300)

runs = Counter("tandem_sync_runs", "Calendar sync runs, by outcome.", ["outcome"])
items = Counter("tandem_sync_items", "What calendar sync runs did, per action.", ["action"])
run_seconds = Histogram("tandem_sync_run_seconds", "How long a calendar sync run took.", buckets=SECONDS)
queue_depth = Gauge("tandem_sync_queue_depth", "Users waiting for a calendar sync run.", multiprocess_mode="livesum")
queue_wait = Histogram(
    "tandem_sync_queue_wait_seconds", "From a user's run asked for until it started.", buckets=SECONDS
)
change_to_calendar = Histogram(
    "tandem_hub_change_to_calendar_seconds",
    "From a hub commit that needs a user's sync until that user's run wrote the calendar.",
    buckets=SECONDS,
)
erp_records = Counter("tandem_erp_records", "ERP runs' records, per entity and result.", ["entity", "result"])
calendar_calls = Counter(
    "tandem_calendar_calls",
    "Calls to the calendar server, by backend and method (each part of a Google batch counts).",
    ["backend", "method"],
)
google_units = Counter("tandem_google_quota_units", "Google Calendar quota units spent, by method.", ["method"])
calendar_errors = Counter(
    "tandem_calendar_call_errors", "Calendar server answers that were errors, by backend and kind.", ["backend", "kind"]
)


def calendar_observer(backend: str) -> CallObserver:
    """What a calendar adapter tells of each call, counted (`google` or `caldav`)."""

    def observe(method: str, units: int, error: str | None) -> None:
        calendar_calls.labels(backend, method).inc()
        if units:
            google_units.labels(method).inc(units)
        if error is not None:
            calendar_errors.labels(backend, error).inc()

    return observe


def process_gone(pid: int) -> None:
    """A worker process ended: its live gauges stop counting."""
    if os.environ.get(FOLDER):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """Every process's figures in Prometheus' text format."""
    if os.environ.get(FOLDER):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def count_run(counts: RunCounts, outcome: str, seconds: float) -> None:
    runs.labels(outcome).inc()
    run_seconds.observe(seconds)
    for action in RunCounts.__dataclass_fields__:
        done = getattr(counts, action)
        if done:
            items.labels(action).inc(done)
