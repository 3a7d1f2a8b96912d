"""`[erp.visma]` settings refuse what cannot work before anything connects."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tandem.connectors.visma_business import VismaBusinessSettings
from tandem.domain.erp import ErpEntity, GroupExclusion


def test_defaults_follow_erp_md() -> None:
    settings = VismaBusinessSettings()

    assert (settings.departments_table, settings.projects_table, settings.psa_guid_field) == ("R1", "R2", "Inf8")
    assert settings.group_exclusions() == {ErpEntity.EMPLOYEE: GroupExclusion("Gr", "1")}


@pytest.mark.parametrize(
    "overrides",
    [
        {"departments_table": "R13"},
        {"departments_table": "R2", "projects_table": "R2"},
        {"psa_guid_field": "Inf9"},
        {"time_zone": "Mars/Olympus"},
        {"exclusions": {"customer": {"field": "Gr13", "value": "1"}}},
        {"actor": {"table": "Actor; DROP TABLE x"}},
    ],
)
def test_impossible_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        VismaBusinessSettings.model_validate({**VismaBusinessSettings().model_dump(), **overrides})


def test_exclusions_read_from_toml_shaped_data() -> None:
    settings = VismaBusinessSettings.model_validate({"exclusions": {"customer": {"field": "Gr4", "value": "1"}}})

    assert settings.group_exclusions() == {ErpEntity.CUSTOMER: GroupExclusion("Gr4", "1")}
