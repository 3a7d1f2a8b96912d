"""What a finished run means for the user's schedule (pure)."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tandem import bootstrap
from tandem.config import load_settings
from tandem.runtime import policy
from tandem.store.schedule import UserSchedule

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
ROW = UserSchedule("u-1", NOW)


def after(**kw: object) -> UserSchedule:
    return policy.after_run(ROW, NOW, 30, rng=random.Random(1), **kw)  # type: ignore[arg-type]


def test_cal_8_a_good_run_is_due_again_after_the_poll_interval() -> None:
    done = after(error=None)
    assert done.next_due_at == NOW + timedelta(seconds=30)
    assert (done.failures, done.last_success_at) == (0, NOW)


def test_cal_8_by_default_a_good_run_is_due_again_after_30_seconds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The interval is the one the application wires into its sync runtime from settings
    read as the CLI reads them, with nothing set (no `TANDEM_*` variable, no config file)."""
    for name in [n for n in os.environ if n.startswith("TANDEM_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no ./tandem.toml; the default database is never opened
    tandem = bootstrap.build(load_settings())
    try:
        interval = tandem.sync_runtime().settings.poll_interval_s
    finally:
        tandem.close()
    done = policy.after_run(ROW, NOW, interval, error=None, rng=random.Random(1))
    assert done.next_due_at == NOW + timedelta(seconds=30)


def test_cal_17_failures_back_off_exponentially_with_jitter_up_to_an_hour() -> None:
    row, waits = ROW, []
    for _ in range(10):
        row = policy.after_run(row, NOW, 30, error="503", rng=random.Random(7))
        waits.append((row.backoff_until - NOW).total_seconds())  # type: ignore[operator]
    assert waits[0] < waits[3] < waits[6]
    assert all(15 <= w <= 3600 for w in waits)
    assert waits[-1] >= 1800  # capped near an hour, never beyond
    assert row.failures == 10
    assert policy.after_run(row, NOW, 30, error=None).failures == 0


def test_quota_exceeded_pauses_the_user_for_an_hour_with_the_reason() -> None:
    paused = after(error="quota", quota=True)
    assert paused.paused_until == NOW + timedelta(hours=1)
    assert "usage limit" in (paused.paused_reason or "")
    assert paused.paused_at(NOW + timedelta(minutes=59))
    assert not paused.paused_at(NOW + timedelta(minutes=61))


def test_bey_3_the_breaker_pauses_until_someone_confirms() -> None:
    halted = after(error=None, halted="would delete 12 of 12 items")
    assert halted.paused_reason == "would delete 12 of 12 items"
    assert halted.paused_until is None
    assert halted.paused_at(NOW + timedelta(days=30))
