"""`tandem erp …` as an admin runs it, in its own process, against the demo database and
the hub on SQLite and PostgreSQL (ERP-3, ERP-7)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.support.databases import fresh_database
from tests.support.processes import environment, on_a_terminal, run

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


def test_erp_1_erp_5_tandem_erp_rules_shows_the_rules_saved_on_the_page_and_dry_runs_apply_them(
    hub_database_url: str, tmp_path: Path
) -> None:
    """Rules saved on Admin → ERP (kept in the hub's database) are what `tandem erp` applies
    and shows, until `tandem erp rules --use-toml` removes them."""
    from datetime import UTC, datetime

    from tandem import bootstrap
    from tandem.domain.erp import EntityRule, ErpEntity, ErpRules, Side
    from tandem.runtime.erp import SavedRules
    from tests.support.hub import settings_for

    env = environment(hub_database_url, tmp_path)
    erp_url = f"sqlite:///{tmp_path / 'visma.db'}"
    made = tandem_erp(
        ["demo-db", erp_url, "--scale", SCALE, "--no-problems", "--settings", "tandem.toml"], env, tmp_path
    )
    assert made.returncode == 0, made.stderr
    from_toml = as_json(tandem_erp(["rules", "--json"], env, tmp_path))
    assert from_toml["source"] == "tandem.toml"
    assert {e["entity"]: e["transfer"] for e in from_toml["entities"]}["product"] is True

    on_the_page = ErpRules(
        entities={
            ErpEntity.PRODUCT: EntityRule(transfer=False, master=Side.ERP),
            ErpEntity.PROJECT: EntityRule(master=Side.ERP),
        },
        transfer_invoices=False,
    )
    saved = SavedRules.from_rules(on_the_page, datetime.now(UTC), "aino.admin@example.com")
    hub = bootstrap.build(settings_for(hub_database_url, tmp_path))
    try:
        hub.erp_state().save_rules(saved.model_dump_json())  # as Admin → ERP's Save does
    finally:
        hub.close()

    shown = as_json(tandem_erp(["rules", "--json"], env, tmp_path))
    status = as_json(tandem_erp(["status", "--json"], env, tmp_path))
    dry = as_json(tandem_erp(["run", "--dry-run", "--json"], env, tmp_path))
    words = tandem_erp(["rules"], env, tmp_path)
    back = as_json(tandem_erp(["rules", "--json", "--use-toml"], env, tmp_path))
    dry_again = as_json(tandem_erp(["run", "--dry-run", "--json"], env, tmp_path))

    entities = {e["entity"]: e for e in shown["entities"]}
    assert (shown["source"], shown["saved_by"]) == ("page", "aino.admin@example.com")
    assert (entities["product"]["transfer"], entities["project"]["master"]) == (False, "erp")
    assert shown["transfer_invoices"] is False
    assert status["rules"]["source"] == "page"
    assert "saved on Admin → ERP by aino.admin@example.com" in words.stdout
    ran = {e["entity"] for e in dry["entities"]}
    assert "product" not in ran
    assert "invoice" not in ran
    assert "customer" in ran
    assert back["source"] == "tandem.toml"
    assert {"product", "invoice"} <= {e["entity"] for e in dry_again["entities"]}


def test_erp_7_long_erp_work_shows_its_progress_on_a_terminal_and_nothing_in_a_pipe_or_json(
    hub_database_url: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    erp_url = f"sqlite:///{tmp_path / 'visma.db'}"
    status, made, _ = on_a_terminal(
        ["erp", "demo-db", erp_url, "--scale", SCALE, "--no-problems", "--settings", "tandem.toml"], env, tmp_path
    )
    assert status == 0, made
    assert "the ERP demo: rows" in made
    assert "the PSA's half: records" in made

    status, shown, stdout = on_a_terminal(["erp", "run"], env, tmp_path)
    assert status == 0, shown
    assert "reading the ERP and the PSA" in shown
    writing = re.findall(r"customer: writing\S*\s.*?(\d+)/(\d+)", shown)
    assert writing, shown
    assert writing[-1][0] == writing[-1][1]  # it ended with every customer done
    assert "Run of" in stdout  # the run's table, on stdout as always

    _, shown_json, stdout_json = on_a_terminal(["erp", "run", "--dry-run", "--json"], env, tmp_path)
    assert "reading the ERP and the PSA" not in shown_json  # --json: quiet
    assert json.loads(stdout_json)["dry_run"] is True
    piped = tandem_erp(["run", "--dry-run"], env, tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert "reading the ERP and the PSA" not in piped.stderr + piped.stdout  # not a terminal: quiet
