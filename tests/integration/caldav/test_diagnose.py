"""The admin's Test for CalDAV (connectors/caldav/diagnose.py): each failure an admin can
meet reads as its own finding (issue 12: unreachable, 401, no calendar at the URL, no
sync-collection: will poll by etags)."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from tandem.connectors.caldav import CaldavSettings, Credentials
from tandem.connectors.caldav.diagnose import check_calendar
from tests.integration.caldav.conftest import ALICE, ToRadicale
from tests.support.radicale import free_port

pytestmark = pytest.mark.anyio


async def test_bey_1_a_working_calendar_passes_both_checks(settings: CaldavSettings, calendar_url: str) -> None:
    calendar, reads = await check_calendar(settings, ALICE)
    assert calendar.ok
    assert calendar_url.split("/")[-2] in calendar.message
    assert reads.ok
    assert "sync-collection" in reads.message


async def test_bey_1_a_server_without_sync_collection_passes_with_polling_said(settings: CaldavSettings) -> None:
    class NoSyncCollectionListed(ToRadicale):
        """A server whose calendar does not list sync-collection among its reports."""

        async def meet(self, request: httpx.Request) -> httpx.Response | None:
            if request.method != "PROPFIND":
                return None
            real = await self._radicale.handle_async_request(request)
            body = (await real.aread()).replace(b"<sync-collection />", b"")
            return httpx.Response(real.status_code, content=body, headers={"Content-Type": "application/xml"})

    async with httpx.AsyncClient(transport=NoSyncCollectionListed()) as http:
        calendar, reads = await check_calendar(settings, ALICE, http=http)
    assert calendar.ok
    assert reads.ok
    assert "will poll the calendar's etags" in reads.message


async def test_bey_1_a_wrong_password_fails_the_calendar_check_and_skips_the_next(settings: CaldavSettings) -> None:
    calendar, reads = await check_calendar(replace(settings, credentials=Credentials("{email}", "wrong")), ALICE)
    assert calendar.ok is False
    assert "refused the user name or password" in calendar.message
    assert reads.ok is None


async def test_bey_1_an_unreachable_server_and_a_url_without_a_calendar_say_so(settings: CaldavSettings) -> None:
    nowhere = replace(settings, calendar_url=f"http://127.0.0.1:{free_port()}/{{email}}/calendar/")
    [unreachable, _] = await check_calendar(nowhere, ALICE)
    assert "cannot reach the CalDAV server" in unreachable.message
    assert settings.calendar_url is not None
    missing = replace(settings, calendar_url=settings.calendar_url.rstrip("/") + "-missing/")
    [no_calendar, _] = await check_calendar(missing, ALICE)
    assert "no calendar at this URL" in no_calendar.message
