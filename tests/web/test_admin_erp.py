"""Admin → ERP (ERP-3, ERP-4, ERP-5, ERP-7) through the pages, on both hub databases,
against a small Visma Business demo database on SQLite: the preflight with a planted
problem highlighted, enabling refused while it fails unless forced, a dry run that writes
nothing, a real run whose per-entity counts land in the history, one run at a time; the
page without an ERP; no ERP password on any page; every form refused without its CSRF token."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap
from tandem.config import ErpSettings
from tandem.demo.psa_seed import load_psa_seed
from tandem.demo.visma_business.database import DemoManifest, DemoScale, create_demo_database
from tandem.domain.erp import ErpEntity
from tandem.hub.models import Customer
from tandem.runtime.erp import ErpEntitySettings, ErpIntegration
from tandem.web.context import WebContext
from tandem.web.erp_work import ErpWork
from tests.support.hub import settings_for
from tests.web.support import add_people, csrf_token, signed_in

SCALE = DemoScale(departments=6, products=10, employees=10, customers=20, projects=8, erp_invoices=4, psa_invoices=4)
RUN_WAIT_S = 60


@dataclass
class Erp:
    tandem: bootstrap.Tandem
    url: str
    manifest: DemoManifest
    engine: sa.Engine

    def customer_actors(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.text('SELECT count(*) FROM "Actor" WHERE "CustNo" > 0')).scalar_one())

    def plant_duplicate_customer(self) -> str:
        """A second ERP customer under an existing customer's number (a duplicate key, ERP-3)."""
        actor = sa.Table("Actor", sa.MetaData(), autoload_with=self.engine)
        with self.engine.begin() as conn:
            row = dict(
                conn.execute(sa.select(actor).where(actor.c.CustNo > 0).order_by(actor.c.CustNo)).mappings().first()
                or {}
            )
            assert row
            row["ActNo"] = conn.execute(sa.select(sa.func.max(actor.c.ActNo))).scalar_one() + 1
            row["Nm"] = "Another company under the same number"
            conn.execute(sa.insert(actor).values(row))
        return str(row["CustNo"])


@contextmanager
def erp_world(hub_database_url: str, tmp_path: Path, **rules: Any) -> Iterator[Erp]:
    """Tandem with `[erp]` pointing at a demo company without planted problems, its PSA
    half loaded into the hub (as `tandem erp demo-db --no-problems` does); `rules`: more `[erp]`."""
    url = f"sqlite:///{tmp_path / 'visma.db'}"
    made = create_demo_database(url, 7, scale=SCALE, plant_problems=False)
    erp_settings = ErpSettings(database_url=url, visma=made.settings, **rules)
    built = bootstrap.build(settings_for(hub_database_url, tmp_path, erp=erp_settings))
    load_psa_seed(built.db, made.psa_seed)
    engine = sa.create_engine(url)
    try:
        yield Erp(built, url, made, engine)
    finally:
        engine.dispose()
        built.close()


@pytest.fixture
def erp(hub_database_url: str, tmp_path: Path) -> Iterator[Erp]:
    with erp_world(hub_database_url, tmp_path) as world:
        yield world


def _admin(tandem: bootstrap.Tandem) -> TestClient:
    return signed_in(tandem, add_people(tandem).admin)


def _work(client: TestClient) -> ErpWork:
    context: WebContext = client.app.state.web  # type: ignore[attr-defined]
    assert context.erp_work is not None
    return context.erp_work


def _post(client: TestClient, path: str, **form: str) -> tuple[int, str]:
    answer = client.post(path, data={"csrf_token": csrf_token(client, "/admin/erp"), **form})
    return answer.status_code, answer.text if answer.status_code != 303 else answer.headers["location"]


def _error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    assert found is not None, page
    return found.group(1)


def _rows(page: str, table: str) -> dict[str, list[str]]:
    """A table's body rows by their first cell: the other cells' texts."""
    body = re.search(rf'<table id="{table}".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body is not None, page
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


COUNTS = ("created", "updated", "linked", "excluded", "failed")


def _counts(page: str, table: str) -> dict[str, dict[str, int]]:
    return {entity: dict(zip(COUNTS, map(int, cells), strict=True)) for entity, cells in _rows(page, table).items()}


def _hub_customers(tandem: bootstrap.Tandem) -> int:
    with tandem.db.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Customer)) or 0)


