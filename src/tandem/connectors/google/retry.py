"""Retrying what Google asks us to retry: exponential backoff with full jitter, bounded.

Google's "Handle API errors" guide asks for exponential backoff on 403 rate limits, 429
and 5xx. Full jitter (a random wait between 0 and the exponential cap) spreads thousands
of users' retries instead of synchronising them. A `Retry-After` that Google sends is
obeyed as the wait; one longer than `max_delay` is not slept here at all: the error goes
up with `retry_after` set, so the runtime reschedules the user instead of holding a
worker. `QuotaExceeded` is never retried here (backoff does not clear it quickly).

The sleep and the random source are injected, so tests see every wait without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tandem.domain.errors import RateLimited, Unavailable

log = logging.getLogger("tandem.connectors.google")
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    retries: int = 5
    """Retries after the first attempt; then the last RateLimited / Unavailable is raised."""
    base_delay: float = 1.0
    max_delay: float = 32.0
    sleep: Sleep = field(default=asyncio.sleep, compare=False)
    random: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `retry` (0 = the first retry); None: give up."""
        if retry >= self.retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_delay else None
        return self.random() * min(self.max_delay, self.base_delay * 2.0**retry)


async def retrying(policy: RetryPolicy, what: str, attempt: Callable[[], Awaitable[T]]) -> T:
    """Run `attempt` until it succeeds, retrying RateLimited / Unavailable per `policy`."""
    retry = 0
    while True:
        try:
            return await attempt()
        except (RateLimited, Unavailable) as error:
            wait = policy.delay(retry, error.retry_after)
            if wait is None:
                raise
            log.info("%s: %s; retry %d in %.2f s", what, type(error).__name__, retry + 1, wait)
            await policy.sleep(wait)
            retry += 1
