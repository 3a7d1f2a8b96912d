"""One emulator per test module (uvicorn and an RSA key cost time); each test starts from a
reset emulator with the same users and service account, and gets a fresh adapter whose
backoff sleeps are recorded instead of slept."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tandem.connectors.google import Endpoints, GoogleCalendar, RetryPolicy, load_key
from tandem.emulators.google import EmulatorServer, ServiceAccount
from tests.integration.google_adapter.helpers import ALICE, MakeGoogle, Sleeps
from tests.support.emulator_fixtures import account, fresh, key_dir, server  # noqa: F401 - fixtures


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def endpoints(server: EmulatorServer) -> Endpoints:
    return Endpoints.at(server.base_url)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def retry(sleeps: Sleeps) -> RetryPolicy:
    return RetryPolicy(retries=5, base_delay=1.0, max_delay=32.0, sleep=sleeps, random=lambda: 0.5)


@pytest.fixture
async def make_google(key_dir: Path, endpoints: Endpoints, retry: RetryPolicy) -> AsyncIterator[MakeGoogle]:
    """Adapters with the JSON key, the emulator's endpoints and the recorded backoff, unless
    told otherwise (`make_google(page_size=3)`); all closed after the test."""
    made: list[GoogleCalendar] = []

    async def make(**options: Any) -> GoogleCalendar:
        key = load_key((key_dir / "key.json").read_bytes())
        adapter = GoogleCalendar(key, **{"endpoints": endpoints, "retry": retry, **options})
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.aclose()


@pytest.fixture
async def google(make_google: MakeGoogle, account: ServiceAccount) -> GoogleCalendar:
    return await make_google()


@pytest.fixture
def calendar(google: GoogleCalendar) -> GoogleCalendar:
    """The contract suite's name for a fresh port."""
    return google


@pytest.fixture
def calendar_id() -> str:
    return ALICE
