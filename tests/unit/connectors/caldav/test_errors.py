"""Every row of the CalDAV adapter's translation table (connectors/caldav/errors.py): what
the runtime is told for each answer a server can give."""

from __future__ import annotations

import httpx
import pytest

from tandem.connectors.caldav.errors import Call, DavError, Unreadable, Unwritable, translating
from tandem.domain import errors

SYNC_TOKEN = '<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'
UID_CONFLICT = '<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict/></D:error>'
ITEM = Call("update", "alice@example.test")
COLLECTION = Call("changes", "alice@example.test", on_collection=True)
CREATE = Call("insert", "alice@example.test", create=True)

ROWS: list[tuple[str, int, str, Call, type[errors.TandemError]]] = [
    ("GET", 401, "", ITEM, errors.AuthFailed),
    ("REPORT", 403, SYNC_TOKEN, COLLECTION, errors.FullSyncRequired),
    ("REPORT", 409, SYNC_TOKEN, COLLECTION, errors.FullSyncRequired),
    ("PUT", 403, "", ITEM, errors.Forbidden),
    ("REPORT", 404, "", COLLECTION, errors.ConfigurationError),
    ("PUT", 409, "", CREATE, errors.ConfigurationError),
    ("GET", 404, "", ITEM, errors.NotFound),
    ("PUT", 409, UID_CONFLICT, CREATE, errors.AlreadyExists),
    ("PUT", 412, "", CREATE, errors.AlreadyExists),
    ("PUT", 412, "", ITEM, errors.PreconditionFailed),
    ("PUT", 429, "", ITEM, errors.RateLimited),
    ("PUT", 507, "", CREATE, errors.QuotaExceeded),
    ("GET", 503, "", ITEM, errors.Unavailable),
    ("PUT", 415, "", ITEM, errors.InvalidRequest),
    ("PUT", 400, "", ITEM, errors.InvalidRequest),
]


@pytest.mark.parametrize(("method", "status", "body", "call", "expected"), ROWS)
def test_each_status_becomes_its_tandem_error(
    method: str, status: int, body: str, call: Call, expected: type[errors.TandemError]
) -> None:
    with pytest.raises(expected) as raised, translating(call):
        raise DavError(method, "http://dav.test/alice/calendar/x.ics", status, body)
    assert type(raised.value) is expected
    assert f"{call.operation} for alice@example.test" in str(raised.value)


def test_a_retry_after_reaches_the_runtime() -> None:
    with pytest.raises(errors.Unavailable) as raised, translating(ITEM):
        raise DavError("GET", "http://dav.test/x.ics", 503, "", retry_after=30.0)
    assert raised.value.retry_after == 30.0


@pytest.mark.parametrize(
    ("failure", "expected"),
    [
        (httpx.ConnectError("refused"), errors.Unavailable),
        (httpx.ReadTimeout("slow"), errors.Unavailable),
        (Unreadable("not XML"), errors.RemoteDataInvalid),
        (Unwritable("unknown time zone 'Mars/Olympus'"), errors.InvalidRequest),
    ],
)
def test_local_failures_become_tandem_errors(failure: Exception, expected: type[errors.TandemError]) -> None:
    with pytest.raises(expected), translating(ITEM):
        raise failure
