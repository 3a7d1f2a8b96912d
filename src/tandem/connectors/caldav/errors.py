"""The one place where a CalDAV server's answers and local failures become Tandem's errors.

Every adapter method runs inside `translating(call)`; whatever it meets ends up here:

    what happened                                      raised as (tandem.domain.errors)
    transport failure, timeout, broken connection      Unavailable
    401                                                AuthFailed   (wrong user or password)
    403 / 409 with DAV:valid-sync-token                FullSyncRequired (RFC 6578 §3.2)
    403 otherwise                                      Forbidden
    404 on the calendar itself (REPORT, PROPFIND, PUT  ConfigurationError: no calendar at the
        into a missing collection: 409)                URL the settings give for the user
    404 on an item                                     NotFound
    409 with CALDAV:no-uid-conflict                    AlreadyExists (the UID lives elsewhere)
    412 on a create (If-None-Match: *)                 AlreadyExists (the deterministic href is taken)
    412 otherwise (If-Match)                           PreconditionFailed
    429                                                RateLimited (Retry-After kept)
    507                                                QuotaExceeded (the server's storage is full)
    5xx                                                Unavailable (Retry-After kept)
    other 4xx                                          InvalidRequest
    XML or iCalendar we cannot read (Unreadable)       RemoteDataInvalid
    an event we cannot write as iCalendar (Unwritable) InvalidRequest

Messages name the operation, the user and the URL, and quote the server's status; they
never carry a password (httpx keeps the Authorization header out of URLs and messages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tandem.domain import errors as tandem


class DavError(Exception):
    """A WebDAV answer outside 2xx, as the client met it (translated by `translate`)."""

    def __init__(self, method: str, url: str, status: int, body: str, retry_after: float | None = None) -> None:
        super().__init__(f"{method} {url}: {status}")
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.retry_after = retry_after

    def names(self, condition: str) -> bool:
        """The answer's body names this precondition (`valid-sync-token`, `supported-report`)."""
        return condition in self.body


class Unreadable(Exception):
    """The server sent XML or iCalendar we cannot read."""


@dataclass(frozen=True, slots=True)
class Call:
    """What the adapter was doing, for the message and the few statuses that depend on it."""

    operation: str
    calendar_id: str
    on_collection: bool = False
    """The request addressed the calendar itself (a 404 means a wrong calendar URL)."""
    create: bool = False
    """A create with `If-None-Match: *` (a 412 means the href is taken)."""


def translate(error: DavError, call: Call) -> tandem.TandemError:
    where = f"{call.operation} for {call.calendar_id}: {error.method} {error.url} answered {error.status}"
    status = error.status
    if status == 401:
        return tandem.AuthFailed(f"{where}: the CalDAV server refused the user name or password")
    if status in (403, 409) and error.names("valid-sync-token"):
        return tandem.FullSyncRequired(f"{where}: the sync token is no longer valid")
    if status == 403:
        return tandem.Forbidden(where)
    if status == 404 or (status == 409 and error.method == "PUT" and not error.names("no-uid-conflict")):
        if call.on_collection or status == 409:
            return tandem.ConfigurationError(
                f"{where}: there is no calendar at this URL (check the calendar URL setting)"
            )
        return tandem.NotFound(where)
    if status == 409 and error.names("no-uid-conflict"):
        return tandem.AlreadyExists(f"{where}: another resource of the calendar has this UID")
    if status == 412:
        return tandem.AlreadyExists(where) if call.create else tandem.PreconditionFailed(where)
    if status == 429:
        return tandem.RateLimited(where, retry_after=error.retry_after)
    if status == 507:
        return tandem.QuotaExceeded(f"{where}: the server's storage is full")
    if status >= 500:
        return tandem.Unavailable(where, retry_after=error.retry_after)
    return tandem.InvalidRequest(where)


@contextmanager
def translating(call: Call) -> Iterator[None]:
    """Run one port call; anything but a Tandem error leaves as one."""
    try:
        yield
    except DavError as error:
        raise translate(error, call) from error
    except httpx.TimeoutException as error:
        raise tandem.Unavailable(f"{call.operation} for {call.calendar_id}: the CalDAV server timed out") from error
    except httpx.TransportError as error:
        raise tandem.Unavailable(
            f"{call.operation} for {call.calendar_id}: cannot reach the CalDAV server ({error})"
        ) from error
    except Unreadable as error:
        raise tandem.RemoteDataInvalid(f"{call.operation} for {call.calendar_id}: {error}") from error
    except Unwritable as error:
        raise tandem.InvalidRequest(f"{call.operation} for {call.calendar_id}: {error}") from error


class Unwritable(Exception):
    """An event we cannot express in iCalendar (an unknown time zone name)."""
