"""The emulator's clock: real time by default, frozen or shifted on demand.

Token expiry, assertion lifetimes, rate-limit windows, `updated` stamps and sync-token ages
all read this one clock, so a test can move an hour forward and see access tokens expire
without sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class EmulatorClock:
    """Thread-safe controllable clock (always timezone-aware UTC)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)

    @staticmethod
    def _real() -> datetime:
        return datetime.now(UTC)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._real() + self._offset

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen_at is not None

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop time at `at` (default: the current emulated instant)."""
        if at is not None and at.tzinfo is None:
            raise ValueError("the clock only takes timezone-aware datetimes")
        current = self.now()
        with self._lock:
            self._frozen_at = (at or current).astimezone(UTC)
            return self._frozen_at

    def unfreeze(self) -> None:
        """Let time run again from the frozen instant (no jump back to real time)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._real()
                self._frozen_at = None

    def advance(self, seconds: float) -> datetime:
        """Move emulated time forward (or back, with a negative value)."""
        step = timedelta(seconds=seconds)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += step
                return self._frozen_at
            self._offset += step
            return self._real() + self._offset

    def set_offset(self, seconds: float) -> None:
        """Run at real time plus `seconds` (unfreezes)."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(seconds=seconds)

    def reset(self) -> None:
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)
