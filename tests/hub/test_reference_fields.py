"""BEY-8: the hub's answers as a client generated from the Severa document reads them.

OpenAPI 3.0 ignores every keyword beside a `$ref`, so `nullable: true` there does not
make null allowed: a generated client (openapi-python-client) fails on such a null. The
hub leaves an unset reference out instead, and the contract checker refuses the null.
"""

from __future__ import annotations

from typing import Any

import pytest

from tandem import bootstrap
from tests.support import factories, spec
from tests.support.hub import SpecClient

ACTIVITY_PATH = "/v1/activities/4a4f1f1e-0000-4000-8000-000000000001"


def literal_activity(**fields: Any) -> dict[str, Any]:
    """An ActivityModel answer as Severa documents it, written out by hand."""
    answer: dict[str, Any] = {
        "guid": "4a4f1f1e-0000-4000-8000-000000000001",
        "name": "Planning",
        "activityType": {"guid": "4a4f1f1e-0000-4000-8000-000000000002", "name": "Meeting"},
        "ownerUser": {"guid": "4a4f1f1e-0000-4000-8000-000000000003", "name": "Olivia Owner"},
        "startDateTime": "2026-12-01T09:00:00+02:00",
        "endDateTime": "2026-12-01T10:00:00+02:00",
        "location": None,
    }
    answer.update(fields)
    return answer


def null_references(answer: dict[str, Any], schema_name: str) -> set[str]:
    return {name for name in spec.reference_fields(schema_name) if name in answer and answer[name] is None}


def test_bey_8_the_checker_refuses_null_where_the_spec_has_a_ref() -> None:
    assert "customer" in spec.reference_fields("ActivityModel")  # declared `$ref` + `nullable: true`
    spec.check_response("GET", ACTIVITY_PATH, 200, "application/json", literal_activity())  # null `location` is fine

    with pytest.raises(spec.SpecViolation, match=r"customer: None is not of type 'object'"):
        spec.check_response("GET", ACTIVITY_PATH, 200, "application/json", literal_activity(customer=None))
    with pytest.raises(spec.SpecViolation, match=r"createdBy: None is not of type 'object'"):
        spec.check_response("GET", ACTIVITY_PATH, 200, "application/json", literal_activity(createdBy=None))


def test_bey_8_activity_and_user_answers_carry_no_null_reference(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    owner = factories.user(tandem, first_name="Olivia", last_name="Owner")
    meeting = factories.activity_type(tandem, "Meeting", "CalendarEntry")
    created = api.post("/v1/activities", json=factories.activity_body(owner, meeting))
    assert created.status_code == 201, created.text
    guid = created.json()["guid"]
    patched = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/name", "value": "Review"}])
    assert patched.status_code == 200, patched.text
    listed = api.get("/v1/activities", params={"rowCount": 100}).json()
    fetched = api.get(f"/v1/activities/{guid}").json()
    answers = [created.json(), patched.json()[0], fetched, *(a for a in listed if a["guid"] == guid)]
    assert len(answers) == 4

    unset = {"customer", "phase", "projectTaskStatus", "recurrence", "createdBy", "lastUpdatedBy"}
    for answer in answers:
        assert null_references(answer, "ActivityModel") == set()
        assert unset.isdisjoint(answer)  # the key is left out, not sent as null
        assert "location" in answer  # a plain nullable field keeps its null
        assert answer["location"] is None

    users = api.get("/v1/users").json()
    assert [u["guid"] for u in users] == [owner.guid]
    assert null_references(users[0], "UserOutputModel") == set()
    assert {"businessUnit", "defaultActivityType"}.isdisjoint(users[0])
    assert users[0]["timezone"]["ianaName"] == "Europe/Helsinki"  # a set reference is still shown


def test_bey_8_a_reference_left_out_can_still_be_patched(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    owner = factories.user(tandem)
    meeting = factories.activity_type(tandem, "Meeting", "CalendarEntry")
    acme = factories.customer(tandem, "Acme")
    guid = api.post("/v1/activities", json=factories.activity_body(owner, meeting)).json()["guid"]

    set_customer = [{"op": "replace", "path": "/customer/guid", "value": acme.guid}]
    answer = api.patch(f"/v1/activities/{guid}", json=set_customer)
    assert answer.status_code == 200, answer.text
    assert answer.json()[0]["customer"]["name"] == "Acme"

    cleared = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/customer", "value": None}])
    assert cleared.status_code == 200, cleared.text
    assert "customer" not in api.get(f"/v1/activities/{guid}").json()
    again = api.patch(f"/v1/activities/{guid}", json=[{"op": "replace", "path": "/customer", "value": None}])
    assert again.status_code == 200, again.text  # clearing what is already clear is no error
