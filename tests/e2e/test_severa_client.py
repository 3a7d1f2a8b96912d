"""A client that knows only the Severa REST API works against `tandem serve` unchanged:
token → list activities → create → PATCH → delete, over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support import spec
from tests.support.processes import environment, run, run_json, serving


def test_severa_client_against_tandem_serve(empty_database_url: str, tmp_path: Path) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["db", "upgrade"], env, tmp_path)
    run(["demo-data"], env, tmp_path)
    credentials = run_json(["clients", "create", "--scopes", "all", "--json"], env, tmp_path)
    assert set(credentials) == {"client_id", "client_secret"}
    with serving(env, tmp_path) as base, httpx.Client(base_url=base, timeout=10) as http:
        token = http.post("/v1/token", json=credentials).json()["access_token"]
        http.headers.update({"Authorization": f"Bearer {token}", "Client_Id": credentials["client_id"]})

        listed = http.get("/v1/activities", params={"rowCount": 100})
        assert listed.status_code == 200
        assert {a["name"] for a in listed.json()} >= {"Team weekly", "Dentist"}
        # BEY-8: as a client generated from the spec reads them (no null where the spec has a `$ref`)
        spec.check_response("GET", "/v1/activities", 200, listed.headers["content-type"], listed.json())
        users_answer = http.get("/v1/users")
        spec.check_response("GET", "/v1/users", 200, users_answer.headers["content-type"], users_answer.json())
        users = users_answer.json()
        types = http.get("/v1/activitytypes", params={"category": "CalendarEntry"}).json()
        created = http.post(
            "/v1/activities",
            json={
                "name": "Quarterly review",
                "activityType": {"guid": types[0]["guid"]},
                "ownerUser": {"guid": users[0]["guid"]},
                "startDateTime": "2026-12-10T13:00:00+02:00",
                "endDateTime": "2026-12-10T14:30:00+02:00",
            },
        )
        assert created.status_code == 201, created.text
        guid = created.json()["guid"]
        patched = http.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/location", "value": "HQ"}])
        assert patched.status_code == 200
        assert http.get(f"/v1/activities/{guid}").json()["location"] == "HQ"
        assert http.delete(f"/v1/activities/{guid}").status_code == 204
        assert http.get(f"/v1/activities/{guid}").status_code == 404
        changes = http.get("/tandem/v1/changes", params={"limit": 1000}).json()["changes"]
        assert [c["operation"] for c in changes if c["activityGuid"] == guid] == ["create", "update", "delete"]
