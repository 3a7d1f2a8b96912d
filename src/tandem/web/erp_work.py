"""The ERP work the Admin → ERP page starts: one piece at a time in this server process.

    work = ErpWork(make_integration)
    work.start_run(dry_run=True)      → False while other ERP work is going (nothing started)
    work.running                      → Running(dry_run, started_at) while a run goes
    work.last                         → Outcome of the last run started here (its report or error)
    work.exclusive(lambda i: i.preflight(now))  → the result, or BUSY (call it in a worker thread)

A run goes to a thread of its own (the page answers at once and shows it going; the event
loop never waits for the ERP); the preflight and enabling are short reads the page waits
for in a worker thread. All of them take the same lock without waiting, so a second
press while a run goes is refused, never queued, and the one `ErpIntegration` (not
thread-safe, see `store.erp_state.ItemWrites`) is used by one piece of work at a time.
It is built at first use, as the schedule builds its own (`runtime.erp.schedule`), and
kept, so its mirror's incremental reads carry over between runs.

The lock is this process's: a scheduled run in the worker process (`[erp] enabled`) is not
seen (docs/erp.md, *Known limits*).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar

from tandem.domain.erp import RunReport
from tandem.domain.errors import TandemError
from tandem.runtime.erp import ErpIntegration

log = logging.getLogger(__name__)

T = TypeVar("T")


class Busy(Enum):
    BUSY = "busy"


BUSY = Busy.BUSY
"""What `exclusive` returns while other ERP work is going."""


@dataclass(frozen=True, slots=True)
class Running:
    dry_run: bool
    started_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """A run started from the page: its report, or why it could not run at all."""

    dry_run: bool
    started_at: datetime
    finished_at: datetime
    report: RunReport | None
    error: str | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class ErpWork:
    def __init__(
        self,
        make_integration: Callable[[], ErpIntegration],
        hide: Callable[[str], str] = lambda text: text,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._make = make_integration
        self._hide = hide
        self._clock = clock
        self._lock = threading.Lock()
        self._integration: ErpIntegration | None = None
        self._thread: threading.Thread | None = None
        self.running: Running | None = None
        self.last: Outcome | None = None

    def start_run(self, *, dry_run: bool) -> bool:
        """Start a run (or a dry run) in a thread of its own; False, starting nothing, while
        other ERP work is going."""
        if not self._lock.acquire(blocking=False):
            return False
        self.running = Running(dry_run, self._clock())
        self._thread = threading.Thread(target=self._run, args=(self.running,), name="erp-run-now", daemon=True)
        self._thread.start()
        return True

    def exclusive(self, work: Callable[[ErpIntegration], T]) -> T | Busy:
        """`work` on the integration unless other ERP work is going. Blocks: call it in a worker thread."""
        if not self._lock.acquire(blocking=False):
            return BUSY
        try:
            return work(self._built())
        finally:
            self._lock.release()

    def wait(self, timeout_s: float) -> None:
        """Until the run started last has finished (for tests and shutdown)."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _built(self) -> ErpIntegration:
        if self._integration is None:
            self._integration = self._make()
        return self._integration

    def _run(self, running: Running) -> None:
        integration: ErpIntegration | None = None
        try:
            integration = self._built()
            report = integration.run(running.started_at, dry_run=running.dry_run)
            self.last = Outcome(running.dry_run, running.started_at, self._clock(), report)
        except Exception as error:  # the page shows it; a real run keeps it in the history too
            log.exception("the ERP run started from the page failed")
            self.last = Outcome(running.dry_run, running.started_at, self._clock(), None, self.describe(error))
            if integration is not None and not running.dry_run:
                self._record(integration, running.started_at, error)
        finally:
            self.running = None
            self._lock.release()

    def describe(self, error: BaseException) -> str:
        """An error as the page shows it (Tandem's own in its words, others with their kind), any secret hidden."""
        text = str(error) if isinstance(error, TandemError) else f"{type(error).__name__}: {error}"
        return self._hide(text)

    def _record(self, integration: ErpIntegration, started_at: datetime, error: BaseException) -> None:
        integration.mirror.forget()  # the next run reads everything afresh, as the schedule does
        try:
            integration.record_error(started_at, error)  # as the schedule keeps it; hidden when shown
        except Exception:
            log.exception("the failed ERP run could not be recorded either")
