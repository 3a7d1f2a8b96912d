"""The admin's **Test** for CalDAV: can Tandem use this user's calendar? Two checks, the
second skipped when the first fails (its answer would only repeat the same fault):

    calendar   the server answers, takes the user name and password, and there is a
               calendar at the URL the settings give (or discovery finds)
    reads      how changes will be read: sync-collection (RFC 6578), or, on a server
               without it, a poll of the etags (passes: it works, at a higher cost)

Messages come from `errors.translate` (unreachable, 401, no calendar at the URL), which
never holds a password. Nothing is written to the calendar.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tandem.connectors.caldav.adapter import CaldavCalendar
from tandem.connectors.caldav.settings import CaldavSettings
from tandem.domain.errors import TandemError


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    """`calendar` or `reads`."""
    ok: bool | None
    """None: not run (an earlier check failed)."""
    message: str


async def check_calendar(
    settings: CaldavSettings, email: str, *, http: httpx.AsyncClient | None = None
) -> list[Finding]:
    adapter = CaldavCalendar(settings, http=http)
    try:
        facts = await adapter.describe(email)
    except TandemError as error:
        return [Finding("calendar", False, str(error)), Finding("reads", None, "not tried")]
    finally:
        await adapter.aclose()
    if not facts.is_calendar:
        message = f"{facts.url} is not a calendar (check the calendar URL setting)"
        return [Finding("calendar", False, message), Finding("reads", None, "not tried")]
    reads = (
        "changes are read with sync-collection (RFC 6578)"
        if facts.sync_collection
        else "the server has no sync-collection: Tandem will poll the calendar's etags (one PROPFIND a cycle)"
    )
    return [Finding("calendar", True, f"calendar found at {facts.url}"), Finding("reads", True, reads)]
