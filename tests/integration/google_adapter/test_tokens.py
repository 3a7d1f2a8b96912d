"""Access tokens by domain-wide delegation: one per user, cached until shortly before they
expire, replaced when Google refuses them, never fetched twice at once for one user."""

from __future__ import annotations

import asyncio

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.domain.calendar import SendUpdates
from tandem.domain.errors import DelegationDenied
from tandem.emulators.google import EmulatorServer, ServiceAccount
from tests.integration.google_adapter.helpers import ALICE, BOB, CAROL, MakeGoogle
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio


def _token_requests(server: EmulatorServer) -> dict[str, int]:
    return {user: counts["token"] for user, counts in server.state.request_counts().items() if "token" in counts}


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_token_is_fetched_once_per_user_and_reused(google: GoogleCalendar, server: EmulatorServer) -> None:
    for _ in range(3):
        await google.changes(ALICE, None)
        await google.insert(BOB, meeting(), send_updates=SendUpdates.NONE)
    assert _token_requests(server) == {ALICE: 1, BOB: 1}


async def test_concurrent_first_calls_for_a_user_share_one_token_request(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    await asyncio.gather(*(google.changes(CAROL, None) for _ in range(20)))
    assert _token_requests(server) == {CAROL: 1}


async def test_a_token_is_refreshed_shortly_before_it_expires(make_google: MakeGoogle, server: EmulatorServer) -> None:
    clock = FakeClock()
    google = await make_google(clock=clock)
    await google.changes(ALICE, None)
    clock.now += 3599 - 300 - 1  # Google's tokens live 3599 s; the adapter renews 5 minutes early
    await google.changes(ALICE, None)
    assert _token_requests(server) == {ALICE: 1}
    clock.now += 2
    await google.changes(ALICE, None)
    assert _token_requests(server) == {ALICE: 2}


async def test_a_token_google_no_longer_accepts_is_replaced_and_the_call_goes_through(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    await google.changes(ALICE, None)
    server.state.expire_access_tokens()
    assert (await google.changes(ALICE, None)).full
    assert _token_requests(server) == {ALICE: 2}


async def test_delegation_revoked_while_running_is_delegation_denied(
    google: GoogleCalendar, server: EmulatorServer, account: ServiceAccount
) -> None:
    await google.changes(ALICE, None)
    server.state.revoke_delegation(account.client_id)
    server.state.expire_access_tokens()
    with pytest.raises(DelegationDenied, match=f"client id {account.client_id}"):
        await google.changes(ALICE, None)
