"""ERP-2: matching by number/code, then name."""

from __future__ import annotations

from datetime import timedelta

from tandem.domain.erp import FindingKind, ProblemRef, Side
from tandem.erp import CreateInErp, CreateInPsa, SyncPair
from tandem.erp.names import normalize_name
from tests.unit.erp.fakes import T0, C, D, E, P, erp, link, plan_for, psa


def refs(the_plan) -> set[ProblemRef]:  # type: ignore[no-untyped-def]
    return {f.ref for f in the_plan.findings}


def test_erp_2_same_number_links_the_two_records() -> None:
    the_plan = plan_for([erp(C, "10001", "Acme Oy")], [psa(C, "10001", "Acme Oy", guid="g1")])

    (action,) = the_plan.entity(C).actions
    assert isinstance(action, SyncPair)
    assert (action.key, action.psa_guid, action.erp_row_id, action.new_link) == ("10001", "g1", "row-10001", True)
    assert action.store_guid  # the ERP keeps the PSA guid in its information field
    assert not action.to_erp
    assert not action.to_psa
    assert refs(the_plan) == set()


def test_erp_2_same_number_with_another_name_links_with_a_warning() -> None:
    the_plan = plan_for([erp(C, "10001", "Acme Oy")], [psa(C, "10001", "Globex Ltd", guid="g1")])

    (action,) = the_plan.entity(C).actions
    assert isinstance(action, SyncPair)
    assert action.new_link
    (found,) = the_plan.findings
    assert found.ref == ProblemRef(FindingKind.NAME_MISMATCH, C, Side.BOTH, ("10001",))
    assert found.severity == "warning"


def test_erp_2_same_name_with_another_number_is_reported_and_never_linked() -> None:
    the_plan = plan_for([erp(C, "10001", "Acme Oy")], [psa(C, "20001", "Acme Oy", guid="g1")])

    assert the_plan.entity(C).actions == ()  # neither linked nor copied to the other side
    assert refs(the_plan) == {ProblemRef(FindingKind.EQUAL_NAME_DIFFERENT_KEY, C, Side.BOTH, ("10001", "20001"))}
    assert {(f.key, f.side) for f in the_plan.entity(C).failures} == {("10001", Side.ERP), ("20001", Side.PSA)}


def test_erp_2_names_compare_without_case_or_extra_spaces() -> None:
    assert normalize_name("  ACME   oy ") == normalize_name("Acme Oy")
    the_plan = plan_for([erp(C, "10001", "ACME  oy")], [psa(C, "20001", "Acme Oy")])

    assert refs(the_plan) == {ProblemRef(FindingKind.EQUAL_NAME_DIFFERENT_KEY, C, Side.BOTH, ("10001", "20001"))}


def test_erp_2_a_new_record_named_like_a_linked_one_is_held() -> None:
    # ERP 10002 "Acme Oy" would become a second "Acme Oy" in the PSA, beside the linked 10001.
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", guid="g1"), erp(C, "10002", "Acme Oy", row="r2")],
        [psa(C, "10001", "Acme Oy", guid="g1")],
        [link(C, "g1", "10001", name="Acme Oy", email=None)],
    )

    assert not any(isinstance(a, CreateInPsa) for a in the_plan.entity(C).actions)
    assert refs(the_plan) == {ProblemRef(FindingKind.EQUAL_NAME_DIFFERENT_KEY, C, Side.BOTH, ("10002", "10001"))}


def test_erp_2_the_guid_kept_in_the_erp_relinks_after_the_state_is_lost() -> None:
    the_plan = plan_for([erp(D, "10", "Sales", guid="g1")], [psa(D, "10", "Sales", guid="g1")])

    (action,) = the_plan.entity(D).actions
    assert isinstance(action, SyncPair)
    assert action.new_link
    assert not action.store_guid


def test_erp_2_a_key_used_twice_holds_every_record_with_it() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", row="a"), erp(C, "10001", "Acme Trading Oy", row="b")],
        [psa(C, "10001", "Acme Oy")],
    )

    assert the_plan.entity(C).actions == ()
    assert refs(the_plan) == {ProblemRef(FindingKind.DUPLICATE_KEY, C, Side.ERP, ("10001",))}
    assert len(the_plan.entity(C).failures) == 3  # two ERP rows, and the PSA record cannot be created either


def test_erp_2_records_without_a_key_fail_with_a_reason_and_the_rest_goes_on() -> None:
    the_plan = plan_for(
        [erp(P, None, "Unnumbered service", row="x"), erp(P, "P1", "Licence")],
        [psa(E, None, "Aino Virtanen", email="aino@x.example")],
    )

    assert [a.key for a in the_plan.entity(P).actions] == ["P1"]
    assert refs(the_plan) == {
        ProblemRef(FindingKind.MISSING_KEY, P, Side.ERP, ("Unnumbered service",)),
        ProblemRef(FindingKind.MISSING_KEY, E, Side.PSA, ("Aino Virtanen",)),
    }
    assert "no number/code" in the_plan.entity(E).failures[0].reason


def test_erp_2_unmatched_records_are_created_on_the_other_side() -> None:
    the_plan = plan_for(
        [erp(C, "10001", "Acme Oy", email="a@acme.example")], [psa(C, "20001", "Globex Ltd", guid="g2")]
    )

    kinds = {type(a): a for a in the_plan.entity(C).actions}
    assert kinds[CreateInPsa].key == "10001"
    assert kinds[CreateInPsa].psa_fields == {"name": "Acme Oy", "email": "a@acme.example"}
    assert kinds[CreateInErp].key == "20001"
    assert kinds[CreateInErp].psa_guid == "g2"


def test_erp_2_names_are_compared_as_they_will_be_after_the_run() -> None:
    base = link(C, "g1", "10001", name="Acme Oy", email=None)
    linked_psa = psa(C, "10001", "Acme Oy", guid="g1")
    renamed_in_erp = erp(C, "10001", "Birka Oy", guid="g1", at=T0 + timedelta(minutes=5))

    ends_a_clash = plan_for([renamed_in_erp, erp(C, "10002", "Acme Oy", row="r2")], [linked_psa], [base])
    starts_a_clash = plan_for([renamed_in_erp, erp(C, "10003", "Birka Oy", row="r3")], [linked_psa], [base])

    # "Acme Oy" is free in the PSA once 10001 takes its new name: 10002 is copied in this run.
    assert [a.key for a in ends_a_clash.entity(C).actions if isinstance(a, CreateInPsa)] == ["10002"]
    # 10001 becomes "Birka Oy" in the PSA in this run: 10003 "Birka Oy" is held, not copied.
    assert not any(isinstance(a, CreateInPsa) for a in starts_a_clash.entity(C).actions)
    assert refs(starts_a_clash) == {ProblemRef(FindingKind.EQUAL_NAME_DIFFERENT_KEY, C, Side.BOTH, ("10003", "10001"))}