def _run(client: TestClient, mode: str) -> str:
    """Run now, wait for it to end, and the page then."""
    status, where = _post(client, "/admin/erp/run", mode=mode)
    assert (status, where) == (303, "/admin/erp?done=started")
    _work(client).wait(RUN_WAIT_S)
    assert _work(client).running is None
    return client.get("/admin/erp").text


# --- without an ERP --------------------------------------------------------------------------


def test_the_page_without_an_erp_says_what_to_set_in_one_line(tandem: bootstrap.Tandem) -> None:
    admin = _admin(tandem)
    page = admin.get("/admin/erp")
    assert page.status_code == 200
    line = re.search(r'<p class="alert" role="alert" id="not-configured">(.*?)</p>', page.text)
    assert line is not None
    assert "<code>database_url</code> under <code>[erp]</code>" in line.group(1)
    assert "No runs yet." in page.text
    status, shown = _post(admin, "/admin/erp/preflight")
    assert status == 409
    assert _error(shown, "preflight").startswith("The ERP is not configured")
    status, shown = _post(admin, "/admin/erp/run", mode="real")
    assert status == 409
    assert _error(shown, "run").startswith("The ERP is not configured")
    assert re.search(r'id="mode-real" name="mode" value="real" checked', shown)  # what was chosen is kept


def test_erp_7_the_run_form_refuses_a_mode_it_does_not_know_beside_the_field(tandem: bootstrap.Tandem) -> None:
    admin = _admin(tandem)
    status, shown = _post(admin, "/admin/erp/run", mode="everything")
    assert status == 400
    assert _error(shown, "mode") == "Choose a dry run or a real run."
    assert 'aria-describedby="mode-error"' in shown
    assert _work(admin).last is None


def test_erp_3_the_enable_form_refuses_anything_but_on_or_off(tandem: bootstrap.Tandem) -> None:
    admin = _admin(tandem)
    status, shown = _post(admin, "/admin/erp/enabled", enabled="yes please")
    assert status == 400
    assert _error(shown, "enabled") == "Choose on or off."
    assert tandem.erp_state().is_enabled() is False


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/admin/erp/preflight", {}),
        ("/admin/erp/run", {"mode": "real"}),
        ("/admin/erp/enabled", {"enabled": "on"}),
        ("/admin/erp/rules", {"form": "rules", "master:customer": "erp"}),
        ("/admin/erp/rules/toml", {}),
    ],
)
@pytest.mark.parametrize("token", [None, "not-this-sessions-token"])
def test_every_erp_form_without_this_sessions_csrf_token_is_refused_and_changes_nothing(
    erp: Erp, path: str, form: dict[str, str], token: str | None
) -> None:
    admin = _admin(erp.tandem)
    sent = form if token is None else {"csrf_token": token, **form}
    answer = admin.post(path, data=sent)
    assert answer.status_code == 403
    assert "This form has expired or did not come from this site." in answer.text
    assert _work(admin).running is None
    assert _work(admin).last is None
    assert erp.tandem.erp_state().is_enabled() is False
    assert erp.tandem.erp_state().run_log() == ()
    assert erp.tandem.erp_state().saved_rules() is None


# --- the rules (ERP-1, ERP-4, ERP-5) -----------------------------------------------------------


