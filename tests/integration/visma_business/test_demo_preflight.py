"""ERP-3/ERP-4 over the demo database: the preflight finds what was planted, and nothing else."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import sqlalchemy as sa

from tandem.connectors.memory.master_data import MemoryErpStateStore, MemoryPsaMasterData
from tandem.connectors.visma_business import VismaBusinessErp
from tandem.demo.visma_business import names as pools
from tandem.demo.visma_business.database import DemoScale, create_demo_database, demo_psa_seed
from tandem.domain.erp import MASTER_ENTITIES, ErpEntity, FindingKind, Side
from tandem.domain.errors import ConfigurationError
from tandem.runtime.erp import (
    ErpIntegration,
    ErpSyncSettings,
    describe_preflight,
)
from tests.integration.visma_business.conftest import T0, DemoWorld


def test_erp_3_preflight_over_the_demo_finds_every_planted_problem_and_nothing_else(demo: DemoWorld) -> None:
    report = demo.integration.preflight(T0)
    text = "\n".join(describe_preflight(report))

    found = {f.ref for f in report.findings}
    assert found == demo.manifest.problems
    # One of each, at least; a PSA that cannot create records is a setting, not data (tested apart).
    assert set(FindingKind) - {FindingKind.CANNOT_CREATE} == {p.kind for p in demo.manifest.problems}
    assert not report.passed
    assert {f.ref.kind for f in report.blocking} == {
        FindingKind.CUSTOMER_SERIES_OVERLAP,
        FindingKind.INVOICE_SERIES_OVERLAP,
        FindingKind.DUPLICATE_KEY,
    }
    assert text.startswith("preflight: FAILED")
    assert "overlaps the PSA's customer numbering" in text


def test_erp_3_the_preflight_reads_and_never_writes(demo: DemoWorld) -> None:
    demo.sql.clear()
    report = demo.integration.preflight(T0)

    assert demo.sql.writes() == []
    assert demo.psa.writes == 0
    customers = report.summary(ErpEntity.CUSTOMER)
    assert customers.create_in_psa > 300
    assert customers.link > 100
    assert customers.create_in_erp > 50


def test_erp_3_the_demo_without_planted_problems_passes(empty_database_url: str) -> None:
    manifest = create_demo_database(empty_database_url, seed=3, plant_problems=False)
    engine = sa.create_engine(empty_database_url)
    try:
        integration = ErpIntegration(
            VismaBusinessErp(engine, manifest.settings),
            MemoryPsaMasterData(manifest.psa_seed),
            MemoryErpStateStore(),
            ErpSyncSettings().rules(manifest.settings.group_exclusions()),
        )
        report = integration.preflight(T0)
    finally:
        engine.dispose()

    assert manifest.problems == frozenset()
    assert report.findings == ()
    assert report.passed


def test_erp_4_the_demo_records_carrying_the_group_values_are_excluded(demo: DemoWorld) -> None:
    report = demo.integration.preflight(T0)

    for entity in MASTER_ENTITIES:
        by_group = {i.key for i in report.plan.entity(entity).excluded if i.reason.startswith("excluded by")}
        assert by_group == demo.manifest.excluded[entity], entity
        assert all(i.side is Side.ERP for i in report.plan.entity(entity).excluded)


def test_demo_refuses_a_database_that_already_has_data(demo: DemoWorld) -> None:
    with pytest.raises(ConfigurationError, match="already holds"):
        create_demo_database(demo.url, seed=11)


def test_demo_manifest_is_json_and_the_psa_half_can_be_regenerated_from_it(demo: DemoWorld) -> None:
    data = json.loads(demo.manifest.to_json())

    assert demo_psa_seed(data["seed"], DemoScale(**data["scale"]), plant_problems=data["plant_problems"]) == (
        demo.manifest.psa_seed
    )

    assert len(data["problems"]) == len(demo.manifest.problems)
    assert data["row_counts"]["Actor"] > 800
    assert data["settings"]["departments_table"] == "R1"
    assert data["excluded"]["customer"]


def test_demo_word_pools_hold_distinct_words_so_no_unplanned_equal_names_appear() -> None:
    for pool in (pools.COMPANY_WORDS, pools.COMPANY_KINDS, pools.LEGAL_FORMS, pools.FIRST_NAMES, pools.LAST_NAMES):
        counts = Counter(word.casefold() for word in pool)
        assert [word for word, n in counts.items() if n > 1] == []
