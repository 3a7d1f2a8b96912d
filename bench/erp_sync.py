"""ERP sync benchmark: the hub as the PSA, a Visma Business database with 10,000 customers
and 1,000 projects.

Builds the demo ERP database at that size and loads its PSA half into a migrated hub, then
runs Tandem's ERP integration as `tandem serve` would (`Tandem.erp_integration()`): a first
run (everything is linked or created), a no-change run (incremental ERP reads, which read back
the rows the first run wrote), a no-change run with full reads, and a steady no-change run
(incremental reads that find nothing new: what every 10 minutes costs while nothing changes).
Prints the wall time of each and the SQL statements it sent to each database, by kind; then
each beside its floor, measured in the same run on the same databases with SQLAlchemy Core
(the first run: bulk-inserting the same hub rows and updating as many ERP rows; a no-change
run: reading every row it reads).

Databases: fresh SQLite files by default; `--kind postgresql` makes (and drops) two fresh
PostgreSQL databases on 127.0.0.1; or name EMPTY databases with `--database-url` (the hub)
and `--erp-url`. `--no-batching` writes every hub write in its own transaction (the
behaviour before `[erp] batch_size`), to compare.

    .venv/bin/python bench/erp_sync.py
    .venv/bin/python bench/erp_sync.py --kind postgresql
    .venv/bin/python bench/erp_sync.py --no-batching
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.demo.psa_seed import load_psa_seed
from tandem.demo.visma_business.database import DemoScale, create_demo_database
from tandem.domain.erp import RunReport
from tandem.runtime.erp import EachWriteAlone

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Statements:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.kinds[statement.lstrip().split(None, 1)[0].upper()] += 1

    def take(self) -> Counter[str]:
        taken, self.kinds = self.kinds, Counter()
        return taken


@contextmanager
def fresh_postgres() -> Iterator[str]:
    name = f"tandem_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def counts(label: str, statements: Counter[str]) -> str:
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(statements.items()))
    return f"{label} {sum(statements.values()):6d} ({kinds or 'none'})"


def describe(label: str, seconds: float, hub: Counter[str], erp: Counter[str], report: RunReport) -> None:
    print(f"{label:<36} {seconds:8.2f} s")
    print(f"{'':<4}{counts('hub statements', hub)}")
    print(f"{'':<4}{counts('ERP statements', erp)}")
    totals: Counter[str] = Counter()
    for entity in report.entities:
        totals.update(entity.counts())
    print(f"{'':<4}{dict(totals)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--database-url", help="an EMPTY database for the hub")
    parser.add_argument("--erp-url", help="an EMPTY database for the Visma Business demo")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--no-batching", action="store_true", help="every hub write its own transaction")
    args = parser.parse_args()

    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tandem-erp-bench-")))
        urls = []
        for given, name in ((args.database_url, "hub"), (args.erp_url, "visma")):
            if given:
                urls.append(given)
            elif args.kind == "postgresql":
                urls.append(stack.enter_context(fresh_postgres()))
            else:
                urls.append(f"sqlite:///{directory / (name + '.db')}")
        run(args, *urls, directory)


def run(args: argparse.Namespace, hub_url: str, erp_url: str, directory: Path) -> None:
    started = time.perf_counter()
    scale = DemoScale(customers=args.customers, projects=args.projects)
    manifest = create_demo_database(erp_url, args.seed, scale=scale)
    print(f"databases: hub {sa.make_url(hub_url).get_backend_name()}, ERP {sa.make_url(erp_url).get_backend_name()}")
    print(f"ERP rows {dict(manifest.row_counts)}")
    print(f"{'create the ERP demo database':<36} {time.perf_counter() - started:8.2f} s")

    settings = Settings(
        database_url=hub_url,
        secret_key_file=directory / "tandem.key",
        erp={"database_url": erp_url, "visma": manifest.settings.model_dump(), "batch_size": args.batch_size},
    )
    tandem = bootstrap.build(settings)
    try:
        started = time.perf_counter()
        tandem.upgrade()
        loaded = load_psa_seed(tandem.db, manifest.psa_seed)
        print(f"{'migrate the hub, load its PSA half':<36} {time.perf_counter() - started:8.2f} s   {loaded.created}")

        now = datetime.now(UTC).replace(second=0, microsecond=0)
        clock = [now]
        integration = tandem.erp_integration(clock=lambda: clock[0])
        if args.no_batching:
            integration.grouping = EachWriteAlone()
        hub, erp = Statements(), Statements()
        sa.event.listen(tandem.db.engine, "before_cursor_execute", hub)
        sa.event.listen(tandem.erp_engines[0], "before_cursor_execute", erp)
        batching = "no batching" if args.no_batching else f"batches of {args.batch_size}"
        print(f"runs ({batching}):")
        before = datetime.now(UTC)
        taken: dict[str, float] = {}
        for label, kwargs in (
            ("first run", {}),
            ("no-change run (incremental reads)", {}),
            ("no-change run (full reads)", {"full": True}),
            ("no-change run (steady: incremental)", {}),
        ):
            started = time.perf_counter()
            report = integration.run(clock[0], **kwargs)
            taken[label] = time.perf_counter() - started
            describe(label, taken[label], hub.take(), erp.take(), report)
            clock[0] += timedelta(minutes=10)
        sa.event.remove(tandem.db.engine, "before_cursor_execute", hub)
        sa.event.remove(tandem.erp_engines[0], "before_cursor_execute", erp)
        floors(tandem.db.engine, tandem.erp_engines[0], manifest.settings.psa_guid_field, before, taken)
    finally:
        tandem.close()


HUB_TABLES = ("business_units", "products", "users", "customers", "projects", "phases", "erp_links")
"""What a first run writes in the hub."""
ERP_TABLES = ("Actor", "Prod", "R1", "R2")


def floors(hub: sa.Engine, erp: sa.Engine, guid_field: str, since: datetime, taken: dict[str, float]) -> None:
    """The runs beside their floors on the same databases, with SQLAlchemy Core:
    - first run: bulk-inserting the same hub rows it made (into empty copies of the tables,
      without their indexes: a floor below the real thing) and updating as many ERP rows'
      guid field as it did (executemany, rolled back);
    - no-change run: reading every row the run reads (the hub's master tables and links, the
      ERP's tables), fetched as plain tuples."""
    hub_meta, erp_meta = sa.MetaData(), sa.MetaData()
    hub_meta.reflect(bind=hub, only=HUB_TABLES)
    erp_meta.reflect(bind=erp, only=ERP_TABLES)
    made: dict[str, list[dict[str, Any]]] = {}
    with hub.connect() as conn:
        for name in HUB_TABLES:
            table = hub_meta.tables[name]
            query = sa.select(table)
            if "created_at" in table.c:
                query = query.where(table.c.created_at >= since)
            made[name] = [dict(row) for row in conn.execute(query).mappings()]
    actor = erp_meta.tables["Actor"]
    with erp.connect() as conn:
        guids = [{"r": r, "g": g} for r, g in conn.execute(sa.select(actor.c.ActNo, actor.c[guid_field]))]

    started = time.perf_counter()
    with hub.begin() as conn:
        for name, rows in made.items():
            if not rows:
                continue
            copy = sa.Table(
                f"floor_{name}", sa.MetaData(), *(sa.Column(c.name, c.type) for c in hub_meta.tables[name].c)
            )
            copy.create(conn)
            conn.execute(sa.insert(copy), rows)
            copy.drop(conn)
    with erp.connect() as conn, conn.begin() as transaction:
        update = sa.update(actor).where(actor.c.ActNo == sa.bindparam("r")).values({guid_field: sa.bindparam("g")})
        conn.execute(update, guids)
        transaction.rollback()
    insert_floor = time.perf_counter() - started

    started = time.perf_counter()
    with hub.connect() as conn:
        for name in HUB_TABLES:
            conn.execute(sa.select(hub_meta.tables[name])).all()
    with erp.connect() as conn:
        for name in ERP_TABLES:
            conn.execute(sa.select(erp_meta.tables[name])).all()
    read_floor = time.perf_counter() - started

    rows = sum(len(r) for r in made.values())
    print(
        f"floors (SQLAlchemy Core, same databases): {rows} hub rows inserted + {len(guids)} ERP rows updated "
        f"{insert_floor:.2f} s; every row read {read_floor:.2f} s"
    )
    for label, floor in (
        ("first run", insert_floor),
        ("no-change run (incremental reads)", read_floor),
        ("no-change run (full reads)", read_floor),
        ("no-change run (steady: incremental)", read_floor),
    ):
        print(f"{label:<36} {taken[label]:8.2f} s  floor {floor:6.2f} s  ratio {taken[label] / floor:5.1f}x")


if __name__ == "__main__":
    main()
