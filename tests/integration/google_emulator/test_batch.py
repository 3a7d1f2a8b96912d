"""POST /batch/calendar/v3 with a hand-built multipart body (what Tandem's connector sends)."""

from __future__ import annotations

import json
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from tests.integration.google_emulator.helpers import ALICE, BOB, Calendar, timed

BOUNDARY = "tandem_batch_boundary"


def _part(content_id: str, method: str, path: str, token: str | None, body: dict[str, Any] | None = None) -> str:
    lines = [
        f"--{BOUNDARY}",
        "Content-Type: application/http",
        f"Content-ID: <{content_id}>",
        "",
        f"{method} /calendar/v3/calendars/primary/events{path} HTTP/1.1",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None:
        lines += ["Content-Type: application/json", "", json.dumps(body)]
    else:
        lines.append("")
    return "\r\n".join(lines) + "\r\n"


def _send(calendar: Calendar, parts: list[str], token: str | None = None) -> httpx.Response:
    headers = {"Content-Type": f"multipart/mixed; boundary={BOUNDARY}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return calendar.client.post(
        f"{calendar.server.base_url}/batch/calendar/v3", content="".join(parts) + f"--{BOUNDARY}--\r\n", headers=headers
    )


def _answers(response: httpx.Response) -> list[tuple[str, int, dict[str, Any] | None]]:
    """(Content-ID, status, JSON body) of each response part, in order."""
    head = f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + response.content)
    answers = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        status_line, _, rest = payload.partition(b"\r\n")
        _, _, body = rest.partition(b"\r\n\r\n")
        answers.append(
            (str(part["Content-ID"]), int(status_line.split()[1]), json.loads(body) if body.strip() else None)
        )
    return answers


def _token(calendar: Calendar) -> str:
    return str(calendar.client.headers["Authorization"]).split(" ", 1)[1]


def test_each_part_succeeds_or_fails_on_its_own_in_order(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    token = _token(alice)
    body = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z", summary="batched")
    parts = [
        _part("a+1", "POST", "", token, {**body, "id": "batch00000000001"}),
        _part("a+2", "POST", "", token, {**body, "id": "batch00000000001"}),
        _part("a+3", "GET", "/nosuchevent00", token),
        _part("a+4", "PATCH", "/batch00000000001", token, {"summary": "patched"}),
        _part("a+5", "DELETE", "/batch00000000001", token),
    ]
    response = _send(alice, parts)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("multipart/mixed; boundary=")
    answers = _answers(response)
    assert [(cid, status) for cid, status, _ in answers] == [
        ("<response-a+1>", 200),
        ("<response-a+2>", 409),
        ("<response-a+3>", 404),
        ("<response-a+4>", 200),
        ("<response-a+5>", 204),
    ]
    assert answers[1][2] is not None
    assert answers[1][2]["error"]["errors"][0]["reason"] == "duplicate"
    assert answers[3][2] is not None
    assert answers[3][2]["summary"] == "patched"
    assert alice.get("/batch00000000001").json()["status"] == "cancelled"


def test_parts_use_their_own_authorization_and_inherit_the_outer_one(calendar_of: Callable[[str], Calendar]) -> None:
    alice, bob = calendar_of(ALICE), calendar_of(BOB)
    body = timed("2030-01-01T10:00:00Z", "2030-01-01T11:00:00Z")
    parts = [
        _part("x+1", "POST", "", _token(bob), {**body, "summary": "for bob"}),
        _part("x+2", "POST", "", None, {**body, "summary": "for alice"}),
        _part("x+3", "POST", "", "not-a-token", body),
    ]
    answers = _answers(_send(alice, parts, token=_token(alice)))
    assert [status for _, status, _ in answers] == [200, 200, 401]
    assert [i["summary"] for i in bob.list()["items"]] == ["for bob"]
    assert [i["summary"] for i in alice.list()["items"]] == ["for alice"]


def test_more_than_1000_parts_is_400_for_the_whole_batch(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    token = _token(alice)
    parts = [_part(f"b+{i}", "GET", "", token) for i in range(1001)]
    response = _send(alice, parts)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
    assert alice.server.state.request_counts()[ALICE].get("events.list", 0) == 0
    assert _send(alice, parts[:1000]).status_code == 200


def test_each_part_counts_against_the_quota(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    alice.server.state.configure_quota(user_per_minute=3)
    token = _token(alice)
    answers = _answers(_send(alice, [_part(f"q+{i}", "GET", "", token) for i in range(5)]))
    assert [status for _, status, _ in answers] == [200, 200, 200, 403, 403]
    assert answers[3][2] is not None
    assert answers[3][2]["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    counts = alice.server.state.request_counts()[ALICE]
    assert counts["batch"] == 1
    assert counts["events.list"] == 5


def test_a_body_that_is_not_multipart_is_400(calendar_of: Callable[[str], Calendar]) -> None:
    alice = calendar_of(ALICE)
    response = alice.client.post(f"{alice.server.base_url}/batch/calendar/v3", json={"hello": "world"})
    assert response.status_code == 400
