"""`make run`'s demo ERP (issue 12, the embedded default): a demo Visma Business company made
beside the hub's SQLite file on first start, the integration enabled, a first run done; a
restart makes nothing twice."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tandem import bootstrap
from tandem.config import Settings
from tandem.hub.models import Customer
from tests.support.processes import demo_environment, free_port, serving


def _hub(env: dict[str, str]) -> bootstrap.Tandem:
    return bootstrap.build(
        Settings(database_url=env["TANDEM_DATABASE_URL"], secret_key_file=Path(env["TANDEM_SECRET_KEY_FILE"]))
    )


def _customers(t: bootstrap.Tandem) -> int:
    with t.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0)


def _log(folder: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(folder.glob("serve-*.log")))


def test_erp_7_make_run_makes_the_demo_erp_enables_it_and_runs_it_once_and_a_restart_makes_nothing_twice(
    tmp_path: Path,
) -> None:
    env = demo_environment(tmp_path, free_port())
    with serving(env, tmp_path):
        pass
    first_log = _log(tmp_path)
    t = _hub(env)
    try:
        state = t.erp_state()
        runs_after_first_start = state.run_log(100)
        enabled = state.is_enabled()
        customers = _customers(t)
    finally:
        t.close()
    assert (tmp_path / "visma.db").is_file()  # beside tandem.db
    assert "Made the demo ERP (Visma Business) in" in first_log
    assert "the integration is enabled, and its first run created" in first_log
    assert enabled is True
    first = runs_after_first_start[-1].report  # oldest last
    assert first is not None
    counts = {e.entity.value: e.counts() for e in first.entities}
    assert counts["customer"]["created"] + counts["customer"]["linked"] > 0
    assert sum(c["failed"] for c in counts.values()) == 0  # a clean company: nothing fails

    with serving(env, tmp_path):
        pass
    t = _hub(env)
    try:
        runs = t.erp_state().run_log(100)
        customers_after_restart = _customers(t)
    finally:
        t.close()
    assert "The demo ERP (Visma Business) is" in _log(tmp_path).replace(first_log, "")
    assert customers_after_restart == customers  # the PSA half was not loaded again
    # the first start's own run, and no other: the schedule waits its interval after the last
    # recorded run, so neither the worker's start nor the restart ran the integration again
    assert len(runs) == len(runs_after_first_start) == 1
