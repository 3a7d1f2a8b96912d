"""What the adapter says when the CalDAV server cannot be used, and finding a calendar from
the server's root (BEY-1)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import unquote

import httpx
import pytest

from tandem.connectors.caldav import CaldavCalendar, CaldavSettings, Credentials
from tandem.domain.errors import AuthFailed, ConfigurationError, Unavailable
from tests.integration.caldav.conftest import ALICE, PASSWORD
from tests.support.calendar_contract import NONE, meeting
from tests.support.radicale import RadicaleServer, free_port

pytestmark = pytest.mark.anyio
BOB = "bob@example.test"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    """Alice, and Bob who has one calendar (made in `bobs_calendar`) for discovery."""
    with RadicaleServer(tmp_path_factory.mktemp("radicale"), users={ALICE: PASSWORD, BOB: "bob-secret"}) as server:
        yield server


async def test_bey_1_a_refused_password_is_auth_failed(settings: CaldavSettings) -> None:
    adapter = CaldavCalendar(replace(settings, credentials=Credentials("{email}", "not-the-password")))
    with pytest.raises(AuthFailed, match="refused the user name or password"):
        await adapter.changes(ALICE, None)
    await adapter.aclose()


async def test_bey_1_a_server_nobody_listens_on_is_unavailable() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/{{email}}/calendar/"
    adapter = CaldavCalendar(CaldavSettings(calendar_url=nowhere, credentials=Credentials("{email}", PASSWORD)))
    with pytest.raises(Unavailable, match="cannot reach the CalDAV server"):
        await adapter.insert(ALICE, meeting(), send_updates=NONE)
    await adapter.aclose()


async def test_bey_1_a_url_with_no_calendar_says_so(radicale: RadicaleServer) -> None:
    missing = f"{radicale.url}/{{email}}/no-such-calendar/"
    adapter = CaldavCalendar(CaldavSettings(calendar_url=missing, credentials=Credentials("{email}", PASSWORD)))
    with pytest.raises(ConfigurationError, match="no calendar at this URL") as raised:
        await adapter.changes(ALICE, None)
    assert f"{radicale.url}/{ALICE}/no-such-calendar/" in str(raised.value)
    await adapter.aclose()


async def test_bey_1_settings_without_a_url_or_a_server_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="calendar URL template"):
        CaldavSettings(credentials=Credentials("{email}", PASSWORD))


async def test_bey_1_a_users_calendar_is_found_from_the_server_root(radicale: RadicaleServer) -> None:
    bobs = f"{radicale.url}/{BOB}/work/"
    assert httpx.request("MKCALENDAR", bobs, auth=(BOB, "bob-secret")).status_code == 201
    adapter = CaldavCalendar(CaldavSettings(server_url=radicale.url + "/", credentials=Credentials(BOB, "bob-secret")))
    written = await adapter.insert(BOB, meeting("Found"), send_updates=NONE)
    assert unquote(await adapter.calendar_url(BOB)) == bobs
    assert httpx.get(f"{bobs}{written.id}.ics", auth=(BOB, "bob-secret")).status_code == 200
    await adapter.aclose()


async def test_bey_4_each_request_is_told_with_its_method_and_error_kind(settings: CaldavSettings) -> None:
    """For the metrics: every request the adapter sends, by HTTP method, with the status of an
    answer that was an error (CalDAV has no quota: no units)."""
    seen: list[tuple[str, int, str | None]] = []
    adapter = CaldavCalendar(settings, observe=lambda method, units, error: seen.append((method, units, error)))
    written = await adapter.insert(ALICE, meeting(), send_updates=NONE)
    await adapter.changes(ALICE, None)
    refused = CaldavCalendar(
        replace(settings, credentials=Credentials("{email}", "not-the-password")),
        observe=lambda method, units, error: seen.append((method, units, error)),
    )
    with pytest.raises(AuthFailed):
        await refused.changes(ALICE, None)
    nowhere = f"http://127.0.0.1:{free_port()}/{{email}}/calendar/"
    unreachable = CaldavCalendar(
        replace(settings, calendar_url=nowhere),
        observe=lambda method, units, error: seen.append((method, units, error)),
    )
    with pytest.raises(Unavailable):
        await unreachable.insert(ALICE, meeting(), send_updates=NONE)
    for made in (adapter, refused, unreachable):
        await made.aclose()

    assert written.etag
    assert ("PUT", 0, None) in seen
    assert ("REPORT", 0, None) in seen  # the read
    assert [error for _, _, error in seen if error is not None] == ["401", "transport"]
    assert {units for _, units, _ in seen} == {0}
