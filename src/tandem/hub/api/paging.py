"""Paging as Severa does it: `rowCount` (default 20, at most 100) with an opaque
`pageToken` answered in the `NextPageToken` header, or `firstRow` offsets on the few
routes whose spec says so. Tokens are keyset positions, so a page never repeats or
skips a row when rows are added meanwhile.

Numbers from outside are ASCII digits that fit a signed 64-bit integer, and a token holds
only what this server puts in one (ids and date-times in the supported range), so no
forged token reaches the database with a value it cannot take."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.domain import limits
from tandem.hub.services.errors import FieldProblem, ValidationFailed

DEFAULT_ROWS = 20
MAX_ROWS = 100


@dataclass(frozen=True, slots=True)
class Page:
    rows: int
    after: list[Any] | None = None
    offset: int = 0


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(FieldProblem(name, message, "UriParameter"))


def row_count(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_ROWS
    rows = limits.whole_number(value.strip())
    if rows is None:
        raise _bad("rowCount", "rowCount must be a whole number in ASCII digits")
    if not 1 <= rows <= MAX_ROWS:
        raise ValidationFailed(FieldProblem("rowCount", f"rowCount must be between 1 and {MAX_ROWS}", "UriParameter"))
    return rows


def encode_token(position: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(position, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> list[Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        position = None
    if not isinstance(position, list) or not position or not all(_ours(item) for item in position):
        raise _bad("pageToken", "pageToken is not one this server gave out")
    return position


def _ours(item: Any) -> bool:
    """A value this server puts in a token: an id, or a date-time in the supported range."""
    if isinstance(item, int) and not isinstance(item, bool):
        return 0 <= item <= limits.MAX_INT
    if isinstance(item, str):
        try:
            moment = datetime.fromisoformat(item)
        except ValueError:
            return False
        return limits.in_calendar(moment)
    return False


def id_position(token: str | None) -> int | None:
    """The id a page token of an id-ordered listing continues after."""
    position = decode_token(token)
    if position is None:
        return None
    if len(position) != 1 or not isinstance(position[0], int) or isinstance(position[0], bool):
        raise ValidationFailed(FieldProblem("pageToken", "pageToken is not one this server gave out", "UriParameter"))
    return position[0]


def first_row(value: str | None) -> int:
    if value is None or value == "":
        return 0
    row = limits.whole_number(value.strip())
    if row is None or row < 0:
        raise _bad("firstRow", f"firstRow must be a whole number from 0 to {limits.MAX_INT}, in ASCII digits")
    return row
