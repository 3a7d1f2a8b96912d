"""Paging as Severa does it: `rowCount` (default 20, at most 100) with an opaque
`pageToken` answered in the `NextPageToken` header, or `firstRow` offsets on the few
routes whose spec says so. Tokens are keyset positions, so a page never repeats or
skips a row when rows are added meanwhile."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from tandem.hub.services.errors import FieldProblem, ValidationFailed

DEFAULT_ROWS = 20
MAX_ROWS = 100


@dataclass(frozen=True, slots=True)
class Page:
    rows: int
    after: list[Any] | None = None
    offset: int = 0


def row_count(value: str | None) -> int:
    if value is None or value == "":
        return DEFAULT_ROWS
    if not value.strip().lstrip("-").isdigit():
        raise ValidationFailed(FieldProblem("rowCount", "rowCount must be a whole number", "UriParameter"))
    rows = int(value)
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
    if not isinstance(position, list) or not position:
        raise ValidationFailed(FieldProblem("pageToken", "pageToken is not one this server gave out", "UriParameter"))
    return position


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
    if not value.strip().isdigit():
        raise ValidationFailed(FieldProblem("firstRow", "firstRow must be a whole number from 0", "UriParameter"))
    return int(value)
