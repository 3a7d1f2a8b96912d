"""Master data over the REST API: users, customers and contacts, projects and phases,
business units, products, work types, activity types, invoices, settings."""

from __future__ import annotations

from typing import Any

import pytest

from tandem import bootstrap
from tandem.hub.services import organisation
from tests.support import factories
from tests.support.hub import SpecClient


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def names(response: Any) -> list[str]:
    return [d["location"]["name"] for d in response.json()["error"]["details"]]


def test_a_user_posted_without_a_time_zone_gets_the_organisations(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    assert ok(api.post("/v1/users", json={"firstName": "U", "lastName": "Tc"}), 201)["timezone"]["ianaName"] == "UTC"
    with tandem.db.write() as session:
        organisation.set_time_zone(session, "Europe/Helsinki")
    made = ok(api.post("/v1/users", json={"firstName": "H", "lastName": "Ki"}), 201)
    assert made["timezone"]["ianaName"] == "Europe/Helsinki"


def test_users(api: SpecClient) -> None:
    made = ok(
        api.post(
            "/v1/users",
            json={
                "firstName": "Maija",
                "lastName": "Meikäläinen",
                "email": "Maija@Example.com",
                "code": "E42",
                "timezone": {"ianaName": "Europe/Helsinki"},
            },
        ),
        201,
    )
    assert made["email"] == "Maija@Example.com"
    assert made["timezone"]["ianaName"] == "Europe/Helsinki"
    same_email = api.post("/v1/users", json={"firstName": "M", "lastName": "M", "email": "maija@example.COM"})
    assert same_email.status_code == 400
    assert names(same_email) == ["email"]
    same_code = api.post("/v1/users", json={"firstName": "M", "lastName": "M", "code": "E42"})
    assert names(same_code) == ["code"]
    bad_zone = api.post("/v1/users", json={"firstName": "M", "lastName": "M", "timezone": {"ianaName": "Nowhere"}})
    assert names(bad_zone) == ["timezone.ianaName"]
    found = ok(api.get("/v1/users", params={"email": "MAIJA@example.com"}))
    assert [u["guid"] for u in found] == [made["guid"]]
    assert ok(api.get("/v1/users", params={"code": "E42"}))[0]["lastName"] == "Meikäläinen"
    patched = ok(api.patch(f"/v1/users/{made['guid']}", json=[{"op": "replace", "path": "/isActive", "value": False}]))
    assert patched[0]["isActive"] is False
    assert ok(api.get("/v1/users", params={"isActive": "true"})) == []
    assert api.delete(f"/v1/users/{made['guid']}").status_code == 204


def test_a_user_who_owns_activities_cannot_be_deleted(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    owner = factories.user(tandem)
    kind = factories.activity_type(tandem)
    ok(api.post("/v1/activities", json=factories.activity_body(owner, kind)), 201)
    refused = api.delete(f"/v1/users/{owner.guid}")
    assert refused.status_code == 400
    assert refused.json()["error"]["type"] == "InvalidOperation"
    assert "deactivate" in refused.json()["error"]["details"][0]["message"]


def test_customers_numbering_and_contacts(api: SpecClient) -> None:
    first = ok(api.post("/v1/customers", json={"name": "Acme"}), 201)
    manual = ok(api.post("/v1/customers", json={"name": "Globex", "number": 1001}), 201)
    third = ok(api.post("/v1/customers", json={"name": "Initech"}), 201)
    assert first["number"] == 1000
    assert manual["number"] == 1001
    assert third["number"] == 1002  # the series skips a number taken by hand
    settings = ok(api.get("/v1/organizationsettings"))
    assert settings["nextCustomerNumber"] == 1003
    assert settings["lastCustomerNumber"] == 1002
    taken = api.post("/v1/customers", json={"name": "Copy", "number": 1000})
    assert names(taken) == ["number"]
    assert ok(api.get("/v1/customers", params={"numbers": "1001"}))[0]["name"] == "Globex"
    contact = ok(
        api.post(
            "/v1/contactpersons",
            json={
                "firstName": "Wile",
                "lastName": "Coyote",
                "customer": {"guid": first["guid"]},
                "email": "w@acme.example",
            },
        ),
        201,
    )
    assert contact["emails"] == ["w@acme.example"]
    assert contact["customer"]["name"] == "Acme"
    of_acme = ok(api.get(f"/v1/customers/{first['guid']}/contactpersons"))
    assert [c["guid"] for c in of_acme] == [contact["guid"]]
    refused = api.delete(f"/v1/customers/{first['guid']}")
    assert refused.status_code == 400  # it has a contact person
    assert api.delete(f"/v1/contactpersons/{contact['guid']}").status_code == 204
    assert api.delete(f"/v1/customers/{first['guid']}").status_code == 204
    no_customer = api.post("/v1/contactpersons", json={"firstName": "A", "lastName": "B", "customer": {"guid": "x"}})
    assert names(no_customer) == ["customer.guid"]


def test_projects_phases_and_invoices(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    owner = factories.user(tandem)
    customer = ok(api.post("/v1/customers", json={"name": "Acme"}), 201)
    unit = ok(api.post("/v1/businessunits", json={"name": "Consulting", "code": "100"}), 201)
    project = ok(
        api.post(
            "/v1/projects",
            json={
                "name": "Website",
                "customer": {"guid": customer["guid"]},
                "projectOwner": {"guid": owner.guid},
                "businessUnit": {"guid": unit["guid"]},
            },
        ),
        201,
    )
    assert project["number"] == 1000
    assert project["rootPhase"]["name"] == "Website"
    assert project["businessUnit"]["code"] == "100"
    phase = ok(
        api.post("/v1/phases", json={"name": "Design", "parentPhase": {"guid": project["rootPhase"]["guid"]}}), 201
    )
    assert phase["project"]["guid"] == project["guid"]
    assert [p["name"] for p in ok(api.get("/v1/phases", params={"projectGuids": project["guid"]}))] == [
        "Website",
        "Design",
    ]
    missing = api.post(
        "/v1/projects", json={"name": "Orphan", "customer": {"guid": "nope"}, "projectOwner": {"guid": owner.guid}}
    )
    assert names(missing) == ["customer.guid"]
    root_delete = api.delete(f"/v1/phases/{project['rootPhase']['guid']}")
    assert root_delete.status_code == 400

    invoices = ok(api.post("/v1/invoices", json={"projects": [{"guid": project["guid"]}], "date": "2026-11-30"}), 201)
    assert len(invoices) == 1
    invoice = invoices[0]
    assert invoice["number"] == 1000
    assert invoice["status"]["name"] == "Draft"
    assert invoice["dueDate"] == "2026-12-14"
    assert invoice["projects"][0]["guid"] == project["guid"]
    paid_status = next(
        s for s in (ok(api.get(f"/v1/invoices/{invoice['guid']}"))["status"],) if s
    )  # the statuses come with the database
    assert paid_status["isPaid"] is False
    patched = ok(
        api.patch(
            f"/v1/invoices/{invoice['guid']}",
            json=[
                {"op": "replace", "path": "/totalExcludingTax/amount", "value": 1250.5},
                {"op": "replace", "path": "/referenceNumber", "value": "RF1000"},
            ],
        )
    )
    assert patched[0]["totalExcludingTax"]["amount"] == 1250.5
    assert ok(api.get("/v1/invoices", params={"numbers": "1000"}))[0]["referenceNumber"] == "RF1000"
    assert ok(api.get("/v1/organizationsettings"))["nextInvoiceNumber"] == 1001
    refused = api.delete(f"/v1/projects/{project['guid']}")
    assert refused.status_code == 400  # it has an invoice


def test_settings_registers(api: SpecClient) -> None:
    product = ok(
        api.post(
            "/v1/products",
            json={
                "name": "Licence",
                "code": "P1",
                "type": "Materials",
                "unitPrice": {"amount": 99.5, "currencyCode": "EUR"},
            },
        ),
        201,
    )
    assert product["unitPrice"]["amount"] == 99.5
    assert names(api.post("/v1/products", json={"name": "Copy", "code": "P1"})) == ["code"]
    assert api.post("/v1/products", json={"name": "Odd", "type": "Services"}).status_code == 400
    assert [p["code"] for p in ok(api.get("/v1/products", params={"type": "Materials"}))] == ["P1"]
    work = ok(api.post("/v1/worktypes", json={"name": "Design", "code": "W1"}), 201)
    assert work["isProductive"] is True
    meeting = ok(
        api.post("/v1/activitytypes", json={"name": "Meeting", "category": "CalendarEntry", "isDefault": True}), 201
    )
    call = ok(api.post("/v1/activitytypes", json={"name": "Call", "category": "CalendarEntry", "isDefault": True}), 201)
    assert call["isDefault"] is True
    assert ok(api.get(f"/v1/activitytypes/{meeting['guid']}"))["isDefault"] is False  # one default at a time
    assert api.post("/v1/activitytypes", json={"name": "X", "category": "Party"}).status_code == 400
    personal = ok(api.get("/v1/activitytypes", params={"category": "CalendarEntry"}))
    assert {t["name"] for t in personal} == {"Meeting", "Call"}


def test_deleting_a_used_activity_type_moves_its_activities(api: SpecClient, tandem: bootstrap.Tandem) -> None:
    owner = factories.user(tandem)
    old = factories.activity_type(tandem, "Old")
    new = factories.activity_type(tandem, "New")
    guid = ok(api.post("/v1/activities", json=factories.activity_body(owner, old)), 201)["guid"]
    assert api.delete(f"/v1/activitytypes/{old.guid}").status_code == 400
    assert api.delete(f"/v1/activitytypes/{old.guid}", params={"moveUsagesToGuid": new.guid}).status_code == 204
    assert ok(api.get(f"/v1/activities/{guid}"))["activityType"]["guid"] == new.guid


@pytest.mark.parametrize("path", ["/v1/businessunits", "/v1/worktypes"])
def test_first_row_paging(api: SpecClient, path: str) -> None:
    for i in range(25):
        ok(api.post(path, json={"name": f"Item {i:02d}", "code": f"C{i:02d}"}), 201)
    first = ok(api.get(path, params={"rowCount": 10}))
    second = ok(api.get(path, params={"rowCount": 10, "firstRow": 10}))
    third = ok(api.get(path, params={"rowCount": 10, "firstRow": 20}))
    codes = [x["code"] for x in first + second + third]
    assert codes == [f"C{i:02d}" for i in range(25)]
    assert [x["code"] for x in ok(api.get(path, params={"textToSearch": "item 1"}))][:3] == ["C10", "C11", "C12"]


def test_token_paging_of_customers(api: SpecClient) -> None:
    for i in range(30):
        ok(api.post("/v1/customers", json={"name": f"Customer {i}"}), 201)
    seen: list[int] = []
    token = None
    while True:
        response = api.get("/v1/customers", params={"rowCount": 7} | ({"pageToken": token} if token else {}))
        seen += [c["number"] for c in ok(response)]
        token = response.headers.get("NextPageToken")
        if not token:
            break
    assert seen == list(range(1000, 1030))


def test_unknown_guids_are_404_in_the_spec_shape(api: SpecClient) -> None:
    for path in (
        "/v1/users/x",
        "/v1/customers/x",
        "/v1/projects/x",
        "/v1/invoices/x",
        "/v1/phases/x",
        "/v1/activities/x",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["details"][0]["location"]["type"] == "PathParameter"
