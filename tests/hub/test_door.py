"""BEY-11 at the door, through the ASGI app: what hostile or clumsy requests get back,
and that nothing they carry is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tandem import bootstrap
from tandem.hub.api.throttle import Rules, Throttle
from tests.support import factories
from tests.support.hub import SpecClient, new_client


def _problem(response: Any) -> tuple[str, str | None]:
    detail = response.json()["error"]["details"][0]
    return detail["message"], (detail.get("location") or {}).get("name")


@pytest.fixture
def meeting(api: SpecClient, tandem: bootstrap.Tandem) -> dict[str, Any]:
    owner = factories.user(tandem)
    kind = factories.activity_type(tandem, "Meeting", "CalendarEntry")
    created = api.post("/v1/activities", json=factories.activity_body(owner, kind, name="Review"))
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_bey_11_a_doubling_copy_patch_is_refused_before_any_work(api: SpecClient, meeting: dict[str, Any]) -> None:
    # 17 copies of the whole document into itself once took 8.6 s and the server with it
    bomb = [{"op": "copy", "from": "", "path": f"/x{i}"} for i in range(17)]
    answer = api.patch(f"/v1/activities/{meeting['guid']}", json=bomb)
    assert answer.status_code == 400
    assert _problem(answer) == ("only replace operations are accepted", "patchDocument[0].op")


@pytest.mark.parametrize("op", ["add", "remove", "move", "copy", "test", "Add", "REMOVE"])
def test_bey_11_patch_takes_only_replace_and_a_refused_document_changes_nothing(
    api: SpecClient, meeting: dict[str, Any], op: str
) -> None:
    document = [
        {"op": "replace", "path": "/name", "value": "Renamed"},
        {"op": op, "path": "/location", "from": "/name", "value": "HQ"},
    ]
    answer = api.patch(f"/v1/activities/{meeting['guid']}", json=document)
    assert answer.status_code == 400
    assert _problem(answer)[1] == "patchDocument[1].op"
    assert api.get(f"/v1/activities/{meeting['guid']}").json()["name"] == "Review"


def test_bey_11_patch_paths_match_fields_in_any_case_or_are_refused(
    api: SpecClient, tandem: bootstrap.Tandem, meeting: dict[str, Any]
) -> None:
    guid = meeting["guid"]
    other = factories.user(tandem, first_name="Olga", last_name="Other", email="olga@example.com")
    moved = api.patch(
        f"/v1/activities/{guid}", json=[{"op": "Replace", "path": "/OwnerUser/GUID", "value": other.guid}]
    )
    assert moved.status_code == 200, moved.text
    assert api.get(f"/v1/activities/{guid}").json()["ownerUser"]["guid"] == other.guid

    for path, named in [
        ("/guid", "patchDocument[0].path"),  # read-only: once a 200 that changed nothing
        ("/noSuchField", "patchDocument[0].path"),
        ("/participants/²/status", "patchDocument[0].path"),  # int() takes "²"; once a 500
        ("", "patchDocument[0].path"),
    ]:
        refused = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": path, "value": "x"}])
        assert refused.status_code == 400, (path, refused.text)
        assert _problem(refused)[1] == named, path


def test_bey_11_a_patch_document_holds_at_most_a_hundred_operations(api: SpecClient, meeting: dict[str, Any]) -> None:
    many = [{"op": "replace", "path": "/location", "value": str(i)} for i in range(101)]
    answer = api.patch(f"/v1/activities/{meeting['guid']}", json=many)
    assert answer.status_code == 400
    assert _problem(answer) == ("at most 100 operations are accepted", "patchDocument")


def test_bey_11_a_body_over_the_limit_is_a_413_and_nothing_is_stored(api: SpecClient) -> None:
    huge = {"name": "Bloat Oy", "notes": "x" * (2 * 1024 * 1024)}
    answer = api.post("/v1/customers", json=huge)
    assert answer.status_code == 413
    assert _problem(answer)[0] == "the request body is larger than 1048576 bytes"
    assert answer.headers["connection"] == "close"
    assert [c["name"] for c in api.get("/v1/customers").json()] == []


def test_bey_11_the_token_door_reads_at_most_16_kib(api: SpecClient) -> None:
    answer = api.post("/v1/token", json={"client_id": "x", "client_secret": "y" * 50_000})
    assert answer.status_code == 413
    assert _problem(answer)[0] == "the request body is larger than 16384 bytes"


@pytest.mark.parametrize("route", ["/v1/token", "/v1/refreshtoken", "/v1/activities", "/v1/customers"])
def test_bey_11_deeply_nested_json_is_a_400(api: SpecClient, route: str) -> None:
    deep = "[" * 1000 + "]" * 1000  # once a RecursionError and a 500
    answer = api.post(route, content=deep, headers={"content-type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert _problem(answer)[0] == "the request body nests deeper than 32 levels"


def test_bey_11_token_guessing_is_answered_429_with_retry_after(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem)
    answers = [api.post("/v1/token", json={"client_id": client_id, "client_secret": f"guess-{i}"}) for i in range(12)]
    codes = [a.status_code for a in answers]
    assert codes[:5] == [401] * 5  # a few honest typos are free
    assert 429 in codes
    slowed = answers[codes.index(429)]
    assert int(slowed.headers["retry-after"]) >= 1
    assert _problem(slowed)[1] == "client_secret"
    # while the wait lasts even the right secret waits: guessing gains nothing
    right = api.post("/v1/token", json={"client_id": client_id, "client_secret": secret})
    assert right.status_code == 429


def test_bey_11_an_address_that_must_wait_is_refused_before_its_body_is_read(
    api: SpecClient, tandem: bootstrap.Tandem
) -> None:
    """A guesser that must wait costs the server as little as a request can: not even its
    body is parsed (a body that is not JSON gets the same 429, not a 400)."""
    for i in range(Rules().free_per_address + 1):
        api.post("/v1/token", json={"client_id": f"nobody-{i}", "client_secret": "wrong"})
    answer = api.post("/v1/token", content=b"{not json", headers={"content-type": "application/json"})
    assert answer.status_code == 429  # once: 400, the body parsed before the throttle looked
    assert int(answer.headers["retry-after"]) >= 1
    assert _problem(answer)[1] == "client_secret"
    assert api.get("/heartbeat/server").status_code == 200  # other routes from that address go on


def test_bey_11_the_right_secret_works_again_after_the_wait(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    now = [1000.0]
    tandem.hub.throttle = Throttle(clock=lambda: now[0])
    client_id, secret = new_client(tandem)
    for i in range(8):
        api.post("/v1/token", json={"client_id": client_id, "client_secret": f"guess-{i}"})
    waiting = api.post("/v1/token", json={"client_id": client_id, "client_secret": secret})
    assert waiting.status_code == 429
    now[0] += int(waiting.headers["retry-after"])
    assert api.post("/v1/token", json={"client_id": client_id, "client_secret": secret}).status_code == 200


def test_bey_11_an_attacker_elsewhere_cannot_lock_a_client_out_of_its_own_address() -> None:
    now = [0.0]
    throttle = Throttle(Rules(), clock=lambda: now[0])
    throttle.succeeded("10.0.0.5", "payroll")  # the real client signs in from its server
    for _ in range(200):
        throttle.failed("203.0.113.9", "payroll")  # someone guesses its secret from elsewhere
    assert throttle.wait_s("203.0.113.9", "payroll") == 60  # the guesser waits, at most a minute
    assert throttle.wait_s("198.51.100.7", "payroll") == 60  # so does any new address for that client
    assert throttle.wait_s("10.0.0.5", "payroll") == 0  # the client's own address goes on
    now[0] += 61
    assert throttle.wait_s("198.51.100.7", "payroll") == 0  # and nobody waits longer than the cap


def test_bey_11_throttle_memory_stays_bounded() -> None:
    now = [0.0]
    throttle = Throttle(Rules(max_keys=100, forget_after_s=10), clock=lambda: now[0])
    for i in range(1000):
        now[0] += 1
        throttle.failed(f"10.0.{i // 256}.{i % 256}", f"client-{i}")
    assert len(throttle._counts) <= 2 * 100 + 2
