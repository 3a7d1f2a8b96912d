"""Slowing down secret guessing at `POST /v1/token`.

Failed sign-ins are counted per address and per client id. Past a few free failures
each further one makes the key wait longer (1 s, 2 s, 4 s … at most `max_wait_s`); a
request while a key waits is answered 429 with `Retry-After`, before any secret is
hashed. A success clears the address's and the client's count.

An attacker must not be able to lock a real client out: the per-client wait never
lasts longer than `max_wait_s`, and it does not apply at all to an address from which
that client has signed in before (remembered for `trusted_for_s`). Counts are
forgotten after `forget_after_s` without a failure. All in memory, per process: a
restart forgets them, which only ever lets a client in sooner.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Count:
    failures: int
    last: float
    until: float


@dataclass(frozen=True, slots=True)
class Rules:
    free_per_address: int = 10
    free_per_client: int = 5
    first_wait_s: float = 1.0
    max_wait_s: float = 60.0
    forget_after_s: float = 15 * 60.0
    trusted_for_s: float = 30 * 24 * 3600.0
    max_keys: int = 100_000
    """Past this many remembered keys the stale ones are dropped (memory stays bounded)."""


class Throttle:
    def __init__(self, rules: Rules | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules or Rules()
        self._clock = clock
        self._counts: dict[tuple[str, str], _Count] = {}
        self._trusted: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def wait_s(self, address: str, client_id: str | None = None) -> int:
        """Whole seconds this attempt must wait (0: go ahead); without `client_id`, what the
        address alone must wait."""
        now = self._clock()
        with self._lock:
            keys = [("address", address)]
            if client_id is not None and self._trusted.get((address, client_id), -math.inf) < now:
                keys.append(("client", client_id))
            until = max((c.until for k in keys if (c := self._counts.get(k)) is not None), default=0.0)
        return math.ceil(until - now) if until > now else 0

    def failed(self, address: str, client_id: str) -> None:
        now = self._clock()
        with self._lock:
            self._prune(now)
            for key, free in (
                (("address", address), self.rules.free_per_address),
                (("client", client_id), self.rules.free_per_client),
            ):
                count = self._counts.get(key)
                if count is None or now - count.last > self.rules.forget_after_s:
                    count = self._counts[key] = _Count(0, now, now)
                count.failures += 1
                count.last = now
                over = count.failures - free
                if over > 0:
                    count.until = now + min(self.rules.first_wait_s * 2 ** min(over - 1, 30), self.rules.max_wait_s)

    def succeeded(self, address: str, client_id: str) -> None:
        now = self._clock()
        with self._lock:
            self._counts.pop(("address", address), None)
            self._counts.pop(("client", client_id), None)
            self._trusted[(address, client_id)] = now + self.rules.trusted_for_s

    def _prune(self, now: float) -> None:
        if len(self._counts) > self.rules.max_keys:
            stale = [k for k, c in self._counts.items() if now - c.last > self.rules.forget_after_s or c.until < now]
            for key in stale:
                del self._counts[key]
        if len(self._trusted) > self.rules.max_keys:
            for key in [k for k, until in self._trusted.items() if until < now]:
                del self._trusted[key]
