"""Page and sync tokens: opaque to clients, checked strictly by the emulator.

A sync token names a calendar, the change sequence number it was issued at, the calendar's
token epoch (bumped to invalidate every token, as an ACL change does at Google), the shape
of the query it came from (`singleEvents`, `eventTypes`), and when it was issued (for an
optional lifetime). Any token that does not decode, or names another calendar, an old
epoch, a future sequence, another shape, or is too old, is answered 410 `fullSyncRequired`.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.emulators.google import errors
from tandem.emulators.google.calendars import Calendar


def _encode(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode("ascii").rstrip("=")


def _decode(token: str) -> dict[str, Any] | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(zlib.decompress(base64.urlsafe_b64decode(padded.encode("ascii"))))
    except (ValueError, zlib.error, UnicodeError):
        return None
    return value if isinstance(value, dict) else None


def query_fingerprint(params: Mapping[str, list[str]]) -> int:
    """What a page token is bound to: every parameter but the paging ones."""
    relevant = sorted((k, v) for k, v in params.items() if k not in ("pageToken", "maxResults"))
    return zlib.crc32(json.dumps(relevant).encode())


@dataclass(frozen=True, slots=True)
class SyncShape:
    """The parameters an incremental read must repeat from its full sync."""

    single_events: bool
    event_types: tuple[str, ...] | None  # sorted; None: every type


@dataclass(frozen=True, slots=True)
class PageCursor:
    fingerprint: int
    position: int  # creation index, change seq already returned, or offset
    sub: int  # occurrences of the record at `position` already returned
    snapshot: int  # the calendar's change seq when the first page was read
    base: int | None  # the sync token's seq for an incremental read


def page_token(cursor: PageCursor) -> str:
    return _encode(
        {
            "k": "p",
            "f": cursor.fingerprint,
            "p": cursor.position,
            "s": cursor.sub,
            "n": cursor.snapshot,
            "b": cursor.base,
        }
    )


def read_page_token(token: str, fingerprint: int) -> PageCursor:
    payload = _decode(token)
    if payload is None or payload.get("k") != "p" or payload.get("f") != fingerprint:
        raise errors.invalid("Invalid page token value.", location="pageToken")
    try:
        base = payload["b"]
        return PageCursor(
            fingerprint, int(payload["p"]), int(payload["s"]), int(payload["n"]), None if base is None else int(base)
        )
    except (KeyError, TypeError, ValueError):
        raise errors.invalid("Invalid page token value.", location="pageToken") from None


def sync_token(calendar: Calendar, seq: int, shape: SyncShape, now: datetime) -> str:
    payload: dict[str, Any] = {"k": "s", "c": calendar.owner, "n": seq, "e": calendar.epoch, "s": shape.single_events}
    if shape.event_types is not None:
        payload["y"] = list(shape.event_types)
    return _encode({**payload, "t": int(now.timestamp())})


def read_sync_token(token: str, calendar: Calendar, shape: SyncShape, now: datetime, ttl: float | None) -> int:
    """The change seq a valid token stands for; 410 fullSyncRequired otherwise."""
    payload = _decode(token)
    if payload is None or payload.get("k") != "s" or payload.get("c") != calendar.owner:
        raise errors.full_sync_required()
    seq, epoch, issued = payload.get("n"), payload.get("e"), payload.get("t")
    if not isinstance(seq, int) or not isinstance(issued, int) or epoch != calendar.epoch or seq > calendar.seq:
        raise errors.full_sync_required()
    types = payload.get("y")
    bound = tuple(types) if isinstance(types, list) else None
    if payload.get("s") != shape.single_events or bound != shape.event_types:
        raise errors.full_sync_required()
    if ttl is not None and now.timestamp() - issued > ttl:
        raise errors.full_sync_required()
    return seq