def _rules_form(page: str) -> dict[str, dict[str, str | bool]]:
    """The rules form as the admin sees it: per entity, each box ticked or not, each list's
    chosen option, each typed value."""
    body = re.search(r'<table id="entities".*?<tbody>(.*?)</tbody>', page, re.S)
    assert body is not None, page
    shown: dict[str, dict[str, str | bool]] = {}
    for entity, row in re.findall(r'<tr id="entity-(\w+)">(.*?)</tr>', body.group(1), re.S):
        cells: dict[str, str | bool] = {}
        for name, attributes in re.findall(r'<input type="checkbox" id="[^"]+" name="(\w+):\w+"([^>]*)>', row):
            cells[name] = " checked" in attributes
        for name, options in re.findall(r'<select id="[^"]+" name="([\w-]+):\w+"[^>]*>(.*?)</select>', row, re.S):
            chosen = re.findall(r'<option value="([^"]*)" selected>', options)
            assert len(chosen) == 1, options
            cells[name] = chosen[0]
        typed = re.search(r'name="exclusion-value:\w+" value="([^"]*)"', row)
        assert typed is not None, row
        cells["exclusion-value"] = html.unescape(typed.group(1))
        shown[entity] = cells
    assert list(shown) == ["department", "product", "employee", "customer", "project"], page
    return shown


def _rules_sent(page: str, **changes: str | bool) -> dict[str, str]:
    """The rules form as a browser sends it, with `changes` ("transfer:product": True...) made."""
    sent: dict[str, str] = {"form": "rules"}
    for entity, cells in _rules_form(page).items():
        for name, value in cells.items():
            sent[f"{name}:{entity}"] = "on" if value is True else value if isinstance(value, str) else ""
    if re.search(r'id="transfer_invoices" name="transfer_invoices" checked', page):
        sent["transfer_invoices"] = "on"
    for name, value in changes.items():
        sent[name] = "on" if value is True else value if isinstance(value, str) else ""
    return {name: value for name, value in sent.items() if value != "" or not name.startswith(BOXES)}


BOXES = ("transfer:", "create_in_psa:", "create_in_erp:", "transfer_invoices")
"""Unticked boxes are not sent at all."""


@pytest.fixture
def no_products(hub_database_url: str, tmp_path: Path) -> Iterator[Erp]:
    """The ERP world with `[erp.entities.product] transfer = false` in its settings."""
    entities = {ErpEntity.PRODUCT: ErpEntitySettings(transfer=False)}
    with erp_world(hub_database_url, tmp_path, entities=entities) as world:
        yield world


def test_erp_4_erp_5_the_page_shows_the_rules_runs_apply_and_a_dry_run_follows_them(no_products: Erp) -> None:
    erp = no_products
    admin = _admin(erp.tandem)
    page = admin.get("/admin/erp").text
    rules = _rules_form(page)
    page = _run(admin, "dry")
    demo_rule = erp.manifest.settings.exclusions[ErpEntity.CUSTOMER]  # the demo marks its records so
    assert rules["customer"] == {
        "transfer": True,
        "master": "both",
        "create_in_psa": True,
        "create_in_erp": True,
        "exclusion-field": demo_rule.field,
        "exclusion-value": demo_rule.value,
    }
    assert rules["project"]["master"] == "psa"  # ERP-5: projects come from the PSA unless set otherwise
    assert rules["product"]["transfer"] is False
    assert "from tandem.toml" in html.unescape(_rules_source(page))
    assert 'id="not-configured"' not in page
    would = _counts(page, "last-run")
    assert "product" not in would  # not transferred, as the page says
    assert would["customer"]["excluded"] == len(erp.manifest.excluded[ErpEntity.CUSTOMER]) > 0


def _rules_source(page: str) -> str:
    found = re.search(r'<p id="rules-source">(.*?)</p>', page, re.S)
    assert found is not None, page
    return found.group(1)


