"""The PSA side of the calendar sync: the hub in-process, later Severa over REST."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tandem.domain.activity import Activity, ChangeOperation


@dataclass(frozen=True, slots=True)
class HubChange:
    """One row of the hub's change log as a user's sync sees it."""

    seq: int
    activity_guid: str
    operation: ChangeOperation
    origin: str
    changed_fields: tuple[str, ...] = ()


class PsaPort(Protocol):
    """The PSA side of the calendar sync (the hub in-process; later Severa over REST)."""

    def changes_for_user(self, user_guid: str, after_seq: int, limit: int = 1000) -> Sequence[HubChange]: ...

    def latest_seq(self) -> int: ...

    def get_activity(self, guid: str, include_deleted: bool = False) -> Activity | None: ...
