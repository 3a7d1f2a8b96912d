"""One Radicale per test module (a process start costs ~0.5 s); each test gets a fresh
calendar (MKCALENDAR under a new name) in Alice's calendar home, and an adapter whose URL
template points at it. `polling` is the same adapter through a transport that refuses
sync-collection (`NoSyncCollection`), as a server without RFC 6578 would."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tandem.connectors.caldav import CaldavCalendar, CaldavSettings, Credentials
from tests.support.radicale import RadicaleServer

ALICE = "alice@example.test"
PASSWORD = "alice-secret"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path_factory.mktemp("radicale"), users={ALICE: PASSWORD}) as server:
        yield server


@pytest.fixture
def calendar_url(radicale: RadicaleServer) -> str:
    """A new, empty calendar of Alice's."""
    url = f"{radicale.url}/{ALICE}/{uuid.uuid4().hex}/"
    response = httpx.request("MKCALENDAR", url, auth=(ALICE, PASSWORD))
    assert response.status_code == 201, response.text
    return url


@pytest.fixture
def settings(calendar_url: str) -> CaldavSettings:
    return CaldavSettings(
        calendar_url=calendar_url.replace(ALICE, "{email}"), credentials=Credentials("{email}", PASSWORD)
    )


@pytest.fixture
async def caldav(settings: CaldavSettings) -> AsyncIterator[CaldavCalendar]:
    adapter = CaldavCalendar(settings)
    yield adapter
    await adapter.aclose()


class ToRadicale(httpx.AsyncBaseTransport):
    """Requests reach Radicale, each seen first by `meet`, which may answer in its stead
    (an httpx transport wrapped, as httpx's MockTransport would be)."""

    def __init__(self) -> None:
        self._radicale = httpx.AsyncHTTPTransport()
        self.methods: list[str] = []

    async def meet(self, request: httpx.Request) -> httpx.Response | None:
        return None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.methods.append(request.method)
        return await self.meet(request) or await self._radicale.handle_async_request(request)

    async def aclose(self) -> None:
        await self._radicale.aclose()


class NoSyncCollection(ToRadicale):
    """A server without RFC 6578: REPORT sync-collection is 403 DAV:supported-report (as
    RFC 6578 §3.1 says); everything else reaches Radicale. Counts what it refused."""

    refused = 0

    async def meet(self, request: httpx.Request) -> httpx.Response | None:
        if request.method == "REPORT" and b"sync-collection" in await request.aread():
            self.refused += 1
            return httpx.Response(
                403, content=b'<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:supported-report/></D:error>'
            )
        return None


@pytest.fixture
def no_sync_collection() -> NoSyncCollection:
    return NoSyncCollection()


@pytest.fixture
async def polling(settings: CaldavSettings, no_sync_collection: NoSyncCollection) -> AsyncIterator[CaldavCalendar]:
    async with httpx.AsyncClient(transport=no_sync_collection) as http:
        yield CaldavCalendar(settings, http=http)


@pytest.fixture
def calendar(caldav: CaldavCalendar) -> CaldavCalendar:
    """The contract suite's name for a fresh port."""
    return caldav


@pytest.fixture
def calendar_id() -> str:
    return ALICE
