"""Housekeeping inside `tandem serve`: what must happen now and then, not per user.

Today one task: forgetting tombstones of deleted activities and change-log rows older than
`tombstone_retention_days` (hourly).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("tandem.runtime.housekeeping")


async def every(interval_s: float, job: Callable[[], Any], stop: asyncio.Event, name: str) -> None:
    """Run `job` in a worker thread now and every `interval_s` until `stop`; a failing run is
    logged and the next one comes as planned. What a run did is logged when it did anything
    (its outcome is true); a run that did nothing only at debug level, so that `tandem serve`'s
    start ends on its "ready" line, not on "nothing purged"."""
    while not stop.is_set():
        try:
            outcome = await asyncio.to_thread(job)
            log.log(logging.INFO if outcome else logging.DEBUG, "%s: %s", name, outcome)
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, interval_s)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval_s):
                await stop.wait()
