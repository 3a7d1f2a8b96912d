"""quotaUser: each user's calls are charged to that user, not to the service account that
all users share (GOOGLE_NOTES.md, "Quotas")."""

from __future__ import annotations

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.connectors.google.client import quota_user
from tandem.domain.calendar import SendUpdates
from tandem.domain.errors import RateLimited
from tandem.emulators.google import EmulatorServer
from tests.integration.google_adapter.helpers import ALICE, BOB, CAROL
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio


async def test_each_user_is_charged_their_own_per_user_quota(google: GoogleCalendar, server: EmulatorServer) -> None:
    server.state.configure_quota(user_per_minute=3)
    for _ in range(3):
        await google.changes(ALICE, None)
    with pytest.raises(RateLimited):
        await google.changes(ALICE, None)  # alice's own minute is used up...
    for user in (BOB, CAROL):
        await google.insert(user, meeting(), send_updates=SendUpdates.NONE)  # ...not bob's or carol's
        await google.changes(user, None)
    counts = server.state.request_counts()
    assert counts[BOB] == {"token": 1, "events.insert": 1, "events.list": 1}
    assert counts[CAROL] == {"token": 1, "events.insert": 1, "events.list": 1}
    assert counts[ALICE]["events.list"] == 3 + 1 + 5  # three that fit, one refused, five refused retries


def test_a_quota_user_longer_than_googles_40_characters_is_a_stable_digest() -> None:
    short = "alice@example.com"
    long = "a.very.long.first-name.and.last-name@subsidiary.example.com"
    assert quota_user(short) == short
    assert quota_user(long.upper()) == quota_user(long)
    assert len(quota_user(long)) == 40
    assert quota_user(long) != quota_user(long.replace("very", "vary"))
