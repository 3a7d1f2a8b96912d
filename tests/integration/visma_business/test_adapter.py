"""The Visma Business adapter against real SQLite and PostgreSQL: reads, incremental reads,
the SQL writer, invoices and the ledger, number series, renamed tables and columns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tandem.connectors.visma_business import VismaBusinessErp, VismaBusinessSettings
from tandem.connectors.visma_business.settings import ActorColumns, UnitColumns
from tandem.domain.erp import ErpEntity, ErpInvoiceDraft
from tandem.domain.errors import AlreadyExists, ConfigurationError, NotFound
from tests.integration.visma_business.conftest import Clock

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT
NOW = datetime(2025, 3, 4, 10, 30, 45, tzinfo=UTC)  # 12:30 in Helsinki


@pytest.fixture
def engine(empty_database_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(empty_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def make(engine: sa.Engine, settings: VismaBusinessSettings | None = None) -> VismaBusinessErp:
    erp = VismaBusinessErp(engine, settings or VismaBusinessSettings(), clock=Clock(NOW))
    erp.tables.metadata.create_all(engine)
    return erp


def insert(engine: sa.Engine, table: sa.Table, *rows: dict[str, object]) -> None:
    with engine.begin() as conn:
        for row in rows:  # one by one: rows name different columns
            conn.execute(sa.insert(table).values(row))


def actor(
    number: int, *, customer: int = 0, employee: int = 0, supplier: int = 0, **extra: object
) -> dict[str, object]:
    return {"ActNo": number, "CustNo": customer, "EmpNo": employee, "SupNo": supplier, **extra}


def test_reads_each_entity_as_neutral_records(engine: sa.Engine) -> None:
    erp = make(engine)
    t = erp.tables
    insert(
        engine,
        t.actor,
        actor(1, customer=10001, Nm=" Acme Oy ", MailAd="", Gr3=1, Inf8="g1", ChDt=20250110, ChTm=1105),
        actor(2, employee=7, Nm="Aino Virtanen", MailAd="aino@x.example"),
        actor(3, supplier=55, Nm="Paper Supplier AB"),
    )
    insert(engine, t.product, {"ProdNo": "P1", "Descr": "Licence"}, {"ProdNo": "", "Descr": "Unnumbered"})
    insert(engine, t.departments, {"RNo": 10, "Nm": "Sales"})
    insert(engine, t.projects, {"RNo": 5001, "Nm": "Intranet"})

    (customer,) = erp.read(C)
    assert (customer.key, customer.row_id, customer.name, customer.fields["email"]) == ("10001", "1", "Acme Oy", None)
    assert customer.groups == {"Gr3": "1"}
    assert customer.psa_guid == "g1"
    assert customer.changed_at == datetime(2025, 1, 10, 9, 5, tzinfo=UTC)  # 11:05 in Helsinki
    (employee,) = erp.read(E)
    assert (employee.key, employee.fields["email"], employee.changed_at) == ("7", "aino@x.example", None)
    assert {(r.key, r.name) for r in erp.read(P)} == {("P1", "Licence"), (None, "Unnumbered")}
    assert [(r.key, r.name) for r in erp.read(D)] == [("10", "Sales")]
    assert [(r.key, r.name) for r in erp.read(J)] == [("5001", "Intranet")]


def test_incremental_reads_include_the_boundary_minute_and_report_actors_that_left(engine: sa.Engine) -> None:
    erp = make(engine)
    insert(
        engine,
        erp.tables.actor,
        *(actor(n, customer=10000 + n, Nm=f"Customer {n}", ChDt=20250110, ChTm=1104 + n) for n in (1, 2, 3)),
    )
    cursor = datetime(2025, 1, 10, 9, 6, 30, tzinfo=UTC)  # 11:06:30 local, inside customer 2's minute

    changes = erp.read_changed(C, cursor)

    assert sorted(r.key for r in changes.records) == ["10002", "10003"]  # 11:06 read again, 11:07 new
    assert changes.cursor == datetime(2025, 1, 10, 9, 7, tzinfo=UTC)
    with engine.begin() as conn:  # customer 3 stops being a customer
        conn.execute(sa.update(erp.tables.actor).where(erp.tables.actor.c.ActNo == 3).values(CustNo=0, ChTm=1108))
    later = erp.read_changed(C, changes.cursor or cursor)
    assert later.gone_row_ids == ("3",)
    assert later.records == ()


def test_the_writer_creates_updates_and_stamps_every_change(engine: sa.Engine) -> None:
    erp = make(engine)
    insert(engine, erp.tables.actor, actor(41, employee=7, Nm="Aino Virtanen"))

    created = erp.writer.create(C, "20001", {"name": "Globex Ltd", "email": "info@globex.example"}, "g-psa")
    erp.writer.update(E, "41", {"email": "aino@x.example"})
    erp.writer.store_psa_guid(E, "41", "g-aino")
    department = erp.writer.create(D, "900", {"name": "Design Oulu"}, "g-dept")

    assert created.row_id == "42"
    assert created.key == "20001"
    with engine.connect() as conn:
        rows = {r.ActNo: r for r in conn.execute(sa.select(erp.tables.actor))}
        unit = conn.execute(sa.select(erp.tables.departments)).one()
    assert (rows[42].CustNo, rows[42].EmpNo, rows[42].Nm, rows[42].MailAd, rows[42].Inf8) == (
        20001,
        0,
        "Globex Ltd",
        "info@globex.example",
        "g-psa",
    )
    assert (rows[42].ChDt, rows[42].ChTm, rows[42].ChUsr) == (20250304, 1230, "TANDEM")
    assert (rows[41].MailAd, rows[41].Inf8, rows[41].ChTm) == ("aino@x.example", "g-aino", 1230)
    assert (unit.RNo, unit.Nm, unit.Inf8) == (900, "Design Oulu", "g-dept")
    assert department.key == "900"
    assert [r.key for r in erp.read(C)] == ["20001"]


def test_the_writer_refuses_taken_keys_and_missing_rows(engine: sa.Engine) -> None:
    erp = make(engine)
    erp.writer.create(P, "P1", {"name": "Licence"}, None)

    with pytest.raises(AlreadyExists):
        erp.writer.create(P, "P1", {"name": "Licence again"}, None)
    with pytest.raises(NotFound):
        erp.writer.update(C, "999", {"name": "Nobody"})
    with pytest.raises(NotFound):  # an Actor row that is no employee is not updated as one
        erp.writer.store_psa_guid(E, "1", "g")


def test_an_invoice_is_booked_as_order_line_and_ledger_entry_and_paid_status_is_read(engine: sa.Engine) -> None:
    erp = make(engine.execution_options(), VismaBusinessSettings(invoice_product_no="SERVICE"))
    draft = ErpInvoiceDraft("270001", "10001", "5001", date(2025, 2, 28), Decimal("1240.50"), "inv-guid")

    booked = erp.writer.create_invoice(draft)

    t = erp.tables
    with engine.connect() as conn:
        order = conn.execute(sa.select(t.orders)).one()
        line = conn.execute(sa.select(t.order_lines)).one()
        entry = conn.execute(sa.select(t.ledger)).one()
    assert (order.OrdNo, order.CustNo, order.InvoNo, order.OrdDt, order.R2, order.Inf8) == (
        1,
        10001,
        270001,
        20250228,
        5001,
        "inv-guid",
    )
    assert (line.LnNo, line.ProdNo, line.NoInvo, line.Price) == (1, "SERVICE", 1, Decimal("1240.50"))
    assert (entry.InvoNo, entry.VoNo, entry.VoDt, entry.Am, entry.RAm) == (
        270001,
        270001,
        20250228,
        Decimal("1240.50"),
        Decimal("1240.50"),
    )
    assert not booked.is_paid
    assert not erp.read_invoices(["270001"])["270001"].is_paid

    with engine.begin() as conn:
        conn.execute(sa.update(t.ledger).values(RAm=0))
    assert erp.read_invoices(["270001", "270002", "not-a-number"])["270001"].is_paid
    assert set(erp.read_invoices(["270001", "270002"])) == {"270001"}
    with pytest.raises(AlreadyExists):
        erp.writer.create_invoice(draft)


def test_number_series_are_read_and_filtered_by_setting(engine: sa.Engine) -> None:
    erp = make(engine, VismaBusinessSettings(invoice_series=["1", "3"]))
    insert(
        engine,
        erp.tables.voucher_series,
        *(
            {"SerNo": n, "Descr": d, "FstVoNo": f, "LstVoNo": last}
            for n, d, f, last in [
                (1, "Sales", 100000, 199999),
                (2, "Purchases", 200000, 249999),
                (3, "Credit", 250000, None),
            ]
        ),
    )
    insert(engine, erp.tables.customer_series, {"SerNo": 1, "Descr": "Customers", "FstNo": 10000, "LstNo": 19999})

    series = erp.read_number_series()

    assert [(s.series_id, s.first, s.last) for s in series.invoice] == [("1", 100000, 199999), ("3", 250000, None)]
    assert [(s.series_id, s.first, s.last) for s in series.customer] == [("1", 10000, 19999)]


def test_every_table_and_column_name_comes_from_the_settings(engine: sa.Engine) -> None:
    settings = VismaBusinessSettings(
        departments_table="R3",
        projects_table="R5",
        psa_guid_field="Inf3",
        actor=ActorColumns(table="Aktor", name="Navn", email="Epost"),
        unit=UnitColumns(number="Nr", name="Navn"),
    )
    erp = make(engine, settings)

    erp.writer.create(C, "10001", {"name": "Acme Oy", "email": None}, "g1")
    erp.writer.create(J, "5001", {"name": "Intranet"}, "g2")

    assert set(sa.inspect(engine).get_table_names()) >= {"Aktor", "R3", "R5"}
    with engine.connect() as conn:
        assert conn.execute(sa.text('SELECT "Navn", "Inf3" FROM "Aktor"')).one() == ("Acme Oy", "g1")
        assert conn.execute(sa.text('SELECT "Nr", "Navn", "Inf3" FROM "R5"')).one() == (5001, "Intranet", "g2")
    assert [(r.key, r.name, r.psa_guid) for r in erp.read(J)] == [("5001", "Intranet", "g2")]


def test_a_mapping_naming_a_missing_table_is_a_configuration_error(engine: sa.Engine) -> None:
    erp = VismaBusinessErp(engine)  # no tables created

    with pytest.raises(ConfigurationError, match=r"\[erp.visma\]"):
        erp.read(C)


def test_the_erp_limits_come_from_the_mapped_columns(engine: sa.Engine) -> None:
    erp = VismaBusinessErp(engine, VismaBusinessSettings(name_max_length={C: 40}))

    assert erp.limits.field_max_length[C]["name"] == 40
    assert erp.limits.key_max_length[P] == 20
    assert C in erp.limits.numeric_keys
    assert P not in erp.limits.numeric_keys
