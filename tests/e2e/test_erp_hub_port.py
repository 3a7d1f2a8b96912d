"""The hub as the ERP integration's PSA side (`HubMasterData`), on SQLite and PostgreSQL:
its registers, its limits, project defaults, and its refusals as per-record reasons."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.erp import ErpEntity
from tandem.domain.errors import InvalidRequest, NotFound
from tandem.hub.adapters.master_data import HubMasterData, ProjectDefaults, hub_limits
from tandem.hub.models import Project
from tests.support import factories

C, E, P, J = ErpEntity.CUSTOMER, ErpEntity.EMPLOYEE, ErpEntity.PRODUCT, ErpEntity.PROJECT


def test_erp_1_the_hub_s_limits_are_read_off_its_tables() -> None:
    limits = hub_limits()

    assert limits.numeric_keys == {C, J, ErpEntity.INVOICE}  # customer, project and invoice numbers
    assert limits.key_max_length == {ErpEntity.DEPARTMENT: 50, P: 50, E: 50}
    assert limits.field_max_length[C] == {"name": 200, "email": 320}
    assert limits.field_max_length[E] == {"name": 100, "email": 320}  # a full name splits into two of 100


def test_erp_1_products_and_work_types_are_one_register_for_the_erp(tandem: bootstrap.Tandem) -> None:
    psa = HubMasterData(tandem.db)

    product = psa.create(P, "P1000", {"name": "Licence", "kind": "product"})
    work_type = psa.create(P, "W100", {"name": "Design work", "kind": "work_type"})
    renamed = psa.update(P, work_type.guid, {"name": "Design"})

    assert {(r.key, r.fields["name"], r.fields["kind"]) for r in psa.list(P)} == {
        ("P1000", "Licence", "product"),
        ("W100", "Design", "work_type"),
    }
    assert (renamed.guid, product.fields["kind"]) == (work_type.guid, "product")
    with pytest.raises(InvalidRequest, match="no products of kind 'travel_expense'"):
        psa.create(P, "T100", {"name": "Mileage", "kind": "travel_expense"})
    with pytest.raises(NotFound):
        psa.update(P, "no-such-guid", {"name": "x"})


def test_erp_7_the_hub_s_refusal_is_the_record_s_reason(tandem: bootstrap.Tandem) -> None:
    factories.user(tandem, email="aino.virtanen@demo.example", code="12")
    psa = HubMasterData(tandem.db)

    with pytest.raises(InvalidRequest) as taken_email:
        psa.create(E, "7", {"first_name": "Aino", "last_name": "Virtanen", "email": "AINO.virtanen@demo.example"})
    with pytest.raises(InvalidRequest) as taken_code:
        psa.create(E, "12", {"first_name": "Eino", "last_name": "Leino", "email": None})

    assert str(taken_email.value) == (
        "the PSA refuses new employee 7: email: another user already has the email AINO.virtanen@demo.example"
    )
    assert "code: another user already has '12'" in str(taken_code.value)
    assert [r.key for r in psa.list(E)] == ["12"]  # nothing half-made


def test_erp_1_projects_from_the_erp_get_the_configured_or_the_default_customer_and_owner(
    tandem: bootstrap.Tandem,
) -> None:
    plain = HubMasterData(tandem.db)
    with pytest.raises(InvalidRequest, match="needs a customer: \\[erp\\] project_customer is not set"):
        plain.create(J, "5001", {"name": "Intranet"})

    owner = factories.user(tandem, code="E1", role="admin")
    internal = factories.customer(tandem, "Our Company", is_internal=True)
    chosen = factories.customer(tandem, "Acme Oy", number=10001)
    other_owner = factories.user(tandem, code="E2")
    plain.create(J, "5001", {"name": "Intranet"})
    configured = HubMasterData(tandem.db, project_defaults=ProjectDefaults(customer_number=10001, owner_code="E2"))
    configured.create(J, "5002", {"name": "Web shop"})

    with tandem.db.read() as session:
        rows = session.scalars(sa.select(Project)).unique()
        projects = {p.number: (p.customer.guid, p.owner.guid) for p in rows}
    assert projects == {5001: (internal.guid, owner.guid), 5002: (chosen.guid, other_owner.guid)}


def test_erp_3_the_hub_says_before_a_run_why_it_cannot_create_projects_with_the_runs_own_words(
    tandem: bootstrap.Tandem,
) -> None:
    factories.user(tandem, code="1", role="admin")
    factories.customer(tandem, "Acme Oy", number=10001)
    missing = HubMasterData(tandem.db, project_defaults=ProjectDefaults(customer_number=1))

    refusal = missing.cannot_create()[J]
    with pytest.raises(InvalidRequest) as refused:
        missing.create(J, "5001", {"name": "Intranet"})

    assert (
        str(refused.value)
        == refusal.reason
        == "a PSA project needs a customer: [erp] project_customer = 1 names no customer"
    )
    assert refusal.fix.startswith("set [erp] project_customer = 10001 (Acme Oy")  # one that exists
    assert HubMasterData(tandem.db, project_defaults=ProjectDefaults(customer_number=10001)).cannot_create() == {}
