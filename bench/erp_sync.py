"""ERP sync benchmark: a Visma Business database with 10,000 customers and 1,000 projects.

Builds the demo database at that size (a fresh SQLite file by default, or an empty
database at --database-url, e.g. PostgreSQL), then runs Tandem's ERP integration
against it with the in-memory PSA: a first run (everything is linked or created),
a no-change run (incremental reads), and a no-change run with full reads. Prints
the wall time and the SQL statements of each, by kind.

    .venv/bin/python bench/erp_sync.py
    .venv/bin/python bench/erp_sync.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/erp_bench
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tandem.connectors.visma_business import VismaBusinessErp
from tandem.connectors.visma_business.demo import DemoScale, create_demo_database
from tandem.domain.erp import RunReport
from tandem.runtime.erp import ErpIntegration, ErpSyncSettings, InMemoryErpStateStore, InMemoryPsaMasterData


class Statements:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.kinds[statement.lstrip().split(None, 1)[0].upper()] += 1

    def take(self) -> Counter[str]:
        taken, self.kinds = self.kinds, Counter()
        return taken


def describe(label: str, seconds: float, statements: Counter[str], report: RunReport | None = None) -> None:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(statements.items()))
    print(f"{label:<34} {seconds:8.2f} s   {sum(statements.values()):6d} statements ({kinds or 'none'})")
    if report is not None:
        totals: Counter[str] = Counter()
        for entity in report.entities:
            totals.update(entity.counts())
        print(f"{'':<34} {dict(totals)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY database (default: a new SQLite file)")
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="tandem-erp-bench-") as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'visma.db'}"
        started = time.perf_counter()
        manifest = create_demo_database(
            url, args.seed, scale=DemoScale(customers=args.customers, projects=args.projects)
        )
        print(f"database: {sa.make_url(url).get_backend_name()}, rows {dict(manifest.row_counts)}")
        print(f"{'create demo database':<34} {time.perf_counter() - started:8.2f} s")

        engine = sa.create_engine(url)
        statements = Statements()
        sa.event.listen(engine, "before_cursor_execute", statements)
        now = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
        erp = VismaBusinessErp(engine, manifest.settings)
        psa = InMemoryPsaMasterData(manifest.psa_seed)
        integration = ErpIntegration(
            erp, psa, InMemoryErpStateStore(), ErpSyncSettings().rules(manifest.settings.group_exclusions())
        )
        try:
            for label, kwargs in (
                ("first run", {}),
                ("no-change run (incremental reads)", {}),
                ("no-change run (full reads)", {"full": True}),
            ):
                started = time.perf_counter()
                report = integration.run(now, **kwargs)
                describe(label, time.perf_counter() - started, statements.take(), report)
                now += timedelta(minutes=10)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