def test_erp_1_erp_4_erp_5_rules_saved_on_the_page_are_what_the_next_dry_run_and_the_cli_apply(
    no_products: Erp,
) -> None:
    erp = no_products
    admin = _admin(erp.tandem)
    page = admin.get("/admin/erp").text
    employees_left_out = _rules_form(page)["employee"]  # tandem.toml's (the demo's) exclusion
    before = _counts(_run(admin, "dry"), "last-run")
    sent = _rules_sent(
        page,
        **{
            "transfer:product": True,  # ERP-1: products now transfer
            "exclusion-field:customer": "",  # ERP-4: no customer is left out any more
            "exclusion-value:customer": "",
            "master:project": "erp",  # ERP-5: projects now follow the ERP
            "transfer:department": False,
        },
    )
    assert _post(admin, "/admin/erp/rules", **sent) == (303, "/admin/erp?done=rules")
    page = admin.get("/admin/erp?done=rules").text
    assert "The rules are saved: every run from now on applies them" in page
    shown = _rules_form(page)
    assert (shown["product"]["transfer"], shown["department"]["transfer"]) == (True, False)
    assert (shown["employee"]["exclusion-field"], shown["employee"]["exclusion-value"]) == (
        employees_left_out["exclusion-field"],
        employees_left_out["exclusion-value"],
    )  # an exclusion not touched is kept as it was
    assert employees_left_out["exclusion-field"] != ""
    assert (shown["customer"]["exclusion-field"], shown["project"]["master"]) == ("", "erp")
    assert re.match(r"Every run applies the rules below, saved here by [^ ]+@[^ ]+ on 20", _rules_source(page))

    after = _counts(_run(admin, "dry"), "last-run")
    assert "product" not in before
    assert after["product"]["created"] + after["product"]["linked"] > 0
    assert "department" in before
    assert "department" not in after
    assert before["customer"]["excluded"] > 0
    assert after["customer"]["excluded"] == 0

    # `tandem erp dry-run` (a Tandem built afresh from the same settings) applies them too
    again = bootstrap.build(erp.tandem.settings)
    try:
        report = again.erp_integration().run(datetime.now(UTC), dry_run=True)
    finally:
        again.close()
    assert {e.entity for e in report.entities} >= {ErpEntity.PRODUCT}
    assert ErpEntity.DEPARTMENT not in {e.entity for e in report.entities}

    assert _post(admin, "/admin/erp/rules/toml") == (303, "/admin/erp?done=toml")
    page = admin.get("/admin/erp?done=toml").text
    assert "tandem.toml's rules apply again" in html.unescape(page)
    assert _rules_form(page)["product"]["transfer"] is False
    assert _counts(_run(admin, "dry"), "last-run").keys() == before.keys()


def test_erp_4_erp_5_a_refused_rules_form_says_why_beside_each_field_keeps_what_was_typed_and_saves_nothing(
    erp: Erp,
) -> None:
    admin = _admin(erp.tandem)
    page = admin.get("/admin/erp").text
    sent = _rules_sent(
        page,
        **{
            "master:project": "the boss",
            "exclusion-field:customer": "",  # a value without its field
            "exclusion-value:customer": "7",
            "exclusion-field:product": "Gr5",  # a field without its value
            "exclusion-value:product": "",
            "exclusion-field:department": "Nm",  # not a Group field
            "exclusion-value:department": "1",
            "transfer:employee": False,
        },
    )
    status, shown = _post(admin, "/admin/erp/rules", **sent)
    assert status == 400
    assert _error(shown, "rules") == "Nothing was saved: fix the fields marked below."
    assert _error(shown, "master-project") == "Choose where updates come from: the PSA, the ERP or both ways."
    assert _error(shown, "exclusion-customer") == "Choose the Group field that holds this value, or clear the value."
    assert _error(shown, "exclusion-product") == "Type the value of Gr5 that keeps a record out (for example 1)."
    assert _error(shown, "exclusion-department") == "Choose a Group field (Gr, Gr2 … Gr12), or none."
    assert 'aria-describedby="master-project-error"' in shown
    assert "master-employee-error" not in shown
    typed = _rules_form(shown)
    assert typed["customer"]["exclusion-value"] == "7"
    assert typed["product"]["exclusion-field"] == "Gr5"
    assert typed["employee"]["transfer"] is False  # an untouched field keeps what was chosen too
    assert erp.tandem.erp_state().saved_rules() is None
    assert _rules_form(admin.get("/admin/erp").text)["employee"]["transfer"] is True


# --- the preflight and enabling (ERP-3) --------------------------------------------------------


