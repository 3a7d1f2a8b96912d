"""The contract of `PsaMasterDataPort` (ports/erp.py), one suite for every PSA side of the
ERP integration: the hub in-process (SQLite, PostgreSQL), the in-memory one, later a
Severa REST connector.

To run it, subclass it in a test module whose name contains `contract` and provide a
`master_data` fixture: the port over a PSA that holds no invoices and none of the
records these tests create (customers numbered 9100…, codes starting "ct-").
Projects are left out: a PSA project needs a customer and an owner the PSA's own data
decides (the hub's `ProjectDefaults`), which is each implementation's test to show.
"""

from __future__ import annotations

from datetime import date

import pytest

from tandem.domain.erp import ErpEntity
from tandem.domain.errors import AlreadyExists, InvalidRequest, NotFound
from tandem.ports.erp import PsaMasterDataPort

C, E, D, P = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.DEPARTMENT, ErpEntity.PRODUCT
UNKNOWN_GUID = "00000000-0000-4000-8000-00000000c0de"


class PsaMasterDataContract:
    """What every `PsaMasterDataPort` must do. Subclasses provide `master_data`."""

    def test_erp_7_a_created_customer_is_listed_with_its_number_and_fields(
        self, master_data: PsaMasterDataPort
    ) -> None:
        created = master_data.create(C, "9101", {"name": "Acme Oy", "email": "billing@acme.example"})
        assert (created.entity, created.key, created.fields["name"]) == (C, "9101", "Acme Oy")
        listed = {r.guid: r for r in master_data.list(C)}
        assert listed[created.guid].key == "9101"
        assert listed[created.guid].fields["email"] == "billing@acme.example"
        assert listed[created.guid].changed_at is not None

    def test_erp_7_each_entity_lists_its_own_records(self, master_data: PsaMasterDataPort) -> None:
        department = master_data.create(D, "ct-sales", {"name": "Sales"})
        employee = master_data.create(E, "ct-aino", {"first_name": "Aino", "last_name": "Virtanen", "email": None})
        product = master_data.create(P, "ct-lic", {"name": "Licence"})
        assert department.guid in {r.guid for r in master_data.list(D)}
        assert employee.guid in {r.guid for r in master_data.list(E)}
        assert product.guid in {r.guid for r in master_data.list(P)}
        assert employee.guid not in {r.guid for r in master_data.list(C)}
        listed = {r.guid: r for r in master_data.list(E)}[employee.guid]
        assert (listed.key, listed.fields["first_name"], listed.fields["last_name"]) == ("ct-aino", "Aino", "Virtanen")

    def test_erp_7_an_update_changes_the_fields_given_and_keeps_the_others(
        self, master_data: PsaMasterDataPort
    ) -> None:
        created = master_data.create(C, "9102", {"name": "Birka Oy", "email": "info@birka.example"})
        updated = master_data.update(C, created.guid, {"name": "Birka Trading Oy"})
        assert (updated.guid, updated.key) == (created.guid, "9102")
        (listed,) = [r for r in master_data.list(C) if r.guid == created.guid]
        assert (listed.fields["name"], listed.fields["email"]) == ("Birka Trading Oy", "info@birka.example")
        assert listed.changed_at is not None
        assert created.changed_at is not None
        assert listed.changed_at >= created.changed_at

    def test_erp_7_updating_a_record_that_is_not_there_is_not_found(self, master_data: PsaMasterDataPort) -> None:
        with pytest.raises(NotFound):
            master_data.update(C, UNKNOWN_GUID, {"name": "Nobody Oy"})

    def test_erp_7_a_second_customer_with_a_taken_number_is_refused(self, master_data: PsaMasterDataPort) -> None:
        first = master_data.create(C, "9103", {"name": "Globex Ltd", "email": None})
        with pytest.raises((AlreadyExists, InvalidRequest)):
            master_data.create(C, "9103", {"name": "Globex Again Ltd", "email": None})
        assert [r.guid for r in master_data.list(C) if r.key == "9103"] == [first.guid]

    def test_erp_7_a_customer_number_must_be_a_number(self, master_data: PsaMasterDataPort) -> None:
        assert C in master_data.limits.numeric_keys
        with pytest.raises(InvalidRequest):
            master_data.create(C, "ACME", {"name": "Acme Oy", "email": None})
        assert [r for r in master_data.list(C) if r.key == "ACME"] == []

    def test_erp_7_a_user_needs_a_first_and_a_last_name(self, master_data: PsaMasterDataPort) -> None:
        with pytest.raises(InvalidRequest):
            master_data.create(E, "ct-nameless", {"first_name": "Aino", "last_name": None, "email": None})
        assert [r for r in master_data.list(E) if r.key == "ct-nameless"] == []

    def test_erp_7_a_field_the_psa_does_not_have_is_refused(self, master_data: PsaMasterDataPort) -> None:
        created = master_data.create(D, "ct-ops", {"name": "Operations"})
        with pytest.raises(InvalidRequest):
            master_data.update(D, created.guid, {"colour": "blue"})
        (listed,) = [r for r in master_data.list(D) if r.guid == created.guid]
        assert listed.fields["name"] == "Operations"

    def test_erp_6_marking_an_invoice_the_psa_does_not_have_paid_is_not_found(
        self, master_data: PsaMasterDataPort
    ) -> None:
        assert list(master_data.list_invoices()) == []
        with pytest.raises(NotFound):
            master_data.mark_invoice_paid(UNKNOWN_GUID, date(2025, 3, 1))
        assert list(master_data.list_invoices()) == []
