"""ERP-7: the ERP integration's timer inside `tandem serve`.

    stop = asyncio.Event()
    task = asyncio.create_task(run_forever(tandem.erp_integration, settings.erp.interval_s, stop))
    …
    stop.set(); await task

Every `interval_s` (600 s by default, `[erp] interval_s`) it calls `scheduled_run(now)`,
which does nothing while the integration is disabled (never enabled, or `tandem erp
disable`). The integration is synchronous (SQL on two databases), so each run goes to a
worker thread (`asyncio.to_thread`) and the event loop keeps serving the API. Runs never
overlap: the next one starts `interval_s` after the previous one started, or at once when
that one took longer. The first one, too, waits until `interval_s` after the last recorded
run started: restarting `tandem serve` does not run the integration again before its time
(`make run` does the demo ERP's first run itself, just before).

A run that fails as a whole (the ERP database unreachable, a mapping that names a missing
table) is logged and recorded (`ErpIntegration.record_error`), the ERP mirror is dropped
so the next run reads everything afresh, and the loop goes on. Building the integration
is retried the same way when it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from tandem.runtime import metrics
from tandem.runtime.erp.runs import ErpIntegration
from tandem.runtime.logcontext import bound, new_run_id

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def run_forever(
    make_integration: Callable[[], ErpIntegration],
    interval_s: float,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = _utc_now,
) -> None:
    """Run the ERP integration every `interval_s` until `stop` is set."""
    loop = asyncio.get_running_loop()
    integration: ErpIntegration | None = None
    with contextlib.suppress(Exception):  # the loop below builds it again, and says why it cannot
        integration = await asyncio.to_thread(make_integration)
    if integration is not None:
        await _until_due(integration, interval_s, stop, clock)
    while not stop.is_set():
        started = loop.time()
        with bound(run=new_run_id()):  # the run's lines say which run they are of
            integration = await _one_run(make_integration, integration, clock)
        remaining = interval_s - (loop.time() - started)
        if remaining > 0:
            with contextlib.suppress(TimeoutError):  # the interval is over
                async with asyncio.timeout(remaining):  # not wait_for: see runtime/service.py
                    await stop.wait()


async def _until_due(
    integration: ErpIntegration, interval_s: float, stop: asyncio.Event, clock: Callable[[], datetime]
) -> None:
    """Wait (or until `stop`) for `interval_s` after the last recorded run started."""
    try:
        last = await asyncio.to_thread(integration.store.runs, 1)
    except Exception:
        log.exception("the ERP runs could not be read; running now")
        return
    if not last:
        return
    remaining = interval_s - (clock() - last[0].started_at).total_seconds()
    if remaining > 0:
        log.debug("the last ERP run started %.0f s ago: the next one in %.0f s", interval_s - remaining, remaining)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(remaining):
                await stop.wait()


async def _one_run(
    make_integration: Callable[[], ErpIntegration], integration: ErpIntegration | None, clock: Callable[[], datetime]
) -> ErpIntegration | None:
    """One tick; returns the integration to use next time (None: build it again)."""
    now = clock()
    try:
        if integration is None:
            integration = await asyncio.to_thread(make_integration)
    except Exception:
        log.exception("the ERP integration could not be set up; trying again at the next run")
        return None
    try:
        report = await asyncio.to_thread(integration.scheduled_run, now)
    except Exception as error:  # one failed run never stops the schedule (ERP-7)
        log.exception("the ERP run of %s failed", now.isoformat())
        integration.mirror.forget()
        try:
            await asyncio.to_thread(integration.record_error, now, error)
        except Exception:
            log.exception("the failed ERP run could not be recorded either")
        return integration
    if report is not None:
        for entity in report.entities:
            for result, n in entity.counts().items():
                metrics.erp_records.labels(str(entity.entity), result).inc(n)
        counts = "; ".join(
            f"{e.entity} " + ", ".join(f"{name} {n}" for name, n in e.counts().items() if n) for e in report.entities
        )
        log.info("ERP run of %s: %s", now.isoformat(), counts or "nothing to do")
    return integration