def test_erp_3_the_preflight_shows_a_planted_duplicate_key_highlighted_with_its_fix(erp: Erp) -> None:
    admin = _admin(erp.tandem)
    status, clean = _post(admin, "/admin/erp/preflight")
    assert status == 200
    assert "Preflight passed: 0 blocking problems" in clean
    assert 'class="finding-blocking"' not in clean

    number = erp.plant_duplicate_customer()
    status, page = _post(admin, "/admin/erp/preflight")
    assert status == 200
    assert re.search(r'<p id="verdict" class="alert">Preflight failed: 1 blocking problem,', page)
    blocking = re.findall(r'<tr class="finding-blocking">(.*?)</tr>', page, re.S)
    assert len(blocking) == 1
    assert (
        f'<td>Blocking</td><th scope="row">Duplicate key<span class="where">customer {number}</span></th>'
        in blocking[0]
    )
    assert "Give one of the two records another number or code" in blocking[0]
    first_row = re.search(r'<table id="findings".*?<tbody>\s*<tr class="([^"]+)"', page, re.S)
    assert first_row is not None
    assert first_row.group(1) == "finding-blocking"  # problems first
    would = _rows(page, "would")
    assert set(would) == {"department", "product", "employee", "customer", "project", "invoice"}


def test_erp_3_enabling_with_a_failed_preflight_is_refused_unless_forced(erp: Erp) -> None:
    admin = _admin(erp.tandem)
    erp.plant_duplicate_customer()
    status, page = _post(admin, "/admin/erp/enabled", enabled="on")
    assert status == 400
    assert _error(page, "enabled").startswith("Not enabled: the preflight found 1 blocking problem(s)")
    assert len(re.findall(r'<tr class="finding-blocking">', page)) == 1
    assert '<dd id="enabled-state">Disabled</dd>' in page
    assert erp.tandem.erp_state().is_enabled() is False

    assert _post(admin, "/admin/erp/enabled", enabled="on", force="on") == (303, "/admin/erp?done=forced")
    page = admin.get("/admin/erp?done=forced").text
    assert '<dd id="enabled-state">Enabled</dd>' in page
    assert "enabled despite the preflight's blocking problems" in html.unescape(page)
    assert erp.tandem.erp_state().is_enabled() is True

    assert _post(admin, "/admin/erp/enabled", enabled="off") == (303, "/admin/erp?done=off")
    assert '<dd id="enabled-state">Disabled</dd>' in admin.get("/admin/erp").text
    assert erp.tandem.erp_state().is_enabled() is False


# --- runs (ERP-7) ----------------------------------------------------------------------------


def test_erp_7_a_dry_run_shows_what_it_would_do_and_writes_nothing_then_the_run_does_it(erp: Erp) -> None:
    admin = _admin(erp.tandem)
    hub_before, erp_before = _hub_customers(erp.tandem), erp.customer_actors()

    page = _run(admin, "dry")
    assert "Dry run, nothing written: what a run would do" in page
    would = _counts(page, "last-run")
    assert would["customer"]["created"] > 0
    assert (_hub_customers(erp.tandem), erp.customer_actors()) == (hub_before, erp_before)
    assert erp.tandem.erp_state().links(ErpEntity.CUSTOMER) == {}  # nothing linked either
    assert erp.tandem.erp_state().run_log() == ()  # a dry run is not kept
    assert "No runs yet." in page

    page = _run(admin, "real")
    assert "What the run did" in page
    did = _counts(page, "history-1")
    assert did == _counts(page, "last-run")
    assert did["customer"]["created"] == would["customer"]["created"]  # the dry run told the truth
    made = (_hub_customers(erp.tandem) - hub_before) + (erp.customer_actors() - erp_before)
    assert did["customer"]["created"] == made


def test_erp_7_the_history_shows_each_runs_per_entity_counts_and_failures(erp: Erp) -> None:
    admin = _admin(erp.tandem)
    number = erp.plant_duplicate_customer()
    _run(admin, "real")
    page = _run(admin, "real")
    first, second = _counts(page, "history-2"), _counts(page, "history-1")  # newest first
    assert set(first) == {"department", "product", "employee", "customer", "project", "invoice"}
    assert sum(first["customer"][n] for n in ("created", "linked")) > 0
    assert second["customer"]["created"] == 0  # nothing new the second time
    assert first["customer"]["failed"] >= 1
    failures = re.search(r'<article class="run" id="run-2">.*?<details class="failures">(.*?)</details>', page, re.S)
    assert failures is not None
    assert re.search(rf"<li>customer {number}: [^<]*used by 2 ERP records", failures.group(1))


