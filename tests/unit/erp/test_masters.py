"""ERP-5: directions and masters, both-ways merge against the base snapshot, names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tandem.domain.erp import EntityRule, ErpRules, Side, default_rules
from tandem.erp import CreateInErp, CreateInPsa, SyncPair
from tandem.erp.merge import FIELD_DECISIONS, FieldDecision, resolve
from tandem.erp.names import join_full_name, split_full_name
from tests.unit.erp.fakes import T0, C, D, E, J, P, erp, link, plan_for, psa

LATER = T0 + timedelta(hours=1)


def only_pair(the_plan, entity) -> SyncPair:  # type: ignore[no-untyped-def]
    (action,) = the_plan.entity(entity).actions
    assert isinstance(action, SyncPair)
    return action


def test_erp_5_project_updates_flow_from_the_psa_only() -> None:
    base = link(J, "g1", "5001", name="Intranet")
    erp_edited = plan_for(
        [erp(J, "5001", "Intranet v2", guid="g1", at=LATER)], [psa(J, "5001", "Intranet", guid="g1")], [base]
    )
    psa_edited = plan_for(
        [erp(J, "5001", "Intranet", guid="g1")], [psa(J, "5001", "Intranet 2.0", guid="g1", at=LATER)], [base]
    )

    assert only_pair(erp_edited, J).to_erp == {"name": "Intranet"}  # the ERP's edit is put back
    assert only_pair(psa_edited, J).to_erp == {"name": "Intranet 2.0"}
    assert only_pair(psa_edited, J).to_psa == {}


def test_erp_5_product_updates_flow_from_the_erp_only() -> None:
    base = link(P, "g1", "P1", name="Licence")
    the_plan = plan_for(
        [erp(P, "P1", "Licence", guid="g1")], [psa(P, "P1", "Licence Pro", guid="g1", at=LATER)], [base]
    )

    assert only_pair(the_plan, P).to_psa == {"name": "Licence"}
    assert only_pair(the_plan, P).to_erp == {}


@pytest.mark.parametrize("entity", [C, E, D])
def test_erp_5_both_ways_entities_take_an_edit_from_either_side(entity) -> None:  # type: ignore[no-untyped-def]
    name = "Acme Oy" if entity is not E else "Aino Virtanen"
    base = {"name": name, "email": None} if entity is not D else {"name": name}
    old = link(entity, "g1", "10", **base)

    from_erp = plan_for(
        [erp(entity, "10", name + " X", guid="g1", at=LATER)], [psa(entity, "10", name, guid="g1")], [old]
    )
    from_psa = plan_for(
        [erp(entity, "10", name, guid="g1")], [psa(entity, "10", name + " Y", guid="g1", at=LATER)], [old]
    )

    assert only_pair(from_erp, entity).to_erp == {}
    assert only_pair(from_psa, entity).to_erp == {"name": name + " Y"}
    assert only_pair(from_psa, entity).to_psa == {}
    expected_psa = {"first_name": "Aino Virtanen", "last_name": "X"} if entity is E else {"name": name + " X"}
    assert only_pair(from_erp, entity).to_psa == expected_psa


def test_erp_5_a_conflicting_edit_is_won_by_the_newer_change_and_recorded() -> None:
    base = link(C, "g1", "10001", name="Acme Oy", email="info@acme.example")
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oyj", email="info@acme.example", guid="g1", at=T0 + timedelta(minutes=5))],
        [psa(C, "10001", "ACME Group Oy", email="sales@acme.example", guid="g1", at=T0 + timedelta(minutes=9))],
        [base],
    )

    action = only_pair(the_plan, C)
    # name: both changed, the PSA's edit is newer; email: only the PSA changed it.
    assert action.to_erp == {"name": "ACME Group Oy", "email": "sales@acme.example"}
    assert action.to_psa == {}
    (conflict,) = action.conflicts
    assert (conflict.field, conflict.base_value, conflict.psa_value, conflict.erp_value, conflict.winner) == (
        "name",
        "Acme Oy",
        "ACME Group Oy",
        "Acme Oyj",
        Side.PSA,
    )
    assert dict(action.base.values) == {"name": "ACME Group Oy", "email": "sales@acme.example"}


def test_erp_5_the_erp_wins_a_conflict_when_its_change_is_newer() -> None:
    base = link(C, "g1", "10001", name="Acme Oy", email=None)
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oyj", guid="g1", at=T0 + timedelta(minutes=9))],
        [psa(C, "10001", "ACME Group Oy", guid="g1", at=T0 + timedelta(minutes=5))],
        [base],
    )

    action = only_pair(the_plan, C)
    assert action.to_psa == {"name": "Acme Oyj"}
    assert action.to_erp == {}
    assert action.conflicts[0].winner is Side.ERP


def test_erp_5_the_same_edit_on_both_sides_is_no_conflict_and_writes_nothing() -> None:
    base = link(C, "g1", "10001", name="Acme Oy", email=None)
    the_plan = plan_for([erp(C, "10001", "Acme Oyj", guid="g1")], [psa(C, "10001", "Acme Oyj", guid="g1")], [base])

    action = only_pair(the_plan, C)
    assert not action.writes_records
    assert action.conflicts == ()
    assert dict(action.base.values) == {"name": "Acme Oyj", "email": None}  # the new agreement is remembered


def test_erp_5_the_merge_table_covers_every_combination() -> None:
    assert set(FIELD_DECISIONS) == {(False, False), (True, False), (False, True), (True, True)}
    cases = {
        (False, False): ({"name": "A"}, {"name": "A"}, {}, {}),
        (True, False): ({"name": "P"}, {"name": "A"}, {"name": "P"}, {}),
        (False, True): ({"name": "A"}, {"name": "E"}, {}, {"name": "E"}),
        (True, True): ({"name": "P"}, {"name": "E"}, {"name": "P"}, {}),
    }
    for changed, (psa_values, erp_values, to_erp, to_psa) in cases.items():
        result = resolve(C, "1", Side.BOTH, psa_values, erp_values, {"name": "A"}, LATER, T0)
        assert FIELD_DECISIONS[changed] in FieldDecision
        assert (result.to_erp, result.to_psa) == (to_erp, to_psa), changed


def test_erp_5_a_first_link_takes_the_newer_record_as_a_whole() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", email="old@acme.example", at=LATER)],
        [psa(C, "10001", "Acme", email=None, guid="g1", at=T0)],
    )

    action = only_pair(the_plan, C)
    assert action.to_psa == {"name": "Acme Oy", "email": "old@acme.example"}
    assert action.to_erp == {}


def test_erp_5_new_records_may_start_on_either_side_unless_turned_off() -> None:
    records = ([erp(C, "10001", "Acme Oy")], [psa(C, "20001", "Globex Ltd")])
    one_way = ErpRules({C: EntityRule(master=Side.BOTH, create_in_psa=False)})

    both = plan_for(*records)
    only_to_erp = plan_for(*records, rules=one_way)

    assert {type(a) for a in both.entity(C).actions} == {CreateInPsa, CreateInErp}
    assert {type(a) for a in only_to_erp.entity(C).actions} == {CreateInErp}
    assert [i.key for i in only_to_erp.entity(C).excluded] == ["10001"]


def test_erp_5_an_entity_that_does_not_transfer_is_not_planned() -> None:
    rules = default_rules(transfer={P: False})
    the_plan = plan_for([erp(P, "P1", "Licence")], [psa(P, "Q1", "Travel")], rules=rules)

    assert P not in {e.entity for e in the_plan.entities}


def test_erp_5_erp_employees_reach_the_psa_only_with_an_email() -> None:
    the_plan = plan_for([erp(E, "7", "Aino Virtanen", email=None), erp(E, "8", "Eino Laine", email="eino@x.example")])

    assert [a.key for a in the_plan.entity(E).actions] == ["8"]
    assert [i.key for i in the_plan.entity(E).excluded] == ["7"]


def test_erp_5_full_names_split_on_the_last_space_and_a_single_name_gets_first_name_questionmark() -> None:
    assert split_full_name("Anna Maria Virtanen") == ("Anna Maria", "Virtanen")
    assert split_full_name("Madonna") == ("?", "Madonna")
    assert join_full_name("?", "Madonna") == "Madonna"
    assert join_full_name("Emma", "van Dijk") == "Emma van Dijk"

    the_plan = plan_for([erp(E, "8", "Madonna", email="m@x.example")])
    (create,) = the_plan.entity(E).actions
    assert isinstance(create, CreateInPsa)
    assert create.psa_fields == {"first_name": "?", "last_name": "Madonna", "email": "m@x.example"}


def test_erp_5_a_name_that_splits_differently_does_not_flap() -> None:
    # "Emma" + "van Dijk" in the PSA is "Emma van Dijk" in the ERP: linked, nothing to update.
    base = link(E, "g1", "9", name="Emma van Dijk", email=None)
    the_plan = plan_for([erp(E, "9", "Emma van Dijk", guid="g1")], [psa(E, "9", "Emma van Dijk", guid="g1")], [base])
    assert the_plan.entity(E).actions == ()


def test_erp_5_all_psa_users_go_to_the_erp_as_employees() -> None:
    the_plan = plan_for([], [psa(E, "31", "Aino Virtanen", email="aino@x.example"), psa(E, "32", "Eino Laine")])

    assert sorted(a.key for a in the_plan.entity(E).actions if isinstance(a, CreateInErp)) == ["31", "32"]


def test_erp_5_a_record_the_other_side_cannot_hold_fails_and_the_plan_goes_on() -> None:
    the_plan = plan_for(
        [],
        [
            psa(C, "20001", "A" * 51),  # Actor.Nm holds 50
            psa(E, "AB12", "Aino Virtanen"),  # an employee number is a number
            psa(C, "20002", "Globex Ltd"),
        ],
    )

    assert [a.key for a in the_plan.entity(C).actions] == ["20002"]
    reasons = {f.key: f.reason for e in (C, E) for f in the_plan.entity(e).failures}
    assert "51 characters" in reasons["20001"]
    assert "allows 50" in reasons["20001"]
    assert "positive number" in reasons["AB12"]


def test_erp_5_a_key_taken_on_the_other_side_is_not_created_twice() -> None:
    # ERP 10001 is held (a duplicate); the PSA's own 10001 must not be created in the ERP either.
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", row="a"), erp(C, "10001", "Birka Oy", row="b")],
        [psa(C, "10001", "Celsius Oy")],
    )

    assert the_plan.entity(C).actions == ()
    assert any("already has a record with this key" in f.reason for f in the_plan.entity(C).failures)
