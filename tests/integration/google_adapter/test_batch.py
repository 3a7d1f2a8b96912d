"""Writes in batches: at most 1000 per batch request, an outcome per write, retries per part."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from tandem.connectors.google import GoogleCalendar
from tandem.domain.calendar import Attendee, CalendarEvent, SendUpdates
from tandem.domain.errors import InvalidRequest, QuotaExceeded
from tandem.emulators.google import EmulatorServer, FaultRule
from tandem.ports.calendar import EventDelete, EventInsert, EventUpdate
from tests.integration.google_adapter.helpers import ALICE, Sleeps
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio
NONE = SendUpdates.NONE


async def test_more_than_1000_writes_are_split_into_several_batch_requests(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    server.state.configure_quota(user_per_minute=100_000, project_per_minute=100_000)
    events = [meeting(f"event {n}") for n in range(2100)]
    outcomes = await google.batch(ALICE, [EventInsert(e, NONE) for e in events])
    assert [o.id for o in outcomes if isinstance(o, CalendarEvent)] == [e.id for e in events]
    counts = server.state.request_counts()[ALICE]
    assert counts["batch"] == 3
    assert counts["events.insert"] == 2100
    assert len((await google.changes(ALICE, None)).events) == 2100


async def test_parts_that_meet_5xx_or_429_go_again_after_a_backoff(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    server.state.set_faults(FaultRule(error_503=0.2, error_429=0.2, writes_only=True, seed=7))
    events = [meeting(f"event {n}") for n in range(30)]
    outcomes = await google.batch(ALICE, [EventInsert(e, NONE) for e in events])
    assert all(isinstance(o, CalendarEvent) for o in outcomes), outcomes
    assert server.state.faults.injected > 0
    assert sleeps  # at least one backoff round
    assert server.state.request_counts()[ALICE]["batch"] == len(sleeps) + 1
    assert len((await google.changes(ALICE, None)).events) == 30


async def test_cal_17_a_write_google_or_we_refuse_does_not_stop_the_others(
    google: GoogleCalendar, server: EmulatorServer
) -> None:
    good = meeting("Good")
    naive = meeting("No zone", start=datetime(2031, 3, 10, 9), end=datetime(2031, 3, 10, 10))
    bad_guest = meeting("Bad guest", attendees=(Attendee("not-an-email"),))
    outcomes = await google.batch(
        ALICE, [EventInsert(naive, NONE), EventInsert(good, NONE), EventInsert(bad_guest, NONE)]
    )
    assert isinstance(outcomes[0], InvalidRequest)
    assert "has no time zone" in str(outcomes[0])
    assert isinstance(outcomes[1], CalendarEvent)
    assert isinstance(outcomes[2], InvalidRequest)
    assert "attendee" in str(outcomes[2]).lower()
    assert [e.summary for e in (await google.changes(ALICE, None)).events] == ["Good"]


async def test_a_batch_refused_for_its_token_is_sent_again_with_a_fresh_one(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    written = await google.insert(ALICE, meeting(), send_updates=NONE)
    server.state.expire_access_tokens()
    outcomes = await google.batch(
        ALICE, [EventUpdate(replace(written, summary="Renamed"), written.etag, NONE, frozenset({"summary"}))]
    )
    assert isinstance(outcomes[0], CalendarEvent)
    assert outcomes[0].summary == "Renamed"
    assert server.state.request_counts()[ALICE]["token"] == 2
    assert sleeps == []


async def test_quota_exceeded_parts_come_back_at_once(
    google: GoogleCalendar, server: EmulatorServer, sleeps: Sleeps
) -> None:
    written = await google.insert(ALICE, meeting(), send_updates=NONE)
    server.state.set_quota_exceeded(ALICE)
    outcomes = await google.batch(ALICE, [EventInsert(meeting(), NONE), EventDelete(written.id, None, NONE)])
    assert all(isinstance(o, QuotaExceeded) for o in outcomes)
    assert sleeps == []


async def test_an_empty_batch_sends_nothing(google: GoogleCalendar, server: EmulatorServer) -> None:
    assert list(await google.batch(ALICE, [])) == []
    assert server.state.request_counts() == {}
