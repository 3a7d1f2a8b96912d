"""`[erp.visma]`: where Tandem finds things in a Visma Business database.

Visma publishes no table reference, so every table and column name is a setting;
the defaults are the names public integration code uses (ERP.md). Installations
differ mostly in which organisational-unit table (R1..R12) holds departments and
which holds projects, in which information field keeps the PSA guid, and in which
Group field marks records that must not transfer (ERP-4). The voucher-series and
customer-number-series tables have no public names at all: `VoSr` and `CustNoSr`
are Tandem's guesses, to be overridden once an installation's names are known.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, Field, field_validator, model_validator

from tandem.domain import limits
from tandem.domain.erp import GROUP_FIELDS, ErpEntity, GroupExclusion

_R_TABLE = re.compile(r"^R([1-9]|1[0-2])$")
_INFO_FIELDS = ("Inf", *(f"Inf{n}" for n in range(2, 9)))

Name = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
"""A table or column name: plain identifiers only, so a setting can never smuggle SQL."""


class ChangeColumns(BaseModel):
    date: Name = "ChDt"
    """Change date as an integer YYYYMMDD, in the ERP's local time."""
    time: Name = "ChTm"
    """Change time as an integer HHMM (minute resolution)."""
    user: Name = "ChUsr"


class ActorColumns(BaseModel):
    """Customers, suppliers and employees share one table."""

    table: Name = "Actor"
    row_no: Name = "ActNo"
    customer_no: Name = "CustNo"
    supplier_no: Name = "SupNo"
    employee_no: Name = "EmpNo"
    name: Name = "Nm"
    email: Name = "MailAd"
    phone: Name = "Phone"


class ProductColumns(BaseModel):
    table: Name = "Prod"
    product_no: Name = "ProdNo"
    description: Name = "Descr"
    product_group: Name = "ProdGr"


class UnitColumns(BaseModel):
    """Columns of the organisational-unit tables R1..R12 (departments, projects)."""

    number: Name = "RNo"
    name: Name = "Nm"


class OrderColumns(BaseModel):
    table: Name = "Ord"
    order_no: Name = "OrdNo"
    customer_no: Name = "CustNo"
    invoice_no: Name = "InvoNo"
    order_date: Name = "OrdDt"
    line_table: Name = "OrdLn"
    line_no: Name = "LnNo"
    line_product_no: Name = "ProdNo"
    line_description: Name = "Descr"
    line_quantity: Name = "NoInvo"
    line_price: Name = "Price"


class LedgerColumns(BaseModel):
    table: Name = "CustTr"
    entry_no: Name = "EntNo"
    customer_no: Name = "CustNo"
    voucher_no: Name = "VoNo"
    voucher_date: Name = "VoDt"
    invoice_no: Name = "InvoNo"
    amount: Name = "Am"
    remaining: Name = "RAm"
    """Remaining amount: 0 means paid (ERP-6)."""


class SeriesColumns(BaseModel):
    table: Name
    series_no: Name = "SerNo"
    description: Name = "Descr"
    first: Name
    last: Name


class GroupExclusionSetting(BaseModel):
    field: str = Field(description="Gr, Gr2 .. Gr12")
    value: str = Field("1", min_length=1)

    @field_validator("field")
    @classmethod
    def _is_group_field(cls, value: str) -> str:
        if value not in GROUP_FIELDS:
            raise ValueError(f"{value!r} is not a Group field (Gr, Gr2 .. Gr12)")
        return value


class VismaBusinessSettings(BaseModel):
    departments_table: str = Field("R1", description="The R-table that holds departments (ERP-1).")
    projects_table: str = Field("R2", description="The R-table that holds projects.")
    psa_guid_field: str = Field("Inf8", description="The information field that keeps the PSA guid.")
    exclusions: dict[ErpEntity, GroupExclusionSetting] = Field(
        default_factory=lambda: {ErpEntity.EMPLOYEE: GroupExclusionSetting(field="Gr", value="1")},
        description="ERP-4: per entity, the Group field and value that keep an ERP record out.",
    )
    time_zone: str = Field("Europe/Helsinki", description="The ERP's local time, in which ChDt/ChTm are written.")
    change_user: str = Field("TANDEM", max_length=20, description="ChUsr of Tandem's writes.")
    invoice_series: list[str] = Field(
        default_factory=list, description="Voucher series (SerNo) that number invoices; empty: all of them."
    )
    customer_series: list[str] = Field(default_factory=list, description="Customer number series; empty: all.")
    invoice_product_no: str | None = Field(None, description="ProdNo on the order line of a booked PSA invoice.")
    name_max_length: dict[ErpEntity, int] = Field(
        default_factory=lambda: {
            ErpEntity.DEPARTMENT: 30,
            ErpEntity.PROJECT: 30,
            ErpEntity.PRODUCT: 60,
            ErpEntity.CUSTOMER: 50,
            ErpEntity.EMPLOYEE: 50,
        },
        description="Longest name each ERP table holds; a longer PSA name fails instead of being cut.",
    )
    email_max_length: int = 80
    product_no_max_length: int = 20
    change: ChangeColumns = ChangeColumns()
    actor: ActorColumns = ActorColumns()
    product: ProductColumns = ProductColumns()
    unit: UnitColumns = UnitColumns()
    order: OrderColumns = OrderColumns()
    ledger: LedgerColumns = LedgerColumns()
    voucher_series: SeriesColumns = SeriesColumns(table="VoSr", first="FstVoNo", last="LstVoNo")
    customer_number_series: SeriesColumns = SeriesColumns(table="CustNoSr", first="FstNo", last="LstNo")

    @field_validator("departments_table", "projects_table")
    @classmethod
    def _is_r_table(cls, value: str) -> str:
        if not _R_TABLE.match(value):
            raise ValueError(f"{value!r} is not an organisational-unit table (R1 .. R12)")
        return value

    @field_validator("psa_guid_field")
    @classmethod
    def _is_info_field(cls, value: str) -> str:
        if value not in _INFO_FIELDS:
            raise ValueError(f"{value!r} is not an information field (Inf, Inf2 .. Inf8)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _is_zone(cls, value: str) -> str:
        if not limits.is_time_zone(value):
            raise ValueError(f"unknown time zone {value!r}")
        return value

    @model_validator(mode="after")
    def _distinct_unit_tables(self) -> VismaBusinessSettings:
        if self.departments_table == self.projects_table:
            raise ValueError("departments and projects cannot live in the same R-table")
        return self

    def group_exclusions(self) -> dict[ErpEntity, GroupExclusion]:
        """The exclusion rules for the core (`ErpRules`)."""
        return {entity: GroupExclusion(rule.field, rule.value) for entity, rule in self.exclusions.items()}


INFO_FIELDS = _INFO_FIELDS
