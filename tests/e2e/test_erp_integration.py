"""ERP-1..ERP-7 end to end: the Visma Business demo database and the hub (its PSA half
loaded), on SQLite and on PostgreSQL, wired as `tandem serve` wires them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.connectors.visma_business.stamps import datetime_to_stamp
from tandem.demo.psa_seed import INTERNAL_CUSTOMER
from tandem.domain.erp import MASTER_ENTITIES, ErpEntity, ErpLink, FindingKind, ProblemRef, Side
from tandem.erp.names import split_full_name
from tandem.hub.models import InvoiceStatus
from tests.integration.visma_business.conftest import StatementLog
from tests.integration.visma_business.hub_world import HubWorld, hub_world
from tests.support.hub import SpecClient

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT
INVOICE = ErpEntity.INVOICE


@pytest.fixture
def world(tandem: bootstrap.Tandem, database_kind: str, tmp_path: Path) -> Iterator[HubWorld]:
    with hub_world(tandem, database_kind, tmp_path) as made:
        yield made


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def data_writes(log: StatementLog) -> list[str]:
    """Writing statements other than the run record itself (`erp_runs`)."""
    return [s for s in log.writes() if "erp_runs" not in s]


def seeded_links(world: HubWorld, entity: ErpEntity) -> list[ErpLink]:
    """Links of records that were on both sides before the first run, by key."""
    seeded = {r.guid for r in world.manifest.psa_seed.records[entity]}
    return sorted((link for link in world.store.links(entity).values() if link.psa_guid in seeded), key=_key)


def _key(link: ErpLink) -> tuple[int, str]:
    return (len(link.erp_key), link.erp_key)


def hub_names(world: HubWorld, entity: ErpEntity) -> dict[str, str | None]:
    return {r.guid: r.fields.get("name") for r in world.integration.psa.list(entity)}


def erp_record(world: HubWorld, entity: ErpEntity, key: str) -> Any:
    (record,) = [r for r in world.erp.read(entity) if r.key == key]
    return record


def test_erp_1_each_entity_links_by_its_key_and_new_records_cross_both_ways(world: HubWorld, api: SpecClient) -> None:
    report = world.run()

    for entity in MASTER_ENTITIES:
        links = world.store.links(entity)
        erp_rows = {r.key: r for r in world.erp.read(entity)}
        hub_rows = {r.guid: r for r in world.integration.psa.list(entity)}
        assert len(links) > 10, entity
        for link in links.values():
            assert erp_rows[link.erp_key].psa_guid == link.psa_guid  # the ERP keeps the hub's guid (Inf8)
            assert hub_rows[link.psa_guid].key == link.erp_key  # number/code = the ERP's key
    links = {e: {link.erp_key: link.psa_guid for link in world.store.links(e).values()} for e in MASTER_ENTITIES}

    erp_customer = next(k for k in report.entity(C).created if int(k) < 20000)  # came from the ERP
    shown = ok(api.get(f"/v1/customers/{links[C][erp_customer]}"))
    assert (shown["number"], shown["name"]) == (int(erp_customer), erp_record(world, C, erp_customer).name)
    hub_customer = next(r for r in world.manifest.psa_seed.records[C] if r.key == "20001")  # came from the hub
    assert erp_record(world, C, "20001").name == hub_customer.fields["name"]

    erp_employee = next(k for k in report.entity(E).created if int(k) < 500)
    user = ok(api.get(f"/v1/users/{links[E][erp_employee]}"))
    employee = erp_record(world, E, erp_employee)
    assert (user["code"], user["email"]) == (erp_employee, employee.fields["email"])
    assert (user["firstName"], user["lastName"]) == split_full_name(employee.name)  # split on the last space

    unit = ok(api.get(f"/v1/businessunits/{links[D][next(k for k in report.entity(D).created if int(k) < 900)]}"))
    assert unit["name"] == erp_record(world, D, unit["code"]).name
    work_type = next(r for r in world.manifest.psa_seed.records[P] if r.fields.get("kind") == "work_type")
    assert erp_record(world, P, work_type.key or "").name == work_type.fields["name"]  # work types go to Prod
    project = ok(api.get(f"/v1/projects/{links[J][next(k for k in report.entity(J).created if int(k) < 7000)]}"))
    assert project["customer"]["name"] == INTERNAL_CUSTOMER  # an ERP project gets the default customer


def test_erp_2_same_number_links_but_same_name_under_another_number_is_reported(world: HubWorld) -> None:
    equal = next(p for p in world.manifest.problems if p.kind is FindingKind.EQUAL_NAME_DIFFERENT_KEY and p.entity is C)
    mismatch = next(p for p in world.manifest.problems if p.kind is FindingKind.NAME_MISMATCH and p.entity is C)
    erp_key, psa_key = equal.keys
    psa_guid = next(r.guid for r in world.manifest.psa_seed.records[C] if r.key == psa_key)

    report = world.run()

    reasons = {(f.key, f.side): f.reason for f in report.entity(C).failed}
    assert "have the same name; not copied" in reasons[(erp_key, Side.ERP)]
    assert "have the same name; not copied" in reasons[(psa_key, Side.PSA)]
    assert psa_guid not in world.store.links(C)  # never linked on a name
    assert psa_key not in {r.key for r in world.erp.read(C)}
    assert erp_key not in {r.key for r in world.integration.psa.list(C)}
    (key,) = mismatch.keys
    linked = next(link for link in world.store.links(C).values() if link.erp_key == key)
    assert hub_names(world, C)[linked.psa_guid] == erp_record(world, C, key).name  # linked; the newer name won


def test_erp_3_the_preflight_over_the_demo_and_the_hub_finds_every_planted_problem_and_nothing_else(
    world: HubWorld,
) -> None:
    unrepresentable = world.unrepresentable_problems()
    world.clear_sql()

    report = world.integration.preflight(world.clock.now)

    # The hub numbers every customer and refuses a second user with one code: those two
    # planted PSA problems cannot exist in it. Everything else must be found, and only it.
    assert unrepresentable < world.manifest.problems
    assert {(p.kind, p.entity) for p in unrepresentable} == {
        (FindingKind.DUPLICATE_KEY, E),
        (FindingKind.MISSING_KEY, C),
    }
    assert {f.ref for f in report.findings} == world.manifest.problems - unrepresentable
    assert {f.ref.kind for f in report.blocking} == {
        FindingKind.CUSTOMER_SERIES_OVERLAP,
        FindingKind.INVOICE_SERIES_OVERLAP,
        FindingKind.DUPLICATE_KEY,
    }
    assert world.erp_sql.writes() == []
    assert world.hub_sql.writes() == []  # a preflight only reads


def test_erp_3_a_record_renumbered_after_linking_on_either_side_is_reported_and_left_alone(
    world: HubWorld, api: SpecClient
) -> None:
    world.run()
    in_erp, in_hub = seeded_links(world, C)[:2]
    world.erp_edit(world.erp.tables.actor, world.customer_where(in_erp.erp_key), 2, CustNo=19990)
    patch = [{"op": "replace", "path": "/number", "value": 29990}]
    ok(api.patch(f"/v1/customers/{in_hub.psa_guid}", json=patch))
    world.clear_sql()

    report = world.run()
    preflight = world.integration.preflight(world.clock.now)

    reasons = {f.psa_guid: f.reason for f in report.entity(C).failed}
    assert "renumbered since linking" in reasons[in_erp.psa_guid]
    assert "renumbered since linking" in reasons[in_hub.psa_guid]
    assert report.writes == 0
    assert world.erp_sql.writes() == []
    assert data_writes(world.hub_sql) == []
    assert {
        ProblemRef(FindingKind.RENUMBERED, C, Side.ERP, ("19990", in_erp.erp_key)),
        ProblemRef(FindingKind.RENUMBERED, C, Side.PSA, (in_hub.erp_key, "29990")),
    } <= {f.ref for f in preflight.findings}
    assert "19990" not in {r.key for r in world.integration.psa.list(C)}  # no copy under the new numbers
    assert "29990" not in {r.key for r in world.erp.read(C)}


def test_erp_4_a_linked_record_excluded_later_is_left_alone_on_both_sides(world: HubWorld, api: SpecClient) -> None:
    world.run()
    link = seeded_links(world, C)[1]
    world.erp_edit(world.erp.tables.actor, world.customer_where(link.erp_key), 2, Gr4=1, Nm="Renamed In ERP Oy")
    ok(api.patch(f"/v1/customers/{link.psa_guid}", json=[{"op": "replace", "path": "/name", "value": "Hub Name Oy"}]))
    world.clear_sql()

    report = world.run()

    assert link.erp_key in {item.key for item in report.entity(C).excluded}
    assert world.erp_sql.writes() == []
    assert data_writes(world.hub_sql) == []
    assert erp_record(world, C, link.erp_key).name == "Renamed In ERP Oy"
    assert ok(api.get(f"/v1/customers/{link.psa_guid}"))["name"] == "Hub Name Oy"
    assert world.store.links(C)[link.psa_guid] == link  # kept as it was, for when the exclusion is lifted


def test_erp_5_updates_flow_from_each_entity_s_master(world: HubWorld, api: SpecClient) -> None:
    world.run()
    product, other_product = seeded_links(world, P)[:2]
    project, other_project = seeded_links(world, J)[:2]
    unit = seeded_links(world, D)[0]
    tables = world.erp.tables
    world.erp_edit(tables.product, tables.product.c.ProdNo == product.erp_key, 1, Descr="Licence Platinum")
    world.erp_edit(tables.projects, tables.projects.c.RNo == int(other_project.erp_key), 0, Nm="ERP Project Name")
    world.erp_edit(tables.departments, tables.departments.c.RNo == int(unit.erp_key), 0, Nm="Sales Lapland")
    rename = [{"op": "replace", "path": "/name", "value": "Hub Project Name"}]
    ok(api.patch(f"/v1/projects/{project.psa_guid}", json=rename))
    rename = [{"op": "replace", "path": "/name", "value": "Hub Product Name"}]
    ok(api.patch(f"/v1/products/{other_product.psa_guid}", json=rename))

    report = world.run()

    assert ok(api.get(f"/v1/products/{product.psa_guid}"))["name"] == "Licence Platinum"  # ERP is the master
    assert (
        ok(api.get(f"/v1/products/{other_product.psa_guid}"))["name"]
        == erp_record(world, P, other_product.erp_key).name
    )
    assert erp_record(world, J, project.erp_key).name == "Hub Project Name"  # the PSA is the master
    assert erp_record(world, J, other_project.erp_key).name == hub_names(world, J)[other_project.psa_guid]
    assert ok(api.get(f"/v1/businessunits/{unit.psa_guid}"))["name"] == "Sales Lapland"  # both ways
    assert set(report.entity(P).updated) == {product.erp_key, other_product.erp_key}
    assert set(report.entity(J).updated) == {project.erp_key, other_project.erp_key}
    assert world.run().writes == 0


def test_erp_5_a_conflicting_edit_on_both_sides_is_won_by_the_newer_and_recorded(
    world: HubWorld, api: SpecClient
) -> None:
    world.run()
    hub_wins, erp_wins = seeded_links(world, C)[2:4]
    actor = world.erp.tables.actor

    def rename(link: ErpLink, name: str) -> None:
        ok(api.patch(f"/v1/customers/{link.psa_guid}", json=[{"op": "replace", "path": "/name", "value": name}]))

    world.erp_edit(actor, world.customer_where(hub_wins.erp_key), 0, Nm="Older ERP Edit Oy")
    rename(hub_wins, "Newer Hub Edit Oy")  # after the ERP's edit
    rename(erp_wins, "Older Hub Edit Oy")
    world.erp_edit(actor, world.customer_where(erp_wins.erp_key), 5, Nm="Newer ERP Edit Oy")  # stamped later

    report = world.run()

    conflicts = {c.key: c for c in report.conflicts}
    assert (conflicts[hub_wins.erp_key].winner, conflicts[erp_wins.erp_key].winner) == (Side.PSA, Side.ERP)
    assert (conflicts[hub_wins.erp_key].psa_value, conflicts[hub_wins.erp_key].erp_value) == (
        "Newer Hub Edit Oy",
        "Older ERP Edit Oy",
    )
    assert conflicts[erp_wins.erp_key].base_value == (erp_wins.base.values if erp_wins.base else {})["name"]
    assert erp_record(world, C, hub_wins.erp_key).name == "Newer Hub Edit Oy"
    assert ok(api.get(f"/v1/customers/{erp_wins.psa_guid}"))["name"] == "Newer ERP Edit Oy"
    assert world.store.runs(1)[0].conflicts == report.conflicts  # recorded where the admin sees them
    assert world.run().writes == 0


def test_erp_6_invoices_go_to_the_erp_and_paid_status_comes_back_to_the_hub(world: HubWorld, api: SpecClient) -> None:
    first = world.run()
    issued = [i for i in world.integration.psa.list_invoices() if not i.is_draft]
    drafts = [i for i in world.integration.psa.list_invoices() if i.is_draft]
    assert sorted(first.entity(INVOICE).created) == sorted(i.number or "" for i in issued)
    ledger = world.erp.tables.ledger
    booked = {str(r["InvoNo"]) for r in world.erp_rows(ledger, ledger.c.InvoNo >= 270000)}
    assert booked == {i.number for i in issued}  # drafts stay in the hub
    assert not {i.number for i in drafts} & booked
    unpaid = next(i for i in issued if not i.is_paid)

    world.erp_edit(ledger, ledger.c.InvoNo == int(unpaid.number or 0), 1, RAm=0)
    paid_run = world.run()

    assert paid_run.entity(INVOICE).updated == (unpaid.number,)
    (shown,) = ok(api.get("/v1/invoices", params={"numbers": unpaid.number}))
    assert shown["status"]["isPaid"] is True
    assert shown["paymentDate"] == world.clock.now.date().isoformat()

    project = seeded_links(world, J)[0]
    (draft,) = ok(api.post("/v1/invoices", json={"projects": [{"guid": project.psa_guid}]}), 201)
    assert world.run().entity(INVOICE).created == ()  # a draft does not go
    with world.tandem.db.read() as session:
        sent = session.scalars(sa.select(InvoiceStatus).where(InvoiceStatus.is_sent, ~InvoiceStatus.is_paid)).first()
        assert sent is not None
    ok(api.patch(f"/v1/invoices/{draft['guid']}", json=[{"op": "replace", "path": "/status/guid", "value": sent.guid}]))
    assert world.run().entity(INVOICE).created == (str(draft["number"]),)
    (row,) = world.erp_rows(ledger, ledger.c.InvoNo == draft["number"])
    assert row["CustNo"] == draft["customer"]["number"]


def test_erp_7_records_that_cannot_transfer_are_reported_and_the_run_goes_on(world: HubWorld, api: SpecClient) -> None:
    world.run()
    before = {e: world.store.links(e) for e in MASTER_ENTITIES}
    twice, renamed = seeded_links(world, C)[4:6]
    long_name = ok(api.post("/v1/customers", json={"name": "Pitkänimi " + "x" * 190}), 201)
    ok(api.post("/v1/users", json={"firstName": "Uncoded", "lastName": "User", "email": "uncoded@demo.example"}), 201)
    actor = world.erp.tables.actor
    day, minute = datetime_to_stamp(world.clock.now, world.erp.zone)
    with world.tandem.erp_engines[0].begin() as conn:  # an ERP user gives a second company the same number
        highest = conn.execute(sa.select(sa.func.max(actor.c.ActNo))).scalar_one()
        second = {"ActNo": highest + 1, "CustNo": int(twice.erp_key), "Nm": "A Second Company Oy"}
        conn.execute(sa.insert(actor).values(**second, ChDt=day, ChTm=minute))
    world.erp_edit(actor, world.customer_where(renamed.erp_key), 1, Nm="Renamed Meanwhile Oy")

    report = world.run()

    reasons = {(f.key, f.side): f.reason for f in report.entity(C).failed}
    assert "is 200 characters; the ERP allows 50" in reasons[(str(long_name["number"]), Side.PSA)]
    assert f"key {twice.erp_key} is used by 2 ERP records" in reasons[(twice.erp_key, Side.ERP)]
    assert "no number/code" in next(f.reason for f in report.entity(E).failed if f.key is None)
    assert report.entity(C).updated == (renamed.erp_key,)  # the run went on
    assert hub_names(world, C)[renamed.psa_guid] == "Renamed Meanwhile Oy"
    after = {e: world.store.links(e) for e in MASTER_ENTITIES}
    for entity in MASTER_ENTITIES:  # nothing linked was lost or re-pointed
        assert {g: link.erp_key for g, link in before[entity].items()}.items() <= {
            g: link.erp_key for g, link in after[entity].items()
        }.items()
    assert after[C][twice.psa_guid] == before[C][twice.psa_guid]
    assert hub_names(world, C)[twice.psa_guid] != "A Second Company Oy"


def test_erp_7_a_second_run_with_no_changes_writes_nothing_on_either_database(world: HubWorld) -> None:
    first = world.run()
    assert first.writes > 300
    world.clear_sql()

    incremental = world.integration.run(world.clock.advance(10))
    full = world.integration.run(world.clock.advance(10), full=True)

    assert (incremental.writes, full.writes) == (0, 0)
    assert world.erp_sql.writes() == []
    hub_writes = world.hub_sql.writes()
    assert len(hub_writes) == 2  # the two run records, and nothing else
    assert all(s.lstrip().upper().startswith("INSERT INTO ERP_RUNS") for s in hub_writes)


def test_erp_7_one_record_failing_in_a_chunk_is_rolled_back_alone_on_both_sides_and_made_once_later(
    world: HubWorld,
) -> None:
    """The run writes its records in chunks (one savepoint on each database for many
    records); a record that fails halfway, after its hub customer and its link were written,
    is undone on both sides while every other record of its chunk is kept, and the next run
    makes it once."""
    writer = world.erp.writer
    real = writer.store_psa_guid
    refused: list[str] = []
    seeded = {r.guid for r in world.manifest.psa_seed.records[C]}

    def refusing_one_row(entity: ErpEntity, row_id: str, psa_guid: str) -> None:
        new_in_hub = entity is C and psa_guid not in seeded  # a customer the run has just made in the hub
        if new_in_hub and (not refused or refused[0] == row_id):  # the first such row, each time
            refused.append(row_id)
            raise RuntimeError("the ERP refused this one write")
        real(entity, row_id, psa_guid)

    writer.store_psa_guid = refusing_one_row  # type: ignore[method-assign]
    first = world.run()
    writer.store_psa_guid = real  # type: ignore[method-assign]

    assert len(refused) == 2  # in its chunk, then alone
    customers = first.entity(C)
    (failure,) = [f for f in customers.failed if "the ERP refused this one write" in f.reason]
    assert len(customers.created) >= 10  # its chunk's other customers went through
    hub_numbers = [r.key for r in world.integration.psa.list(C)]
    assert failure.key not in hub_numbers  # its hub customer was rolled back with it
    assert all(link.erp_key != failure.key for link in world.store.links(C).values())

    second = world.run()
    assert second.entity(C).created == (failure.key,)  # made now, once
    hub_numbers = [r.key for r in world.integration.psa.list(C)]
    assert hub_numbers.count(failure.key) == 1
    assert len(hub_numbers) == len(set(hub_numbers))
    assert erp_record(world, C, failure.key).psa_guid is not None  # the ERP holds its guid now
