"""The contract of `ErpPort` and its `ErpWriter` (ports/erp.py), one suite for every ERP:
the Visma Business adapter on SQLite and PostgreSQL, the in-memory ERP, later Visma
Business Services.

To run it, subclass it in a test module whose name contains `contract` and provide an
`erp_world` fixture: an `ErpWorld` over an ERP with no records, whose clock stands at
`ERP_T0` and which holds the number series `SERIES`. The world is the ERP itself plus
what only someone inside the ERP can do (move its clock, take an actor out of a role).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

import pytest

from tandem.domain.erp import ErpEntity, ErpInvoiceDraft, ErpNumberSeries, NumberSeries
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound
from tandem.ports.erp import ErpPort

C, E, D, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT, ErpEntity.PROJECT
ERP_T0 = datetime(2025, 3, 4, 10, 30, 45, tzinfo=UTC)
MINUTE_T0 = ERP_T0.replace(second=0)
SERIES = ErpNumberSeries(
    customer=(NumberSeries("1", 10000, 19999, "Customers"),),
    invoice=(NumberSeries("1", 100000, 199999, "Sales"), NumberSeries("3", 250000, None, "Credit")),
)


class ErpWorld(Protocol):
    """An ERP to test and the hands of someone working inside it."""

    @property
    def erp(self) -> ErpPort: ...

    def advance(self, minutes: int) -> None:
        """Move the ERP's clock: later writes are stamped later."""
        ...

    def leave(self, entity: ErpEntity, row_id: str) -> None:
        """Someone in the ERP takes this customer or employee out of its role (clears its
        number), stamping the change."""
        ...


def draft(number: str, *, paid: bool = False) -> ErpInvoiceDraft:
    return ErpInvoiceDraft(number, "10001", None, date(2025, 3, 1), Decimal("1240.00"), "g-inv-" + number, paid)


