"""Rate limits, quotaExceeded, injected faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from tandem.emulators.google import FaultRule
from tests.integration.google_emulator.helpers import ALICE, BOB, Calendar, error_reason, timed

BODY = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", summary="x")


def test_user_rate_limit_is_403_rate_limit_exceeded_in_googles_shape(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.configure_quota(user_per_minute=2)
    alice.server.state.clock.freeze()
    assert [alice.get().status_code for _ in range(3)] == [200, 200, 403]
    error = alice.get().json()["error"]
    assert error["code"] == 403
    assert error["errors"] == [
        {"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}
    ]
    assert error["message"] == "Rate Limit Exceeded"
    alice.server.state.clock.advance(61)
    assert alice.get().status_code == 200


def test_the_user_limit_reason_can_be_user_rate_limit_exceeded(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.configure_quota(user_per_minute=1, user_reason="userRateLimitExceeded")
    alice.server.state.clock.freeze()
    alice.get()
    response = alice.get()
    assert response.status_code == 403
    assert error_reason(response) == "userRateLimitExceeded"


def test_delegated_users_share_the_service_accounts_bucket_unless_quota_user_is_given(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.server.state.configure_quota(user_per_minute=2)
    alice.server.state.clock.freeze()
    assert [alice.get().status_code, bob.get().status_code, bob.get().status_code] == [200, 200, 403]
    assert alice.get(quotaUser=ALICE).status_code == 200
    assert bob.client.get("/events", headers={"x-goog-quota-user": BOB}).status_code == 200


def test_patch_costs_three_units(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    event = alice.insert(BODY).json()
    alice.server.state.configure_quota(user_per_minute=4)
    alice.server.state.clock.freeze()
    alice.server.state.quota.reset()
    assert alice.patch(event["id"], {"summary": "y"}).status_code == 200
    assert alice.get(f"/{event['id']}").status_code == 200
    assert alice.patch(event["id"], {"summary": "z"}).status_code == 403


def test_the_project_limit_applies_across_users(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.server.state.configure_quota(project_per_minute=2)
    alice.server.state.clock.freeze()
    assert [alice.get(quotaUser=ALICE).status_code, bob.get(quotaUser=BOB).status_code] == [200, 200]
    response = bob.get(quotaUser=BOB)
    assert response.status_code == 403
    assert error_reason(response) == "rateLimitExceeded"


def test_quota_exceeded_makes_the_calendar_read_only_until_lifted(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.server.state.set_quota_exceeded(ALICE)
    refused = alice.insert(BODY)
    assert refused.status_code == 403
    assert error_reason(refused) == "quotaExceeded"
    assert refused.json()["error"]["message"] == "Calendar usage limits exceeded."
    assert alice.get().status_code == 200
    assert bob.insert(BODY).status_code == 200
    alice.server.state.set_quota_exceeded(ALICE, False)
    assert alice.insert(BODY).status_code == 200


def test_too_many_external_invitations_make_the_calendar_read_only_for_a_while(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    state = alice.server.state
    state.configure_abuse_limits(external_invitations_per_day=2, read_only_for=timedelta(minutes=30))
    guests = [{"email": f"guest{i}@partner.org"} for i in range(3)]
    assert alice.insert({**BODY, "attendees": guests}, sendUpdates="all").status_code == 200
    assert error_reason(alice.insert(BODY)) == "quotaExceeded"
    state.clock.advance(31 * 60)
    assert alice.insert(BODY).status_code == 200


def _statuses(calendar: Calendar, count: int, **params: Any) -> list[int]:
    return [calendar.get(**params).status_code for _ in range(count)]


def test_injected_faults_follow_their_shares_and_replay_with_the_same_seed(
    calendar_of: Callable[[str], Calendar],
) -> None:
    alice = calendar_of(ALICE)
    rule = FaultRule(error_500=0.3, error_503=0.2, error_429=0.2, seed=7)
    alice.server.state.set_faults(rule)
    first = _statuses(alice, 40)
    alice.server.state.set_faults(rule)
    assert _statuses(alice, 40) == first
    assert {500, 503, 429, 200} <= set(first)
    failure = next(r for r in (alice.get() for _ in range(50)) if r.status_code == 500)
    assert error_reason(failure) == "backendError"
    alice.server.state.clear_faults()
    assert set(_statuses(alice, 10)) == {200}


def test_faults_can_target_one_user_and_only_writes(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    alice.server.state.set_faults(FaultRule(error_503=1.0, user=ALICE, writes_only=True))
    assert alice.get().status_code == 200
    assert alice.insert(BODY).status_code == 503
    assert bob.insert(BODY).status_code == 200


def test_a_fault_after_the_write_makes_the_retry_meet_409(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.set_faults(FaultRule(error_500=1.0, apply_then_fail=True, limit=1))
    first = alice.insert({**BODY, "id": "retried000000001"})
    assert first.status_code == 500
    retry = alice.insert({**BODY, "id": "retried000000001"})
    assert retry.status_code == 409


def test_slow_answers_still_succeed(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.set_faults(FaultRule(slow=1.0, delay_seconds=0.01, limit=2))
    assert _statuses(alice, 3) == [200, 200, 200]
    assert alice.server.state.faults.injected == 2
