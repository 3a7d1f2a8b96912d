"""The problems the demo plants, each recorded in the manifest as the preflight names it.

One function per entity; each takes its records from the ERP-only, non-excluded
part of the data set (so a plant never lands on a record another plant uses) and
gives every new record a fresh name (so no unplanned "equal name" appears).
"""

from __future__ import annotations

from tandem.demo.visma_business.data import DemoBuilder, ErpItem
from tandem.domain.erp import ErpEntity, FindingKind, Side


def plant_all(builder: DemoBuilder, erp_only: dict[ErpEntity, list[ErpItem]]) -> None:
    _customers(builder, erp_only[ErpEntity.CUSTOMER])
    _employees(builder, erp_only[ErpEntity.EMPLOYEE])
    _departments(builder, erp_only[ErpEntity.DEPARTMENT])
    _products(builder)
    _projects(builder, erp_only[ErpEntity.PROJECT])


def _customers(builder: DemoBuilder, erp_only: list[ErpItem]) -> None:
    entity = ErpEntity.CUSTOMER
    # Two ERP customers under one number.
    twin = builder.new_item(entity, erp_only[0].key)
    builder.erp[entity].append(twin)
    builder.plant(FindingKind.DUPLICATE_KEY, entity, Side.ERP, erp_only[0].key or "")
    # A PSA customer number equal to an ERP one, with another company's name.
    other = builder.new_item(entity, erp_only[1].key)
    builder.add_psa(entity, erp_only[1].key, other)
    builder.plant(FindingKind.NAME_MISMATCH, entity, Side.BOTH, erp_only[1].key or "")
    # The same company under different numbers.
    builder.add_psa(entity, "20901", erp_only[2])
    builder.plant(FindingKind.EQUAL_NAME_DIFFERENT_KEY, entity, Side.BOTH, erp_only[2].key or "", "20901")
    # Linked once (the ERP keeps the PSA guid), renumbered since.
    moved = builder.add_psa(entity, "20902", erp_only[3])
    erp_only[3].psa_guid = moved.guid
    builder.plant(FindingKind.RENUMBERED, entity, Side.BOTH, erp_only[3].key or "", "20902")
    # A PSA customer without a number.
    nameless = builder.new_item(entity, None)
    builder.add_psa(entity, None, nameless)
    builder.plant(FindingKind.MISSING_KEY, entity, Side.PSA, nameless.name)


def _employees(builder: DemoBuilder, erp_only: list[ErpItem]) -> None:
    entity = ErpEntity.EMPLOYEE
    twin = builder.new_item(entity, erp_only[0].key)
    builder.erp[entity].append(twin)
    builder.plant(FindingKind.DUPLICATE_KEY, entity, Side.ERP, erp_only[0].key or "")
    for item in erp_only[1:4]:
        item.email = None
        builder.plant(FindingKind.EMPLOYEE_WITHOUT_EMAIL, entity, Side.ERP, item.key or "")
    for _ in range(2):  # two PSA users sharing one user code
        builder.add_psa(entity, "599", builder.new_item(entity, "599"))
    builder.plant(FindingKind.DUPLICATE_KEY, entity, Side.PSA, "599")
    codeless = builder.new_item(entity, None)
    builder.add_psa(entity, None, codeless)
    builder.plant(FindingKind.MISSING_KEY, entity, Side.PSA, codeless.name.replace("|", " "))
    # A user code the ERP cannot take as an employee number (EmpNo is a positive number).
    builder.add_psa(entity, "E900", builder.new_item(entity, "E900"))
    builder.plant(FindingKind.UNFIT_KEY, entity, Side.PSA, "E900")


def _departments(builder: DemoBuilder, erp_only: list[ErpItem]) -> None:
    entity = ErpEntity.DEPARTMENT
    keyless = builder.new_item(entity, None)
    builder.erp[entity].append(keyless)
    builder.plant(FindingKind.MISSING_KEY, entity, Side.ERP, keyless.name)
    renamed = builder.new_item(entity, erp_only[0].key)
    builder.add_psa(entity, erp_only[0].key, renamed)
    builder.plant(FindingKind.NAME_MISMATCH, entity, Side.BOTH, erp_only[0].key or "")
    codeless = builder.new_item(entity, None)
    builder.add_psa(entity, None, codeless)
    builder.plant(FindingKind.MISSING_KEY, entity, Side.PSA, codeless.name)


def _products(builder: DemoBuilder) -> None:
    entity = ErpEntity.PRODUCT
    keyless = builder.new_item(entity, None)
    builder.erp[entity].append(keyless)
    builder.plant(FindingKind.MISSING_KEY, entity, Side.ERP, keyless.name)
    builder.add_psa(entity, "W900", builder.new_item(entity, "W900"), kind="work_type")
    builder.add_psa(entity, "W900", builder.new_item(entity, "W900"), kind="product")
    builder.plant(FindingKind.DUPLICATE_KEY, entity, Side.PSA, "W900")


def _projects(builder: DemoBuilder, erp_only: list[ErpItem]) -> None:
    entity = ErpEntity.PROJECT
    builder.add_psa(entity, "7901", erp_only[0])
    builder.plant(FindingKind.EQUAL_NAME_DIFFERENT_KEY, entity, Side.BOTH, erp_only[0].key or "", "7901")


def plant_harmless_exclusions(builder: DemoBuilder) -> None:
    """Excluded records that would be problems if they were not excluded: never reported.

    An inactive (excluded) employee without an email, and a PSA customer carrying the
    key and name of an excluded ERP customer (excluded with it, ERP-4).
    """
    employee = next(i for i in builder.erp[ErpEntity.EMPLOYEE] if i.key in builder.excluded[ErpEntity.EMPLOYEE])
    employee.email = None
    customer = next(i for i in builder.erp[ErpEntity.CUSTOMER] if i.key in builder.excluded[ErpEntity.CUSTOMER])
    builder.add_psa(ErpEntity.CUSTOMER, customer.key, customer)