class ErpContract:
    """What every `ErpPort` must do. Subclasses provide `erp_world`."""

    def test_erp_7_a_created_record_reads_back_with_its_key_fields_and_psa_guid(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        created = erp.writer.create(C, "10001", {"name": "Acme Oy", "email": "billing@acme.example"}, "g-1")
        erp.writer.create(D, "10", {"name": "Sales"}, None)
        (read,) = erp.read(C)
        assert (read.row_id, read.key, read.psa_guid) == (created.row_id, "10001", "g-1")
        assert (read.fields["name"], read.fields["email"]) == ("Acme Oy", "billing@acme.example")
        assert read.changed_at == created.changed_at == MINUTE_T0
        assert [(r.key, r.fields["name"]) for r in erp.read(D)] == [("10", "Sales")]
        assert erp.read(E) == []

    def test_erp_7_a_taken_key_is_refused(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        erp.writer.create(C, "10001", {"name": "Acme Oy"}, None)
        with pytest.raises(AlreadyExists):
            erp.writer.create(C, "10001", {"name": "Acme Again Oy"}, None)
        assert [r.fields["name"] for r in erp.read(C)] == ["Acme Oy"]

    def test_erp_7_update_and_psa_guid_change_only_what_they_name_and_stamp_it(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        created = erp.writer.create(C, "10001", {"name": "Acme Oy", "email": "a@acme.example"}, None)
        erp_world.advance(5)
        erp.writer.update(C, created.row_id, {"name": "Acme Group Oy"})
        erp.writer.store_psa_guid(C, created.row_id, "g-7")
        (read,) = erp.read(C)
        assert (read.key, read.fields["name"], read.fields["email"]) == ("10001", "Acme Group Oy", "a@acme.example")
        assert read.psa_guid == "g-7"
        assert read.changed_at == MINUTE_T0 + timedelta(minutes=5)

    def test_erp_7_writes_to_a_row_that_is_not_there_are_not_found(self, erp_world: ErpWorld) -> None:
        with pytest.raises(NotFound):
            erp_world.erp.writer.update(C, "4242", {"name": "Nobody Oy"})
        with pytest.raises(NotFound):
            erp_world.erp.writer.store_psa_guid(C, "4242", "g-1")
        assert erp_world.erp.read(C) == []

    def test_erp_7_a_field_the_erp_does_not_have_is_refused_and_nothing_written(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        created = erp.writer.create(D, "10", {"name": "Sales"}, None)
        with pytest.raises(InvalidRequest):
            erp.writer.update(D, created.row_id, {"name": "Sales & Marketing", "colour": "blue"})
        assert [r.fields["name"] for r in erp.read(D)] == ["Sales"]

    def test_erp_7_numeric_keys_are_numbers(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        assert erp.has_change_stamps is True
        assert C in erp.limits.numeric_keys
        assert ErpEntity.INVOICE in erp.limits.numeric_keys
        with pytest.raises(InvalidRequest):
            erp.writer.create(C, "ACME", {"name": "Acme Oy"}, None)
        assert erp.read(C) == []

    # ------------------------------------------------------------------ incremental reads

    def test_erp_7_read_changed_takes_rows_stamped_at_or_after_since_and_the_boundary_minute(
        self, erp_world: ErpWorld
    ) -> None:
        erp = erp_world.erp
        erp.writer.create(C, "10001", {"name": "Old Oy"}, None)
        erp_world.advance(10)
        erp.writer.create(C, "10002", {"name": "Boundary Oy"}, None)
        erp_world.advance(3)
        erp.writer.create(C, "10003", {"name": "New Oy"}, None)

        since = MINUTE_T0 + timedelta(minutes=10, seconds=30)  # within the boundary minute
        changes = erp.read_changed(C, since)
        assert sorted(r.key for r in changes.records if r.key) == ["10002", "10003"]
        assert changes.gone_row_ids == ()
        assert changes.cursor == MINUTE_T0 + timedelta(minutes=13)
        again = erp.read_changed(C, changes.cursor)  # the boundary minute is read again
        assert [r.key for r in again.records] == ["10003"]
        assert again.cursor == changes.cursor

    def test_erp_7_read_changed_with_nothing_new_keeps_the_cursor(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        erp.writer.create(C, "10001", {"name": "Old Oy"}, None)
        since = MINUTE_T0 + timedelta(minutes=5, seconds=12)
        changes = erp.read_changed(C, since)
        assert (changes.records, changes.gone_row_ids, changes.cursor) == ((), (), since)

    def test_erp_7_an_actor_taken_out_of_its_role_is_gone(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        kept = erp.writer.create(C, "10001", {"name": "Acme Oy"}, None)
        leaving = erp.writer.create(C, "10002", {"name": "Former Customer Oy"}, None)
        erp_world.advance(2)
        erp_world.leave(C, leaving.row_id)
        changes = erp.read_changed(C, MINUTE_T0 + timedelta(minutes=1))
        assert changes.gone_row_ids == (leaving.row_id,)
        assert changes.records == ()
        assert [r.row_id for r in erp.read(C)] == [kept.row_id]
        with pytest.raises(NotFound):
            erp.writer.update(C, leaving.row_id, {"name": "Back Oy"})

    # ------------------------------------------------------------------ numbering, invoices

    def test_erp_7_number_series_read_as_the_erp_holds_them(self, erp_world: ErpWorld) -> None:
        series = erp_world.erp.read_number_series()
        assert [(s.series_id, s.first, s.last) for s in series.customer] == [("1", 10000, 19999)]
        assert [(s.series_id, s.first, s.last) for s in series.invoice] == [
            ("1", 100000, 199999),
            ("3", 250000, None),
        ]

    def test_erp_6_a_booked_invoice_reads_back_and_absent_numbers_are_absent(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        erp.writer.create(C, "10001", {"name": "Acme Oy"}, None)
        booked = erp.writer.create_invoice(draft("100001"))
        erp.writer.create_invoice(draft("100002", paid=True))
        assert (booked.invoice_number, booked.customer_key, booked.amount) == ("100001", "10001", Decimal("1240.00"))
        found = erp.read_invoices(["100001", "100002", "100003", "not-a-number"])
        assert set(found) == {"100001", "100002"}
        assert (found["100001"].remaining, found["100001"].is_paid) == (Decimal("1240.00"), False)
        assert found["100002"].is_paid is True
        assert found["100001"].amount == Decimal("1240.00")

    def test_erp_6_an_invoice_is_booked_once(self, erp_world: ErpWorld) -> None:
        erp = erp_world.erp
        erp.writer.create_invoice(draft("100001"))
        with pytest.raises(AlreadyExists):
            erp.writer.create_invoice(draft("100001", paid=True))
        assert erp.read_invoices(["100001"])["100001"].is_paid is False
        with pytest.raises(InvalidRequest):
            erp.writer.create_invoice(draft("INV-1"))
        assert erp.read_invoices(["INV-1"]) == {}
