"""`tandem erp run` / `erp status` as an admin reads them (issue 11, item 6): a run titled with
its date, failures grouped by reason with a count and the first few keys, never one line per
failed record."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tandem.cli.erp import _print_run
from tandem.domain.erp import EntityReport, ErpEntity, Failure, RunReport


def test_erp_7_a_run_groups_its_failures_by_reason_with_a_count_and_the_first_keys(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Helsinki")
    monkeypatch.setenv("COLUMNS", "200")
    unlinked = [Failure(f"P{n:03}", "set [erp] project_customer") for n in range(288)]
    nameless = [Failure("P900", "the ERP record has no name")] * 2
    failed = (*unlinked, *nameless)
    started = datetime(2026, 12, 4, 13, 5, 9, 123456, tzinfo=UTC)
    report = RunReport(started, started, False, (EntityReport(ErpEntity.PROJECT, failed=failed),))
    time.tzset()
    try:
        _print_run(report)
    finally:
        monkeypatch.undo()
        time.tzset()
    shown = capsys.readouterr().out
    assert "Run of 2026-12-04 15:05" in shown  # its date, in local time (Helsinki is UTC+2 in December)
    failure_lines = [line for line in shown.splitlines() if "failed:" in line]
    assert failure_lines == [
        "  project: 288 failed: set [erp] project_customer (P000, P001, P002 and 285 more)",
        "  project: 2 failed: the ERP record has no name (P900)",
    ]
