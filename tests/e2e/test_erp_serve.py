"""ERP-7 inside `tandem serve`: while the integration is enabled, the server runs it on its
schedule by itself, and every run is recorded."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tests.e2e.test_erp_cli import SCALE, tandem_erp
from tests.support.databases import fresh_database
from tests.support.processes import environment, serving


def test_erp_7_tandem_serve_runs_the_integration_on_its_schedule(
    hub_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path, TANDEM_ERP__ENABLED="true", TANDEM_ERP__INTERVAL_S="1")
    with fresh_database(database_kind, tmp_path) as erp_url:
        env["TANDEM_ERP__DATABASE_URL"] = erp_url
        made = tandem_erp(["demo-db", erp_url, "--scale", SCALE], env, tmp_path)
        assert made.returncode == 0, made.stderr
        assert tandem_erp(["enable", "--force"], env, tmp_path).returncode == 0
        with serving(env, tmp_path):
            deadline = time.monotonic() + 60
            runs: list[dict[str, object]] = []
            while time.monotonic() < deadline and len(runs) < 2:
                time.sleep(0.5)
                runs = json.loads(tandem_erp(["status", "--json"], env, tmp_path).stdout)["runs"]
        assert len(runs) >= 2  # more than one: it keeps running on its schedule
