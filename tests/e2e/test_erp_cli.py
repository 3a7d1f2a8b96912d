"""`tandem erp …` as an admin runs it, in its own process, against the demo database and
the hub on SQLite and PostgreSQL (ERP-3, ERP-7)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.support.databases import fresh_database
from tests.support.processes import environment, run

SCALE = "departments=15,products=40,employees=40,customers=80,projects=40,erp_invoices=12,psa_invoices=12"


def tandem_erp(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`tandem erp ARGS` in its own process."""
    return run(["erp", *args], env, cwd, check=False)


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def test_erp_3_enabling_with_a_failed_preflight_is_refused_unless_forced(
    hub_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    with fresh_database(database_kind, tmp_path) as erp_url:
        made = tandem_erp(["demo-db", erp_url, "--scale", SCALE], env, tmp_path)
        assert made.returncode == 0, made.stderr
        assert "planted problems; the manifest is" in made.stdout
        settings = made.stdout.split("Settings for it (tandem.toml):\n", 1)[1]
        (tmp_path / "tandem.toml").write_text(settings)  # as the command suggests

        preflight = tandem_erp(["preflight", "--json"], env, tmp_path)
        refused = tandem_erp(["enable"], env, tmp_path)
        forced = tandem_erp(["enable", "--force"], env, tmp_path)
        ran = tandem_erp(["run", "--entity", "customer", "--json"], env, tmp_path)
        status = as_json(tandem_erp(["status", "--json"], env, tmp_path))

    assert preflight.returncode == 1
    verdict = as_json(preflight)
    assert verdict["passed"] is False
    assert {f["kind"] for f in verdict["blocking"]} == {
        "customer_series_overlap",
        "invoice_series_overlap",
        "duplicate_key",
    }
    assert refused.returncode == 1
    assert "Not enabled: the preflight found 5 blocking problem(s)" in refused.stderr
    assert "overlaps the PSA's customer numbering" in refused.stdout  # what blocks, in words
    assert forced.returncode == 0, forced.stderr
    assert "Enabled despite 5 blocking problem(s)" in forced.stdout
    report = as_json(ran)
    assert [e["entity"] for e in report["entities"]] == ["customer"]  # --entity: only customers, no invoices
    assert status["enabled"] is True
    (last,) = status["runs"]
    customers = last["report"]["entities"][0]
    assert len(customers["created"]) > 50
    assert any("used by 2 ERP records" in f["reason"] for f in customers["failed"])
