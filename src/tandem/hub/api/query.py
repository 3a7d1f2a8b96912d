"""Query-string parameters, read strictly: a bad value is a 400 that names the parameter."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.datastructures import QueryParams

from tandem.domain import limits
from tandem.hub.services.errors import FieldProblem, ValidationFailed


def _bad(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(FieldProblem(name, message, "UriParameter"))


def text(params: QueryParams, name: str) -> str | None:
    value = params.get(name)
    return value if value not in (None, "") else None


def boolean(params: QueryParams, name: str) -> bool | None:
    value = text(params, name)
    if value is None:
        return None
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise _bad(name, f"{name} must be true or false")
    return lowered == "true"


def integer(params: QueryParams, name: str) -> int | None:
    """A whole number in ASCII digits that fits a signed 64-bit integer."""
    value = text(params, name)
    if value is None:
        return None
    number = limits.whole_number(value)
    if number is None:
        raise _bad(name, f"{name} must be a whole number (ASCII digits, at most {limits.MAX_INT})")
    return number


def integers(params: QueryParams, name: str) -> list[int]:
    out = []
    for item in many(params, name):
        number = limits.whole_number(item)
        if number is None:
            raise _bad(name, f"{name} must be whole numbers (ASCII digits, at most {limits.MAX_INT})")
        out.append(number)
    return out


def instant(params: QueryParams, name: str) -> datetime | None:
    """An RFC 3339 date-time in the supported range; without an offset it is read as UTC."""
    value = text(params, name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise _bad(name, f"{name} must be a date-time such as 2024-04-12T13:20:00+02:00") from None
    if not limits.in_calendar(moment):
        raise _bad(name, f"{name} must be from {limits.calendar_range()}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def many(params: QueryParams, name: str) -> list[str]:
    """A list parameter, repeated (`a=1&a=2`) or comma-separated (`a=1,2`)."""
    out: list[str] = []
    for value in params.getlist(name):
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


def choices(params: QueryParams, name: str, allowed: tuple[str, ...]) -> list[str]:
    values = many(params, name)
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise _bad(name, f"{name} must be among {', '.join(allowed)}; got {', '.join(wrong)}")
    return values
