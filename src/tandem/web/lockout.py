"""Lock-out after repeated failed sign-ins (the web's password form).

`Rules().failures` failures for one email within `window_s` lock that email for
`lock_s`; `address_failures` failures from one client address within the window lock the
address the same way. A locked email or address is refused before any password is
checked (no slow hash for it). A success clears the email's count. The email is counted
whether or not a user has it, so a lock-out says nothing about which emails exist.

In memory, per process (`tandem serve` has one web process): a restart forgets the counts,
which only ever lets someone in sooner.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rules:
    failures: int = 5
    address_failures: int = 20
    window_s: float = 15 * 60.0
    lock_s: float = 15 * 60.0
    max_keys: int = 100_000
    """Past this many remembered keys the stale ones are dropped (memory stays bounded)."""


class SignInGuard:
    def __init__(self, rules: Rules | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.rules = rules or Rules()
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._locked_until: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(email: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("email", email.strip().lower()), ("address", address)

    def locked_for_s(self, email: str, address: str) -> int:
        """Whole seconds until this email and address may try again (0: now)."""
        now = self._clock()
        with self._lock:
            until = max((self._locked_until.get(k, 0.0) for k in self._keys(email, address)), default=0.0)
        return math.ceil(until - now) if until > now else 0

    def failed(self, email: str, address: str) -> None:
        now = self._clock()
        email_key, address_key = self._keys(email, address)
        with self._lock:
            self._prune(now)
            for key, allowed in ((email_key, self.rules.failures), (address_key, self.rules.address_failures)):
                recent = self._failures.setdefault(key, deque())
                recent.append(now)
                while recent and now - recent[0] > self.rules.window_s:
                    recent.popleft()
                if len(recent) >= allowed:
                    self._locked_until[key] = now + self.rules.lock_s
                    recent.clear()

    def succeeded(self, email: str, address: str) -> None:
        email_key, _ = self._keys(email, address)
        with self._lock:
            self._failures.pop(email_key, None)

    def _prune(self, now: float) -> None:
        if len(self._failures) + len(self._locked_until) <= self.rules.max_keys:
            return
        for key in [k for k, times in self._failures.items() if not times or now - times[-1] > self.rules.window_s]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
