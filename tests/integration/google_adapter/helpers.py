"""Helpers for the adapter's tests: users, a recorded sleep, and a raw API client that
stands in for a person editing their calendar in Google's own UI."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from tandem.connectors.google import GoogleCalendar
from tandem.emulators.google import EmulatorServer

MakeGoogle = Callable[..., Awaitable[GoogleCalendar]]
"""The `make_google` fixture: `await make_google(page_size=3)` builds a fresh adapter."""
USERS = ("alice@example.com", "bob@example.com", "carol@example.com")
ALICE, BOB, CAROL = USERS
STRANGER = "nobody@example.com"


class Sleeps(list[float]):
    """An injected `sleep`: records each wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@asynccontextmanager
async def primary_calendar(
    google: GoogleCalendar, server: EmulatorServer, user: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A raw API client on the user's primary calendar, as Google's own UI acts for them."""
    token = await google.tokens.token(user)
    async with httpx.AsyncClient(
        base_url=f"{server.api_root}/calendars/primary", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


async def user_edit(
    google: GoogleCalendar,
    server: EmulatorServer,
    user: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> httpx.Response:
    """A change the user makes in Google (not through the adapter)."""
    async with primary_calendar(google, server, user) as client:
        response = await client.request(method, f"/events{path}", json=body)
    assert response.status_code < 300, response.text
    return response
