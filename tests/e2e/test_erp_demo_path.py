"""The ERP demo after `make run`, as docs/erp.md tells an admin to walk it (issue 11, items 1
and 2): the demo organisation in the hub, `erp demo-db` beside it, the preflight, the dry run,
`enable` without --force, a run that does what the dry run said; and each blocking finding
fixed by the command it names. Each `tandem` call is its own process, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tandem import bootstrap
from tests.support.databases import fresh_database
from tests.support.processes import environment, run

SCALE = "departments=15,products=40,employees=40,customers=80,projects=40,erp_invoices=12,psa_invoices=12"
COUNTS = ("created", "updated", "linked", "excluded", "failed")


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return run(args, env, cwd, check=False)


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


def counts(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    return {e["entity"]: {name: len(e[name]) for name in COUNTS} for e in report["entities"]}


def predicted(preflight: dict[str, Any]) -> dict[str, dict[str, int]]:
    """What the preflight says a run would do, in a run report's terms."""
    return {
        e["entity"]: {
            "created": e["create_in_erp"] + e["create_in_psa"],
            "updated": e["update"],
            "linked": e["link"],
            "excluded": e["exclude"],
            "failed": e["fail"],
        }
        for e in preflight["entities"]
    }


def documented_demo_settings() -> str:
    """The demo's settings as docs/erp.md shows them."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "erp.md").read_text(encoding="utf-8")
    return page.split("The demo's settings", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]


def without_url(settings: str) -> list[str]:
    return [line for line in settings.splitlines() if line.strip() and not line.startswith("database_url")]


def demo_organisation(env: dict[str, str], cwd: Path) -> None:
    """The calendar demo organisation, loaded by the loader `make run` uses on first start."""
    loaded = cli(["demo-data"], env, cwd)
    assert loaded.returncode == 0, loaded.stderr


@contextmanager
def erp_demo_beside_the_organisation(
    hub_database_url: str, database_kind: str, cwd: Path, *options: str
) -> Iterator[tuple[dict[str, str], subprocess.CompletedProcess[str]]]:
    """The demo organisation, then `erp demo-db` (its settings into ./tandem.toml); yields the
    environment and what demo-db did, the ERP database there until the block ends."""
    env = environment(hub_database_url, cwd)
    demo_organisation(env, cwd)
    with fresh_database(database_kind, cwd) as erp_url:
        made = cli(["erp", "demo-db", erp_url, "--scale", SCALE, *options, "--settings", "tandem.toml"], env, cwd)
        yield env, made


def test_erp_7_the_demo_after_make_run_runs_as_the_preflight_and_the_dry_run_said(
    hub_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    with erp_demo_beside_the_organisation(hub_database_url, database_kind, tmp_path, "--no-problems") as (env, made):
        preflight = cli(["erp", "preflight", "--json"], env, tmp_path)
        dry = as_json(cli(["erp", "run", "--dry-run", "--json"], env, tmp_path))
        enabled = cli(["erp", "enable"], env, tmp_path)
        done = as_json(cli(["erp", "run", "--json"], env, tmp_path))
        again = as_json(cli(["erp", "run", "--dry-run", "--json"], env, tmp_path))

    # Loaded beside the demo organisation, not refused for it ("The hub already has customers").
    assert made.returncode == 0, made.stderr
    assert "Loaded the PSA half into the hub, beside what it holds" in made.stdout
    assert "project_customer = 1" in (tmp_path / "tandem.toml").read_text()  # as docs/erp.md's example
    assert without_url((tmp_path / "tandem.toml").read_text()) == without_url(documented_demo_settings())
    assert preflight.returncode == 0, preflight.stdout
    verdict = as_json(preflight)
    assert verdict["blocking"] == []
    assert enabled.returncode == 0, enabled.stderr  # no --force
    assert counts(done) == counts(dry) == predicted(verdict)
    assert all(not e["failed"] for e in done["entities"]), done["entities"]
    employees = next(e for e in done["entities"] if e["entity"] == "employee")
    assert {"1001", "1002", "1003", "1004", "1005"} <= set(employees["created"])  # the demo's people reach the ERP
    projects = next(e for e in done["entities"] if e["entity"] == "project")
    assert len(projects["created"]) > 20  # from the ERP, with customer 1 (the internal one)
    assert all(not e[name] for e in again["entities"] for name in ("created", "updated", "linked", "failed"))


def test_erp_3_a_project_customer_that_does_not_exist_is_a_preflight_finding_and_a_dry_run_failure(
    hub_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    with erp_demo_beside_the_organisation(hub_database_url, database_kind, tmp_path, "--no-problems") as (env, _):
        settings = tmp_path / "tandem.toml"
        settings.write_text(settings.read_text().replace("project_customer = 1", "project_customer = 999"))
        preflight = cli(["erp", "preflight"], env, tmp_path)
        verdict = as_json(cli(["erp", "preflight", "--json"], env, tmp_path))
        dry = as_json(cli(["erp", "run", "--dry-run", "--json"], env, tmp_path))
        refused = cli(["erp", "enable"], env, tmp_path)
        done = as_json(cli(["erp", "run", "--entity", "project", "--json"], env, tmp_path))

    reason = "a PSA project needs a customer: [erp] project_customer = 999 names no customer"
    assert preflight.returncode == 1
    (blocking,) = verdict["blocking"]
    assert (blocking["kind"], blocking["message"]) == ("cannot_create", reason)
    assert blocking["fix"].startswith("set [erp] project_customer = 1 (")  # a customer that exists
    assert "set [erp] project_customer = 1 (" in preflight.stdout
    assert refused.returncode == 1
    (projects_planned,) = [e for e in dry["entities"] if e["entity"] == "project"]
    (projects_run,) = done["entities"]
    assert (
        {f["reason"] for f in projects_planned["failed"]} == {f["reason"] for f in projects_run["failed"]} == {reason}
    )
    assert len(projects_planned["failed"]) == len(projects_run["failed"]) > 20


def test_erp_3_each_blocking_finding_is_fixed_by_the_command_it_names(
    hub_database_url: str, database_kind: str, tmp_path: Path
) -> None:
    with erp_demo_beside_the_organisation(hub_database_url, database_kind, tmp_path) as (env, _):
        before = as_json(cli(["erp", "preflight", "--json"], env, tmp_path))
        listed = as_json(cli(["erp", "duplicates", "--json"], env, tmp_path))
        fixed = [cli(shlex.split(f["fix"])[1:], env, tmp_path) for f in before["blocking"]]
        after = as_json(cli(["erp", "preflight", "--json"], env, tmp_path))
        enabled = cli(["erp", "enable"], env, tmp_path)
        numbers = cli(["erp", "psa-numbers"], env, tmp_path)
        duplicates = cli(["erp", "duplicates"], env, tmp_path)

    assert {f["kind"] for f in before["blocking"]} == {
        "customer_series_overlap",
        "invoice_series_overlap",
        "duplicate_key",
    }
    assert all(f["fix"] and f["fix"].startswith("tandem erp ") for f in before["blocking"])
    assert {(d["entity"], d["side"], d["key"]) for d in listed} == {
        (f["entity"], f["side"], f["keys"][0]) for f in before["blocking"] if f["kind"] == "duplicate_key"
    }
    assert [(done.returncode, done.stderr) for done in fixed] == [(0, "")] * len(fixed)
    assert after["blocking"] == []
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr  # no --force
    assert "next customer number is 30000" in numbers.stdout
    assert "next invoice number is 400000" in numbers.stdout
    assert "No key is used twice on either side." in duplicates.stdout


def test_erp_3_set_key_refuses_in_one_line(hub_database_url: str, database_kind: str, tmp_path: Path) -> None:
    env = environment(hub_database_url, tmp_path)
    with fresh_database(database_kind, tmp_path) as erp_url:
        cli(["erp", "demo-db", erp_url, "--scale", SCALE, "--settings", "tandem.toml"], env, tmp_path)
        (twin, other) = [d for d in as_json(cli(["erp", "duplicates", "--json"], env, tmp_path)) if d["side"] == "erp"][
            :2
        ]
        neither = cli(["erp", "set-key", "customer", "30001"], env, tmp_path)
        taken = cli(["erp", "set-key", twin["entity"], "--erp-row", twin["record"], "1"], env, tmp_path)
        not_a_number = cli(["erp", "set-key", "employee", "--erp-row", other["record"], "E7"], env, tmp_path)
        again = cli(["erp", "demo-db", erp_url, "--settings", "tandem.toml"], env, tmp_path)

    for refused, words in (
        (neither, "Name one record: --erp-row ROW"),
        (taken, "the ERP already has"),
        (not_a_number, "positive number"),
        (again, "already has [erp] settings; nothing was made"),
    ):
        assert (refused.returncode, refused.stderr.count("\n")) == (1, 1), refused.stderr
        assert words in refused.stderr
        assert "Traceback" not in refused.stderr


def test_erp_demo_half_goes_beside_the_demo_organisation_once_and_moves_numbering_only_up(
    tandem: bootstrap.Tandem,
) -> None:
    import sqlalchemy as sa

    from tandem.demo.psa_seed import load_psa_seed
    from tandem.demo.visma_business.database import DemoScale, demo_psa_seed
    from tandem.hub.models import Customer, Project, User
    from tandem.hub.services import counters

    tandem.load_demo(sync_on=True)
    seed = demo_psa_seed(7, DemoScale(departments=15, products=40, employees=40, customers=80, projects=40))
    first = load_psa_seed(tandem.db, seed)
    second = load_psa_seed(tandem.db, seed)

    assert (first.skipped, second.skipped) == (False, True)  # loading twice adds nothing
    assert first.internal_customer == 1
    with tandem.db.read() as session:
        org = counters.settings(session)
        assert org.next_customer_number >= seed.number_series.next_customer_number > 1003  # moved up
        admins = session.scalars(sa.select(User.email).where(User.role == "admin")).all()
        owners = set(session.scalars(sa.select(User.email).join(Project, Project.owner_user_id == User.id)))
        internal = session.scalars(sa.select(Customer.number).where(Customer.is_internal.is_(True))).all()
    assert admins == ["aino.admin@example.com"]  # the demo's admin owns the projects; no one promoted
    assert owners == {"aino.admin@example.com"}
    assert internal == [1]
