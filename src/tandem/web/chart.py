"""The sync activity's charts (BEY-4), drawn on the server as SVG: no script, and no style
attribute (the pages' Content-Security-Policy allows neither), only SVG's own attributes.

`by_hour` sums the run records of the last 24 hours per hour; `bars` lays a series out as
rectangles in a fixed view box. Both are pure, so the numbers are tested without a page.

Latency is what the run records hold: how long each run took (finished - started). A
run starts within a second of a PSA change (CAL-8), or at the user's cycle for a calendar
change, so a run's duration is the part of the sync latency Tandem itself adds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tandem.domain.syncstate import RunCounts, RunRecord

HOURS = 24
CHANGES = (
    "events_created",
    "events_updated",
    "events_deleted",
    "activities_created",
    "activities_updated",
    "activities_deleted",
)
"""What counts as a change synced: a write on either side."""


def changes(counts: RunCounts) -> int:
    return sum(getattr(counts, name) for name in CHANGES)


@dataclass(frozen=True, slots=True)
class Hour:
    start: datetime
    runs: int
    failed: int
    changes: int
    mean_s: float | None
    slowest_s: float | None


def by_hour(runs: Iterable[RunRecord], now: datetime, hours: int = HOURS) -> list[Hour]:
    """One `Hour` per hour, oldest first, the last the hour `now` is in; dry runs and runs
    that did not finish (or started before the first hour) left out of the sums."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours - 1)
    buckets: list[list[RunRecord]] = [[] for _ in range(hours)]
    for run in runs:
        index = int((run.started_at - first) // timedelta(hours=1))
        if not run.dry_run and 0 <= index < hours:
            buckets[index].append(run)
    return [_hour(first + timedelta(hours=i), bucket) for i, bucket in enumerate(buckets)]


def _hour(start: datetime, runs: Sequence[RunRecord]) -> Hour:
    took = [(r.finished_at - r.started_at).total_seconds() for r in runs if r.finished_at is not None]
    return Hour(
        start=start,
        runs=len(runs),
        failed=sum(1 for r in runs if r.error or r.halted_reason),
        changes=sum(changes(r.counts) for r in runs),
        mean_s=sum(took) / len(took) if took else None,
        slowest_s=max(took, default=None),
    )


WIDTH, HEIGHT = 480, 160
LEFT, BOTTOM, TOP = 40, 20, 10
"""The view box, and the room for the value axis (left), the hour labels (bottom) and the top label."""


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    hour_labels: list[Label]
    top: Label
    """The value at the top of the scale (the unit is in the chart's heading)."""
    base_y: float


def bars(values: Sequence[float | None], starts: Sequence[datetime], unit: str) -> BarChart:
    """Bars for `values` (None: nothing to show that hour) against a scale from 0 to the
    largest; every sixth hour labelled."""
    top = max((v for v in values if v is not None), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - LEFT, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(values), 1)
    drawn = []
    for i, (value, start) in enumerate(zip(values, starts, strict=True)):
        if value is None:
            continue
        height = plot_h * value / top
        title = f"{start:%H:00}: {_number(value)} {unit}"
        drawn.append(Bar(LEFT + i * step + 1, TOP + plot_h - height, max(step - 2, 1), height, title))
    labels = [Label(LEFT + i * step + step / 2, HEIGHT - 5, f"{s:%H}") for i, s in enumerate(starts) if i % 6 == 0]
    return BarChart(WIDTH, HEIGHT, drawn, labels, Label(LEFT - 4, TOP + 8, _number(top)), TOP + plot_h)


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
