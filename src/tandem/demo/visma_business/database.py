"""`create_demo_database(url)`: a Visma Business demo company on SQLite or PostgreSQL.

It creates the tables (as `[erp.visma]` names them) and fills them with a seeded,
realistic data set, and returns a `DemoManifest`: the settings to use with it,
every planted problem (as the preflight names problems), the excluded ERP keys,
and the PSA half of the story as a `PsaSeed` for the in-memory PSA or the hub.
The manifest serialises to JSON (`to_json`) for writing beside the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tandem.connectors.visma_business.errors import translate_errors
from tandem.connectors.visma_business.settings import GroupExclusionSetting, VismaBusinessSettings
from tandem.connectors.visma_business.stamps import date_to_int, datetime_to_stamp
from tandem.connectors.visma_business.tables import VismaTables, build_tables
from tandem.demo.visma_business.data import (
    DEMO_EXCLUSIONS,
    PSA_ONLY,
    DemoBuilder,
    DemoData,
    DemoScale,
    ErpItem,
    LedgerItem,
)
from tandem.demo.visma_business.plants import plant_all, plant_harmless_exclusions
from tandem.domain.erp import (
    GROUP_FIELDS,
    MASTER_ENTITIES,
    ErpEntity,
    FindingKind,
    NumberSeries,
    ProblemRef,
    PsaNumberSeries,
    PsaSeed,
    Side,
)
from tandem.domain.errors import ConfigurationError
from tandem.domain.progress import Progress, quiet

DEMO_USER = "DEMO"
CHUNK = 1000

__all__ = ["DemoManifest", "DemoScale", "build_demo", "create_demo_database", "demo_psa_seed", "demo_settings"]


def demo_settings(base: VismaBusinessSettings | None = None) -> VismaBusinessSettings:
    """`base` (or the defaults) with the Group-field exclusions the demo data uses."""
    exclusions = {e: GroupExclusionSetting(field=x.field, value=x.value) for e, x in DEMO_EXCLUSIONS.items()}
    return (base or VismaBusinessSettings()).model_copy(update={"exclusions": exclusions})


@dataclass(frozen=True, slots=True)
class DemoManifest:
    settings: VismaBusinessSettings
    problems: frozenset[ProblemRef]
    excluded: Mapping[ErpEntity, frozenset[str]] = field(hash=False)
    psa_seed: PsaSeed
    row_counts: Mapping[str, int] = field(hash=False)
    seed: int = 7
    scale: DemoScale = field(default_factory=DemoScale)
    plant_problems: bool = True

    def to_json(self) -> str:
        """Everything but the PSA seed, which `demo_psa_seed(seed, scale, …)` regenerates."""
        return json.dumps(
            {
                "seed": self.seed,
                "scale": asdict(self.scale),
                "plant_problems": self.plant_problems,
                "settings": self.settings.model_dump(mode="json"),
                "problems": [
                    {"kind": p.kind.value, "entity": p.entity, "side": p.side, "keys": list(p.keys)}
                    for p in sorted(self.problems)
                ],
                "excluded": {e.value: sorted(keys) for e, keys in self.excluded.items()},
                "row_counts": dict(self.row_counts),
            },
            indent=2,
            ensure_ascii=False,
        )


def build_demo(seed: int = 7, scale: DemoScale | None = None, *, plant_problems: bool = True) -> DemoData:
    """Both halves of the demo and what was planted in them; touches nothing."""
    builder = DemoBuilder(seed, scale or DemoScale())
    shared: dict[ErpEntity, list[ErpItem]] = {}
    erp_only: dict[ErpEntity, list[ErpItem]] = {}
    for entity in MASTER_ENTITIES:
        shared[entity], erp_only[entity] = builder.build_erp(entity)
        builder.psa_only(entity, PSA_ONLY[entity])
    plant_harmless_exclusions(builder)
    if plant_problems:
        plant_all(builder, erp_only)
        builder.plant(FindingKind.CUSTOMER_SERIES_OVERLAP, ErpEntity.CUSTOMER, Side.BOTH, "1")
        builder.plant(FindingKind.INVOICE_SERIES_OVERLAP, ErpEntity.INVOICE, Side.BOTH, "4")
    shared_keys = {e: {i.key for i in items} for e, items in shared.items()}
    invoices = builder.psa_invoices(
        [r for r in builder.psa[ErpEntity.CUSTOMER] if r.key in shared_keys[ErpEntity.CUSTOMER]],
        [r for r in builder.psa[ErpEntity.PROJECT] if r.key in shared_keys[ErpEntity.PROJECT]],
    )
    return DemoData(
        erp=builder.erp,
        ledger=builder.ledger(erp_only[ErpEntity.CUSTOMER]),
        customer_series=(NumberSeries("1", 10000, 29999 if plant_problems else 19999, "Customers"),),
        voucher_series=(
            NumberSeries("1", 100000, 199999, "Sales invoices"),
            NumberSeries("2", 200000, 249999, "Credit notes"),
            NumberSeries("3", 250000, 259999, "Payments"),
            # Planted: a series reaching the PSA's next invoice number (270000s), so both
            # would number invoices 300000..; moving the PSA's numbering above it fixes it.
            *((NumberSeries("4", 300000, 399999, "Project invoices"),) if plant_problems else ()),
        ),
        psa=builder.psa,
        psa_invoices=invoices,
        psa_series=_psa_series(builder, [int(i.number) for i in invoices if i.number]),
        problems=builder.problems,
        excluded=builder.excluded,
    )


def demo_psa_seed(seed: int = 7, scale: DemoScale | None = None, *, plant_problems: bool = True) -> PsaSeed:
    """The PSA half of the demo with this seed, regenerated (the demo is deterministic)."""
    return _psa_seed(build_demo(seed, scale, plant_problems=plant_problems))


def _psa_seed(data: DemoData) -> PsaSeed:
    return PsaSeed(
        records={e: tuple(records) for e, records in data.psa.items()},
        invoices=tuple(data.psa_invoices),
        number_series=data.psa_series,
    )


def _psa_series(builder: DemoBuilder, invoice_numbers: list[int]) -> PsaNumberSeries:
    """The PSA numbers from above its own highest customer, project and invoice number."""
    customers = [int(r.key) for r in builder.psa[ErpEntity.CUSTOMER] if r.key and int(r.key) > 20000]
    projects = [int(r.key) for r in builder.psa[ErpEntity.PROJECT] if r.key and int(r.key) > 7000]
    return PsaNumberSeries(
        next_customer_number=max(customers) + 1,
        last_customer_number=max(customers),
        next_invoice_number=max(invoice_numbers, default=270000) + 1,
        last_invoice_number=max(invoice_numbers, default=None),
        next_project_number=max(projects) + 1,
        last_project_number=max(projects),
    )


def create_demo_database(
    url: str,
    seed: int = 7,
    *,
    scale: DemoScale | None = None,
    plant_problems: bool = True,
    settings: VismaBusinessSettings | None = None,
    progress: Progress = quiet,
) -> DemoManifest:
    """Create the Visma Business tables at `url` and fill them; refuses a database with data.

    `settings` chooses table and column names (the Group-field exclusions are always
    the demo's own, see `demo_settings`). `progress` hears of the rows as they go in.
    """
    settings = demo_settings(settings)
    data = build_demo(seed, scale, plant_problems=plant_problems)
    tables = build_tables(settings)
    rows = _rows(data, tables, settings)
    engine = sa.create_engine(url)
    try:
        with translate_errors():
            tables.metadata.create_all(engine)
            with engine.begin() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(tables.actor)).scalar():
                    raise ConfigurationError("the database already holds Visma Business data; use an empty one")
                total, done = sum(len(table_rows) for _, table_rows in rows), 0
                for table, table_rows in rows:
                    for start in range(0, len(table_rows), CHUNK):
                        conn.execute(sa.insert(table), table_rows[start : start + CHUNK])
                        done += len(table_rows[start : start + CHUNK])
                        progress("the ERP demo: rows", done, total)
    finally:
        engine.dispose()
    return DemoManifest(
        settings=settings,
        problems=frozenset(data.problems),
        excluded={e: frozenset(keys) for e, keys in data.excluded.items()},
        psa_seed=_psa_seed(data),
        row_counts={table.name: len(table_rows) for table, table_rows in rows},
        seed=seed,
        scale=scale or DemoScale(),
        plant_problems=plant_problems,
    )


# --- rows as the tables name their columns ---------------------------------------------


def _rows(data: DemoData, tables: VismaTables, settings: VismaBusinessSettings) -> list[tuple[sa.Table, list[Any]]]:
    zone = ZoneInfo(settings.time_zone)
    actors = _actor_rows(data, settings, zone)
    result: list[tuple[sa.Table, list[Any]]] = [(tables.actor, actors)]
    for entity, table in (
        (ErpEntity.DEPARTMENT, tables.departments),
        (ErpEntity.PROJECT, tables.projects),
        (ErpEntity.PRODUCT, tables.product),
    ):
        spec = tables.entities[entity]
        result.append(
            (
                table,
                [
                    _master_row(
                        settings,
                        zone,
                        item,
                        {spec.key.name: _key(spec.numeric_key, item), spec.fields["name"].name: item.name},
                    )
                    for item in data.erp[entity]
                ],
            )
        )
    result.extend(_ledger_rows(data.ledger, tables, settings))
    result.append((tables.customer_series, _series_rows(data.customer_series, settings, "customer")))
    result.append((tables.voucher_series, _series_rows(data.voucher_series, settings, "voucher")))
    return result


def _key(numeric: bool, item: ErpItem) -> object:
    if item.key is None:
        return 0 if numeric else ""
    return int(item.key) if numeric else item.key


def _master_row(settings: VismaBusinessSettings, zone: ZoneInfo, item: ErpItem, row: dict[str, Any]) -> dict[str, Any]:
    day, minute = datetime_to_stamp(item.changed_at, zone)
    change = settings.change
    # Every row names every column: an executemany takes its column list from the first row.
    groups = {name: int(item.groups.get(name, 0)) for name in GROUP_FIELDS}
    return {
        **row,
        **groups,
        settings.psa_guid_field: item.psa_guid,
        change.date: day,
        change.time: minute,
        change.user: DEMO_USER,
    }


def _actor_rows(data: DemoData, settings: VismaBusinessSettings, zone: ZoneInfo) -> list[dict[str, Any]]:
    actor = settings.actor
    rows: list[dict[str, Any]] = []
    people: Iterable[tuple[ErpEntity, ErpItem]] = [
        *((ErpEntity.CUSTOMER, item) for item in data.erp[ErpEntity.CUSTOMER]),
        *((ErpEntity.EMPLOYEE, item) for item in data.erp[ErpEntity.EMPLOYEE]),
    ]
    for number, (entity, item) in enumerate(people, start=1):
        key = int(item.key or 0)
        row = {
            actor.row_no: number,
            actor.customer_no: key if entity is ErpEntity.CUSTOMER else 0,
            actor.employee_no: key if entity is ErpEntity.EMPLOYEE else 0,
            actor.supplier_no: 0,
            actor.name: item.name.replace("|", " "),
            actor.email: item.email,
            actor.phone: f"+358 40 {number:07d}",
        }
        rows.append(_master_row(settings, zone, item, row))
    return rows


def _ledger_rows(
    ledger: list[LedgerItem], tables: VismaTables, settings: VismaBusinessSettings
) -> list[tuple[sa.Table, list[Any]]]:
    order, entry, change = settings.order, settings.ledger, settings.change
    stamp = {change.date: 20240601, change.time: 1200, change.user: DEMO_USER}
    orders, lines, entries = [], [], []
    for number, item in enumerate(ledger, start=1):
        day = date_to_int(item.invoice_date)
        orders.append(
            {
                order.order_no: number,
                order.customer_no: int(item.customer_key),
                order.invoice_no: item.invoice_number,
                order.order_date: day,
                settings.projects_table: 0,
                **stamp,
            }
        )
        lines.append(
            {
                order.order_no: number,
                order.line_no: 1,
                order.line_product_no: None,
                order.line_description: "Services",
                order.line_quantity: 1,
                order.line_price: item.amount,
                **stamp,
            }
        )
        entries.append(
            {
                entry.entry_no: number,
                entry.customer_no: int(item.customer_key),
                entry.voucher_no: item.invoice_number,
                entry.voucher_date: day,
                entry.invoice_no: item.invoice_number,
                entry.amount: item.amount,
                entry.remaining: item.remaining,
                **stamp,
            }
        )
    return [(tables.orders, orders), (tables.order_lines, lines), (tables.ledger, entries)]


def _series_rows(series: tuple[NumberSeries, ...], settings: VismaBusinessSettings, kind: str) -> list[dict[str, Any]]:
    columns = settings.customer_number_series if kind == "customer" else settings.voucher_series
    return [
        {
            columns.series_no: int(s.series_id),
            columns.description: s.description,
            columns.first: s.first,
            columns.last: s.last,
        }
        for s in series
    ]
