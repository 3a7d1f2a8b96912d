"""`tandem erp psa-numbers|duplicates|set-key`: the commands the preflight's fixes name (ERP-3).

    tandem erp psa-numbers [--next-customer N] [--next-invoice N]   the PSA's numbering
    tandem erp duplicates [--json]                keys used twice on either side, with the rows
    tandem erp set-key ENTITY NEW_KEY (--erp-row ROW | --psa-guid GUID)

A blocking finding names one of these with the numbers filled in (`tandem.erp.fixes`), so
the admin fixes it without SQL. `tandem.cli.erp` mounts them on `tandem erp`.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tandem.cli.common import console, fail, migrated, show
from tandem.domain.erp import MASTER_ENTITIES, ErpEntity

if TYPE_CHECKING:
    from tandem.bootstrap import Tandem
    from tandem.runtime.erp import ErpIntegration

ErpUrl = Annotated[str | None, typer.Option("--erp-url", help="The Visma Business database (else [erp] database_url).")]
NUMBERED = {"customer": "next_customer_number", "invoice": "next_invoice_number"}


def psa_numbers(
    next_customer: Annotated[
        int | None, typer.Option("--next-customer", min=1, help="The number the PSA gives its next customer.")
    ] = None,
    next_invoice: Annotated[
        int | None, typer.Option("--next-invoice", min=1, help="The number the PSA gives its next invoice.")
    ] = None,
) -> None:
    """The PSA's next customer and invoice numbers: shown, or set (above the ERP's series)."""
    from tandem.hub.services import counters

    wanted = {"customer": next_customer, "invoice": next_invoice}
    with migrated() as t, t.db.write() as session:
        org = counters.settings(session, for_update=True)
        for series, number in wanted.items():
            before = getattr(org, NUMBERED[series])
            if number is not None:
                setattr(org, NUMBERED[series], number)
                console.print(f"The PSA's next {series} number is {number} (was {before}).", highlight=False)
            else:
                console.print(f"The PSA's next {series} number is {before}.", highlight=False)


def duplicates(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False, erp_url: ErpUrl = None
) -> None:
    """Keys used by more than one record on either side: each record, and how to give it a free key."""
    from rich.table import Table

    with migrated() as t:
        found = _duplicates(t.erp_integration(erp_url=erp_url))
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False))
        return
    if not found:
        console.print("No key is used twice on either side.")
        return
    table = Table("entity", "side", "key", "record", "name", "give it a free key")
    for row in found:
        table.add_row(row["entity"], row["side"], row["key"], row["record"], row["name"] or "", row["fix"])
    show(table)


def _duplicates(integration: ErpIntegration) -> list[dict[str, Any]]:
    from tandem.erp import fixes

    rows: list[dict[str, Any]] = []
    for entity in MASTER_ENTITIES:
        erp = integration.erp.read(entity)
        psa = integration.psa.list(entity)
        free = fixes.FreeKeys(k for k in [*(r.key for r in erp), *(r.key for r in psa)] if k is not None)
        erp_counts = Counter(r.key for r in erp if r.key is not None)
        psa_counts = Counter(r.key for r in psa if r.key is not None)
        for record in erp:
            if record.key is not None and erp_counts[record.key] > 1:
                fix = fixes.erp_key(entity, record.row_id, free.take(record.key))
                rows.append(_row(entity, "erp", record.key, record.row_id, record.name, fix))
        for item in psa:
            if item.key is not None and psa_counts[item.key] > 1:
                fix = fixes.psa_key(entity, item.guid, free.take(item.key))
                rows.append(_row(entity, "psa", item.key, item.guid, item.fields.get("name"), fix))
    return rows


def _row(entity: ErpEntity, side: str, key: str, record: str, name: str | None, fix: str) -> dict[str, Any]:
    return {"entity": entity.value, "side": side, "key": key, "record": record, "name": name, "fix": fix}


def set_key(
    entity: Annotated[ErpEntity, typer.Argument(help="department, product, employee, customer or project.")],
    key: Annotated[str, typer.Argument(help="The record's new number/code.")],
    erp_row: Annotated[
        str | None, typer.Option("--erp-row", help="The ERP record: its row (ActNo), as the preflight names it.")
    ] = None,
    psa_guid: Annotated[str | None, typer.Option("--psa-guid", help="The PSA record: its guid.")] = None,
    erp_url: ErpUrl = None,
) -> None:
    """Give one record a new number/code: the fix for a key used twice or one the other side cannot hold."""
    if (erp_row is None) == (psa_guid is None):
        raise fail("Name one record: --erp-row ROW (in the ERP) or --psa-guid GUID (in the PSA).")
    if entity is ErpEntity.INVOICE:
        raise fail("Invoices keep their numbers; set-key takes department, product, employee, customer or project.")
    with migrated() as t:
        if erp_row is not None:
            t.erp_integration(erp_url=erp_url).erp.writer.set_key(entity, erp_row, key)
            where = f"ERP {entity} row {erp_row}"
        else:
            where = f"PSA {entity} {psa_guid}"
            _psa_set_key(t, entity, psa_guid or "", key)
    console.print(f"{where} now has the key {key}.", highlight=False)


def _psa_set_key(t: Tandem, entity: ErpEntity, guid: str, key: str) -> None:
    from tandem.hub.adapters.master_data import HubMasterData

    HubMasterData(t.db).set_key(entity, guid, key)
