"""ERP-4: exclusion by Group field and value."""

from __future__ import annotations

import pytest

from tandem.domain.erp import ErpRules, GroupExclusion, Side, default_rules
from tandem.erp import CreateInErp, CreateInPsa
from tests.unit.erp.fakes import C, D, E, erp, link, plan_for, psa

EXCLUDE_GR3 = default_rules(exclusions={C: GroupExclusion("Gr3", "1"), D: GroupExclusion("Gr", "9")})


def test_erp_4_an_erp_record_with_the_group_value_does_not_transfer() -> None:
    the_plan = plan_for([erp(C, "10001", "Old Customer Oy", groups={"Gr3": "1"})], rules=EXCLUDE_GR3)

    assert the_plan.entity(C).actions == ()
    (excluded,) = the_plan.entity(C).excluded
    assert excluded.key == "10001"
    assert "Gr3 = 1" in excluded.reason


def test_erp_4_other_values_and_other_group_fields_still_transfer() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", groups={"Gr3": "2"}), erp(C, "10002", "Birka Oy", groups={"Gr4": "1"})],
        rules=EXCLUDE_GR3,
    )

    assert sorted(a.key for a in the_plan.entity(C).actions if isinstance(a, CreateInPsa)) == ["10001", "10002"]
    assert the_plan.entity(C).excluded == ()


def test_erp_4_each_entity_has_its_own_group_field() -> None:
    the_plan = plan_for(
        [
            erp(D, "10", "Archive", groups={"Gr": "9"}),
            erp(E, "10", "Aino Virtanen", email="a@x.example", groups={"Gr3": "1"}),
        ],
        rules=EXCLUDE_GR3,
    )

    assert [i.key for i in the_plan.entity(D).excluded] == ["10"]
    assert [a.key for a in the_plan.entity(E).actions] == ["10"]


def test_erp_4_a_linked_record_excluded_later_is_left_alone_on_both_sides() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy Renamed In ERP", groups={"Gr3": "1"}, guid="g1")],
        [psa(C, "10001", "Acme Oy Renamed In PSA", guid="g1")],
        [link(C, "g1", "10001", name="Acme Oy", email=None)],
        rules=EXCLUDE_GR3,
    )

    assert the_plan.entity(C).actions == ()  # no update, no delete, no copy, either way
    assert the_plan.entity(C).failures == ()
    assert [(i.key, i.side) for i in the_plan.entity(C).excluded] == [("10001", Side.ERP)]  # reported once


def test_erp_4_a_psa_record_with_the_number_of_an_excluded_erp_record_is_excluded_with_it() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", groups={"Gr3": "1"})],
        [psa(C, "10001", "Acme Oy", guid="g1")],
        rules=EXCLUDE_GR3,
    )

    assert not any(isinstance(a, CreateInErp) for a in the_plan.entity(C).actions)
    assert the_plan.entity(C).actions == ()
    assert the_plan.entity(C).failures == ()


def test_erp_4_only_gr_to_gr12_can_exclude() -> None:
    assert GroupExclusion("Gr12", "1").field == "Gr12"
    with pytest.raises(ValueError, match="not a Group field"):
        GroupExclusion("Gr13", "1")
    with pytest.raises(ValueError, match="not a Group field"):
        GroupExclusion("Inf8", "1")


def test_erp_4_without_an_exclusion_rule_everything_transfers() -> None:
    rules: ErpRules = default_rules()
    the_plan = plan_for([erp(C, "10001", "Acme Oy", groups={"Gr3": "1"})], rules=rules)

    assert [a.key for a in the_plan.entity(C).actions] == ["10001"]
