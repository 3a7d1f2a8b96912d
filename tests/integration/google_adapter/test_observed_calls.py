"""Every call the adapter makes is told to its observer (the metrics, BEY-4): Google's method,
the quota units it cost (a patch three, a call refused by a limit none) and the kind of error it
met. Checked against what the emulator itself counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.errors import PreconditionFailed, RateLimited
from tandem.emulators.google import EmulatorServer, FaultRule
from tandem.ports.calendar import EventInsert
from tests.integration.google_adapter.helpers import ALICE, MakeGoogle, Sleeps
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio
NONE = SendUpdates.NONE
Seen = list[tuple[str, int, str | None]]


def _calls_of(server: EmulatorServer) -> Counter[str]:
    """The calls the emulator received as Alice, by method (a batch's parts each as theirs)."""
    counts = server.state.request_counts().get(ALICE, {})
    return Counter({k: v for k, v in counts.items() if k.startswith("events.")})


async def test_bey_4_each_call_is_told_with_its_method_quota_units_and_error_kind(
    make_google: MakeGoogle, server: EmulatorServer
) -> None:
    seen: Seen = []
    google = await make_google(observe=lambda method, units, error: seen.append((method, units, error)))

    written = await google.insert(ALICE, meeting("Planning"), send_updates=NONE)
    outcomes = await google.batch(ALICE, [EventInsert(meeting(f"batched {n}"), NONE) for n in range(3)])
    assert all(isinstance(o, CalendarEvent) for o in outcomes)
    read = await google.changes(ALICE, None)
    moved = await google.update(  # no If-Match: a patch of the named fields, 3 units
        ALICE, replace(written, location="Room 9"), if_match=None, send_updates=NONE, fields=frozenset({"location"})
    )
    with pytest.raises(PreconditionFailed):  # the etag moved with the patch
        await google.update(ALICE, replace(written, summary="Stale"), if_match=written.etag, send_updates=NONE)

    assert moved.location == "Room 9"
    assert len(read.events) == 4
    assert Counter(method for method, _, _ in seen) == _calls_of(server)  # every call told, once
    units = Counter[str]()
    for method, cost, _ in seen:
        units[method] += cost
    assert units["events.patch"] == 3 * _calls_of(server)["events.patch"] >= 3
    assert units["events.insert"] == 4
    assert [error for _, _, error in seen if error is not None] == ["412 conditionNotMet"]


async def test_bey_4_calls_refused_by_a_limit_cost_no_units_and_say_why(
    make_google: MakeGoogle, server: EmulatorServer, sleeps: Sleeps
) -> None:
    seen: Seen = []
    google = await make_google(observe=lambda method, units, error: seen.append((method, units, error)))
    server.state.configure_quota(user_per_minute=1)
    await google.changes(ALICE, None)
    with pytest.raises(RateLimited):
        await google.changes(ALICE, None)

    assert seen[0] == ("events.list", 1, None)
    refused = seen[1:]
    assert len(refused) == len(sleeps) + 1 == _calls_of(server)["events.list"] - 1  # each retry told too
    assert set(refused) == {("events.list", 0, "403 rateLimitExceeded")}


async def test_bey_4_a_batchs_failed_parts_are_told_each_with_its_kind(
    make_google: MakeGoogle, server: EmulatorServer
) -> None:
    seen: Seen = []
    google = await make_google(observe=lambda method, units, error: seen.append((method, units, error)))
    server.state.set_faults(FaultRule(error_503=0.3, writes_only=True, seed=3))
    outcomes = await google.batch(ALICE, [EventInsert(meeting(f"event {n}"), NONE) for n in range(20)])

    assert all(isinstance(o, CalendarEvent) for o in outcomes)
    failed = [error for method, _, error in seen if method == "events.insert" and error is not None]
    assert len(failed) == server.state.faults.injected > 0
    assert set(failed) == {"503 backendError"}
    assert sum(1 for method, _, error in seen if method == "events.insert" and error is None) == 20
