"""One Radicale per test module (a process start costs ~0.5 s); each test gets a fresh
calendar (MKCALENDAR under a new name) in Alice's calendar home, and an adapter whose URL
template points at it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

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


@pytest.fixture
def calendar(caldav: CaldavCalendar) -> CaldavCalendar:
    """The contract suite's name for a fresh port."""
    return caldav


@pytest.fixture
def calendar_id() -> str:
    return ALICE


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path
