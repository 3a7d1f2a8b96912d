"""Full runs against the demo database with the in-memory PSA (ERP-4..ERP-7)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tandem.domain.erp import ErpEntity, ErpLink, FindingKind, ProblemRef, Side
from tandem.erp.fields import erp_values, psa_values
from tandem.erp.names import split_full_name
from tests.integration.visma_business.conftest import T0, DemoWorld

C, E, P = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.PRODUCT


@pytest.fixture
def demo(small_demo: DemoWorld) -> DemoWorld:
    """Runs use the smaller demo (same kinds of records and planted problems)."""
    return small_demo


def first_run(demo: DemoWorld) -> None:
    report = demo.integration.run(T0)
    assert report.entity(C).created
    assert report.entity(C).linked


def a_linked(demo: DemoWorld, entity: ErpEntity, index: int = 0) -> ErpLink:
    """A record that existed on both sides before the first run and is linked now."""
    seeded = {r.guid for r in demo.manifest.psa_seed.records[entity]}
    linked = sorted(
        (link for link in demo.store.links(entity).values() if link.psa_guid in seeded), key=lambda x: x.erp_key
    )
    return linked[index]


def actor_where(demo: DemoWorld, key: str) -> sa.ColumnElement[bool]:
    return demo.erp.tables.actor.c.CustNo == int(key)


def test_erp_7_a_second_run_without_changes_sends_no_writing_sql(demo: DemoWorld) -> None:
    first_run(demo)
    psa_writes = demo.psa.writes
    demo.sql.clear()

    incremental = demo.integration.run(demo.clock.advance(10))
    statements_incremental = len(demo.sql.statements)
    full = demo.integration.run(demo.clock.advance(10), full=True)

    assert demo.sql.writes() == []
    assert incremental.writes == 0
    assert full.writes == 0
    assert demo.psa.writes == psa_writes
    assert statements_incremental <= 8  # five incremental reads and one ledger lookup


def test_erp_5_records_flow_both_ways_and_every_link_agrees(demo: DemoWorld) -> None:
    report = demo.integration.run(T0)

    for entity in (C, E, ErpEntity.DEPARTMENT, P, ErpEntity.PROJECT):
        erp_rows = {r.key: r for r in demo.erp.read(entity)}
        for link in demo.store.links(entity).values():
            erp_record = erp_rows[link.erp_key]
            assert erp_record.psa_guid == link.psa_guid  # the ERP keeps the PSA guid
            if entity in (C, E, ErpEntity.DEPARTMENT):  # both ways: equal; PSA/ERP masters: equal too
                assert psa_values(demo.psa.get(entity, link.psa_guid)) == erp_values(erp_record), link
    created_employee = next(k for k in report.entity(E).created if int(k) < 500)  # an ERP employee, now a PSA user
    user = demo.psa.by_key(E, created_employee)
    erp_name = next(r.name for r in demo.erp.read(E) if r.key == created_employee)
    assert (user.fields["first_name"], user.fields["last_name"]) == split_full_name(erp_name or "")
    psa_only = next(r for r in demo.manifest.psa_seed.records[C] if r.key == "20001")
    assert next(r for r in demo.erp.read(C) if r.key == "20001").psa_guid == psa_only.guid


def test_erp_5_an_erp_edit_of_a_product_reaches_the_psa_in_the_next_incremental_run(demo: DemoWorld) -> None:
    first_run(demo)
    link = a_linked(demo, P)
    products = demo.erp.tables.product
    demo.erp_edit(products, products.c.ProdNo == link.erp_key, 3, Descr="Licence Platinum")

    report = demo.integration.run(demo.clock.now)

    assert report.entity(P).updated == (link.erp_key,)
    assert demo.psa.get(P, link.psa_guid).fields["name"] == "Licence Platinum"


def test_erp_5_a_conflicting_edit_on_both_sides_is_won_by_the_newer_and_recorded(demo: DemoWorld) -> None:
    first_run(demo)
    link = a_linked(demo, C)
    base_name = (link.base.values if link.base else {})["name"]
    demo.erp_edit(demo.erp.tables.actor, actor_where(demo, link.erp_key), 5, Nm="Edited In The ERP Oy")
    demo.clock.advance(4)
    demo.psa.edit(C, link.psa_guid, name="Edited In The PSA Oy")
    demo.sql.clear()

    report = demo.integration.run(demo.clock.now)

    (conflict,) = report.conflicts
    assert (conflict.key, conflict.field, conflict.winner) == (link.erp_key, "name", Side.PSA)
    assert (conflict.base_value, conflict.erp_value, conflict.psa_value) == (
        base_name,
        "Edited In The ERP Oy",
        "Edited In The PSA Oy",
    )
    assert next(r for r in demo.erp.read(C) if r.key == link.erp_key).name == "Edited In The PSA Oy"
    assert report.entity(C).updated == (link.erp_key,)
    assert len(demo.sql.writes()) == 1  # one UPDATE of one Actor row
    assert demo.integration.run(demo.clock.advance(1)).writes == 0


def test_erp_3_a_record_renumbered_after_linking_is_reported_and_left_alone(demo: DemoWorld) -> None:
    first_run(demo)
    link = a_linked(demo, C)
    demo.erp_edit(demo.erp.tables.actor, actor_where(demo, link.erp_key), 2, CustNo=19990)
    psa_writes = demo.psa.writes
    demo.sql.clear()

    report = demo.integration.run(demo.clock.now)
    preflight = demo.integration.preflight(demo.clock.now)

    assert report.writes == 0
    assert demo.sql.writes() == []
    assert demo.psa.writes == psa_writes
    assert any(f.psa_guid == link.psa_guid and "renumbered" in f.reason for f in report.entity(C).failed)
    assert ProblemRef(FindingKind.RENUMBERED, C, Side.ERP, ("19990", link.erp_key)) in {
        f.ref for f in preflight.findings
    }
    assert all(r.key != "19990" for r in demo.psa.list(C))  # no copy under the new number


def test_erp_4_a_linked_record_excluded_later_is_left_alone_on_both_sides(demo: DemoWorld) -> None:
    first_run(demo)
    link = a_linked(demo, C, 1)
    demo.erp_edit(demo.erp.tables.actor, actor_where(demo, link.erp_key), 2, Gr4=1, Nm="Renamed In ERP Oy")
    demo.psa.edit(C, link.psa_guid, name="Renamed In PSA Oy")
    psa_writes = demo.psa.writes
    demo.sql.clear()

    report = demo.integration.run(demo.clock.advance(1))

    assert link.erp_key in {i.key for i in report.entity(C).excluded}
    assert demo.sql.writes() == []
    assert demo.psa.writes == psa_writes
    assert next(r for r in demo.erp.read(C) if r.key == link.erp_key).name == "Renamed In ERP Oy"
    assert demo.psa.get(C, link.psa_guid).fields["name"] == "Renamed In PSA Oy"
    assert link.psa_guid in demo.store.links(C)  # the link is kept, for when the exclusion is lifted


def test_erp_6_invoices_are_booked_once_and_paid_status_comes_back(demo: DemoWorld) -> None:
    report = demo.integration.run(T0)
    numbered = [i for i in demo.psa.list_invoices() if i.number]
    assert sorted(report.entity(ErpEntity.INVOICE).created) == sorted(i.number for i in numbered)
    unpaid = next(i for i in numbered if not i.is_paid)
    ledger = demo.erp.tables.ledger

    demo.erp_edit(ledger, ledger.c.InvoNo == int(unpaid.number or 0), 3, RAm=0)
    paid_run = demo.integration.run(demo.clock.now)

    assert paid_run.entity(ErpEntity.INVOICE).updated == (unpaid.number,)
    assert next(i for i in demo.psa.list_invoices() if i.guid == unpaid.guid).is_paid
    with demo.engine.connect() as conn:
        booked = conn.execute(sa.select(sa.func.count()).select_from(ledger).where(ledger.c.InvoNo >= 270000)).scalar()
    assert booked == len(numbered)  # nothing booked twice
