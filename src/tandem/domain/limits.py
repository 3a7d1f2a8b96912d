"""What Tandem takes, whoever writes it (BEY-11, CAL-17): one module of limits and of the
checks that apply them, so the REST API, the calendar sync and the ERP refuse the same
values, and docs/hub-api.md ("Limits and refusals at the door") can cite each constant.

Every check is a pure function of the value; nothing here is computed at import time
(the zone list is read once, on first use).
"""

from __future__ import annotations

import functools
import unicodedata
import zoneinfo
from datetime import date, datetime
from decimal import Decimal

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
"""Every date and date-time Tandem stores or filters by lies in these days, read as
written (before any offset or zone is applied): a day's offset is at most a day, so no
conversion of an accepted value can leave what `datetime` holds."""

MAX_INT = 2**63 - 1
"""Whole numbers from outside (query parameters, page tokens) fit a signed 64-bit
integer, the database's bigint."""

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
"""The recurrence frequencies a series may have: the ones Severa's recurrence model
(Daily, Weekly, Monthly, Yearly) can express."""

MAX_OCCURRENCES = 1000
"""The largest COUNT of a series (`recurrence.range.maxOccurrences`); a longer series
gives an end date (UNTIL) instead."""

MAX_INTERVAL = 999
"""The largest INTERVAL of a series (`recurrence.pattern.*.interval`)."""

MAX_ACTIVITY_NAME = 500
MAX_LOCATION = 1000
MAX_NOTES = 8192
"""Activity notes become the calendar event's description, which Google Calendar keeps
to 8192 characters; every other long text (user, customer and invoice notes, project
and contact descriptions) has the same limit."""

MAX_EMAIL = 320

MAX_AMOUNT = Decimal("9999999999999999.99")
"""Money (a product's unit price, an invoice's amounts) fits the database's NUMERIC(18, 2):
at most sixteen whole digits, either sign; finite."""


def is_amount(value: Decimal) -> bool:
    """Finite, and still within `MAX_AMOUNT` once rounded to cents as the database stores it."""
    return value.is_finite() and abs(value) < MAX_AMOUNT + Decimal("0.005")


MAX_PARTICIPANT_NAME = 200

NOT_ZONES = frozenset({"Factory", "posixrules", "localtime"})
"""Files of the zone database that are not places: a placeholder zone, the POSIX
default rules and the machine's own zone."""

INVISIBLE = frozenset("\u115f\u1160\u2800\u3164\uffa0")
"""Letters and symbols that render as nothing (Hangul fillers, the blank Braille
pattern); format characters (zero-width space and joiners, word joiner, byte-order
mark, soft hyphen…) and controls are found by their Unicode category."""

EMAIL_FORBIDDEN = frozenset('<>,;:"()[]\\')


def in_calendar(value: date | datetime) -> bool:
    """The day `value` names, as written, lies in EARLIEST..LATEST."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST <= day <= LATEST


def calendar_range() -> str:
    """The supported range, as refusals say it."""
    return f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


@functools.cache
def time_zones() -> frozenset[str]:
    """The IANA zone names Tandem takes: the zone database's places (no folders such as
    `America`, no `Factory`, `posixrules`, `localtime`, `right/…` or `posix/…`)."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in NOT_ZONES and not name.startswith(("right/", "posix/"))
    )


def is_time_zone(name: object) -> bool:
    """`name` is an IANA zone name Tandem takes, spelled exactly (the one check every
    place that takes a zone uses)."""
    return isinstance(name, str) and name in time_zones()


def is_blank(text: str) -> bool:
    """Nothing a reader would see: only white space, controls, format characters
    (U+200B, U+200C, U+200D, U+2060, U+FEFF, …) and fillers that render as nothing."""
    return all(ch.isspace() or ch in INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def is_email(text: str) -> bool:
    """A plain `local@domain.tld` address: one @, both parts given, a dot in the domain, nothing invisible or
    spacing (no CR/LF), none of the characters that make a list or a display name."""
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or len(text) > MAX_EMAIL or len(local) > 64:
        return False
    if "@" in local or any(not ch.isprintable() or ch.isspace() or ch in EMAIL_FORBIDDEN for ch in text):
        return False
    labels = domain.split(".")
    return len(labels) > 1 and all(labels)  # `gina@example` is a typo, not an address


def whole_number(text: str) -> int | None:
    """`text` as a whole number if it is one in ASCII digits (an optional leading minus)
    that fits a signed 64-bit integer, else None. (`int()` also takes `٣`, `str.isdigit()`
    also passes `²`.)"""
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdecimal()) or len(digits) > 19:
        return None
    value = int(text)
    return value if -MAX_INT - 1 <= value <= MAX_INT else None