def test_erp_7_a_run_already_going_is_not_started_twice(erp: Erp) -> None:
    admin = _admin(erp.tandem)
    gate = threading.Event()

    def slow_integration() -> ErpIntegration:
        assert gate.wait(RUN_WAIT_S)
        return erp.tandem.erp_integration()

    context: WebContext = admin.app.state.web  # type: ignore[attr-defined]
    context.erp_work = ErpWork(slow_integration)
    assert _post(admin, "/admin/erp/run", mode="real") == (303, "/admin/erp?done=started")
    going = admin.get("/admin/erp?done=started").text
    assert re.search(r'<p class="notice" role="status" id="running">A run is going \(started ', going)
    assert '<meta http-equiv="refresh" content="3">' in going

    status, page = _post(admin, "/admin/erp/run", mode="dry")
    assert status == 409
    assert re.match(r"A run is already going \(started [^)]+\); wait for it to end\.", _error(page, "run"))
    assert re.search(r'id="mode-dry" name="mode" value="dry" checked', page)  # the choice is kept
    status, page = _post(admin, "/admin/erp/preflight")
    assert status == 409
    assert "A run is already going" in _error(page, "preflight")

    gate.set()
    context.erp_work.wait(RUN_WAIT_S)
    assert len(erp.tandem.erp_state().run_log()) == 1  # one run, not two
    page = admin.get("/admin/erp?done=started").text
    assert 'id="running"' not in page
    assert "The run has ended: its result is below." in page
    assert "The last run started here" in page


def test_no_erp_password_reaches_the_page_even_when_the_erp_cannot_be_reached(
    hub_database_url: str, tmp_path: Path
) -> None:
    url = "postgresql+psycopg://visma:Pa55-word-of-erp@127.0.0.1:1/F0001"  # nothing listens on port 1
    built = bootstrap.build(settings_for(hub_database_url, tmp_path, erp=ErpSettings(database_url=url)))
    try:
        admin = _admin(built)
        page = admin.get("/admin/erp").text
        assert "<code>postgresql+psycopg://visma:***@127.0.0.1:1/F0001</code>" in page
        status, shown = _post(admin, "/admin/erp/preflight")
        assert status == 409
        unreachable = "Visma Business database: connection failed"
        assert _error(shown, "preflight").startswith(f"The ERP could not be read: {unreachable}")
        page = _run(admin, "real")
        assert f'id="last-error">It could not run: {unreachable}' in page
        assert re.search(r'<article class="run" id="run-1">.*?It could not run: \w+', page, re.S)
        for shown_page in (shown, page, admin.get("/admin").text):
            assert "Pa55-word-of-erp" not in shown_page
    finally:
        built.close()


def test_erp_3_every_kind_of_finding_has_its_words_and_fix_on_the_page() -> None:
    from tandem.domain.erp import FindingKind
    from tandem.web.erp import FIX, WHAT

    assert set(WHAT) == set(FIX) == set(FindingKind)  # a new kind never breaks the page


def test_erp_7_a_run_ending_while_the_page_is_made_never_leaves_it_saying_started_without_reloading(
    tandem: bootstrap.Tandem,
) -> None:
    """The page after Run now says "started" and reloads itself until the run ends; a run that
    ends while that page is being made must not leave it saying "started" with no reload (it
    then stayed so for good)."""
    from datetime import UTC, datetime

    from tandem.web.erp_work import Running

    class EndingNow:
        """A run seen going at the first look and ended at every later one."""

        last = None

        def __init__(self) -> None:
            self.looks = 0

        @property
        def running(self) -> Running | None:
            self.looks += 1
            return Running(True, datetime.now(UTC)) if self.looks == 1 else None

    admin = _admin(tandem)
    context: WebContext = admin.app.state.web  # type: ignore[attr-defined]
    context.erp_work = EndingNow()  # type: ignore[assignment]
    page = admin.get("/admin/erp?done=started").text
    says_started = "The run has started." in page
    reloads = '<meta http-equiv="refresh" content="3">' in page
    assert says_started == reloads, "says started" if says_started else "reloads for nothing"
