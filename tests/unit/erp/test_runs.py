"""ERP-7: runs report per entity, one bad record never stops them, dry runs, the enable guard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.domain.erp import (
    DEFAULT_MASTER,
    ErpEntity,
    ErpLink,
    ErpNumberSeries,
    NumberSeries,
    PsaNumberSeries,
    PsaSeed,
    Side,
    default_rules,
)
from tandem.erp.fields import erp_values, psa_values
from tandem.runtime.erp import (
    ErpIntegration,
    PreflightFailed,
    describe_run,
)
from tests.unit.erp.fakes import T0, C, D, E, FakeErp, InMemoryErpStateStore, InMemoryPsaMasterData, J, P, erp, psa


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now


def world(erp_records=(), psa_records=(), **seed):  # type: ignore[no-untyped-def]
    clock = Clock()
    fake = FakeErp(erp_records)
    records: dict[ErpEntity, tuple] = {}  # type: ignore[type-arg]
    for record in psa_records:
        records[record.entity] = (*records.get(record.entity, ()), record)
    hub = InMemoryPsaMasterData(PsaSeed(records, **seed), clock=clock)
    store = InMemoryErpStateStore()
    return fake, hub, store, ErpIntegration(fake, hub, store, default_rules(), clock=clock), clock


def test_erp_7_a_run_reports_created_updated_linked_excluded_and_failed_per_entity() -> None:
    fake, _hub, store, integration, _ = world(
        [
            erp(C, "10001", "Acme Oy"),
            erp(C, "10002", "Birka Oy"),
            erp(E, "7", "Aino Virtanen", email=None),
            erp(D, None, "Unnumbered", row="x"),
        ],
        [psa(C, "10002", "Birka Trading Oy", at=T0 + timedelta(hours=1)), psa(C, "20001", "Globex Ltd")],
    )

    report = integration.run(T0)

    customers = report.entity(C)
    assert sorted(customers.created) == ["10001", "20001"]
    assert customers.linked == ("10002",)
    assert customers.updated == ("10002",)
    assert fake.by_key(C, "10002").name == "Birka Trading Oy"  # the PSA's newer name won
    assert report.entity(E).counts() == {"created": 0, "updated": 0, "linked": 0, "excluded": 1, "failed": 0}
    assert report.entity(D).counts()["failed"] == 1
    assert store.runs() == (report,)
    text = "\n".join(describe_run(report))
    assert "customer   created 2, updated 1, linked 1, excluded 0, failed 0" in text
    assert "failed (no key): the ERP record has no number/code" in text
    assert {link.erp_key for link in store.links(C).values()} == {"10001", "10002", "20001"}


def test_erp_7_one_bad_record_never_stops_the_run() -> None:
    fake, _hub, store, integration, _ = world([], [psa(C, "20001", "Globex Ltd"), psa(C, "20002", "Halla Oy")])
    fake.refuse.add("20001")

    report = integration.run(T0)

    assert report.entity(C).created == ("20002",)
    (failure,) = report.entity(C).failed
    assert failure.key == "20001"
    assert "InvalidRequest" in failure.reason
    assert "refuses" in failure.reason
    assert "g-customer-20001" not in store.links(C)  # nothing linked for the record that failed

    fake.refuse.clear()
    retried = integration.run(T0)
    assert retried.entity(C).created == ("20001",)  # it is retried, and only it


def test_erp_7_a_dry_run_plans_and_writes_nothing() -> None:
    fake, hub, store, integration, _ = world([erp(C, "10001", "Acme Oy")], [psa(C, "20001", "Globex Ltd")])

    report = integration.run(T0, dry_run=True)

    assert report.dry_run
    assert sorted(report.entity(C).created) == ["10001", "20001"]
    assert (fake.writes, hub.writes, store.runs(), store.links(C)) == (0, 0, (), {})


def test_erp_7_enabling_with_a_failed_preflight_is_refused_unless_forced() -> None:
    fake, _hub, store, integration, _ = world(number_series=PsaNumberSeries(next_customer_number=15000))
    fake.series = ErpNumberSeries(customer=(NumberSeries("1", 10000, 19999),))

    with pytest.raises(PreflightFailed, match="customer number series 1"):
        integration.enable(T0)
    assert not store.is_enabled()
    assert integration.scheduled_run(T0) is None  # the timer does nothing while disabled

    report = integration.enable(T0, force=True)
    assert not report.passed
    assert store.is_enabled()
    assert integration.scheduled_run(T0) is not None


def test_erp_7_enabling_with_a_clean_preflight_just_works() -> None:
    fake, _hub, store, integration, _ = world(number_series=PsaNumberSeries(next_customer_number=20000))
    fake.series = ErpNumberSeries(customer=(NumberSeries("1", 10000, 19999),))

    assert integration.enable(T0).passed
    assert store.is_enabled()
    integration.disable()
    assert not store.is_enabled()


def test_erp_7_a_crash_between_the_erp_write_and_the_link_does_not_duplicate() -> None:
    fake, _hub, store, integration, _ = world([], [psa(C, "20001", "Globex Ltd", guid="g1")])

    def crash(link: ErpLink) -> None:
        raise RuntimeError("state store went away")

    store.save_link = crash  # type: ignore[method-assign]
    first = integration.run(T0)
    assert first.entity(C).failed
    assert len(fake.read(C)) == 1

    del store.save_link  # the store is back
    second = integration.run(T0)

    assert second.entity(C).linked == ("20001",)
    assert second.entity(C).created == ()
    assert len(fake.read(C)) == 1


def test_erp_7_a_second_run_without_changes_writes_nothing() -> None:
    fake, hub, _store, integration, _ = world(
        [erp(C, "10001", "Acme Oy"), erp(E, "7", "Madonna", email="m@x.example")],
        [psa(C, "20001", "Globex Ltd"), psa(E, "31", "Emma van Dijk", email="e@x.example")],
    )
    integration.run(T0)
    writes = (fake.writes, hub.writes)

    second = integration.run(T0 + timedelta(minutes=10))

    assert second.writes == 0
    assert (fake.writes, hub.writes) == writes


ENTITIES = [C, E, P, J, D]
NAMES = ["Acme Oy", "Birka Oy", "Madonna", "Emma van Dijk", "Anna Maria Virtanen", "A" * 35]
records = st.lists(
    st.tuples(
        st.sampled_from(ENTITIES),
        st.sampled_from([None, "11", "12", "13", "P1"]),
        st.sampled_from(NAMES),
        st.sampled_from(["erp", "psa", "both"]),
        st.sampled_from([None, "x@y.example"]),
    ),
    max_size=8,
)
anchors = st.sampled_from(ENTITIES)
"""The entity of one record on both sides with a key and a name no other record has: it
always links, so there is always a linked pair to edit."""
edits = st.lists(
    st.tuples(st.integers(0, 9), st.sampled_from(NAMES), st.sampled_from(["erp", "psa", "both"])),
    min_size=1,
    max_size=5,
)


def user_edit(hub: InMemoryPsaMasterData, entity: ErpEntity, guid: str, name: str) -> None:
    if entity is E:
        first, _, last = name.rpartition(" ")
        hub.edit(entity, guid, first_name=first or "?", last_name=last)
    else:
        hub.edit(entity, guid, name=name)


@dataclass
class LastEdits:
    """What one linked pair held before the edits, and the name each side last gave it and
    at which step: ERP-5 decides which of them the pair must hold after the runs."""

    before: dict[Side, str | None]
    psa: tuple[int, str | None] | None = None
    erp: tuple[int, str | None] | None = None

    def survivor(self, master: Side) -> tuple[Side, str | None]:
        """The side whose value must survive, and that value.

        One master: its last edit, or, when it made none, the value it held before (the
        other side's edits are overwritten). Both ways: the later edit; within one step
        (the same minute) the ERP's, as `tandem.erp.merge.newer_side` breaks ties. Every
        edit gives a name no record held before, so each one is a change the merge sees."""
        made = {Side.PSA: self.psa, Side.ERP: self.erp}
        if master is not Side.BOTH:
            last = made[master]
            return master, self.before[master] if last is None else last[1]
        psa_step = -1 if self.psa is None else self.psa[0]
        erp_step = -1 if self.erp is None else self.erp[0]
        side = Side.PSA if psa_step > erp_step else Side.ERP
        edit = made[side]
        assert edit is not None
        return side, edit[1]


def names_held(fake: FakeErp, hub: InMemoryPsaMasterData, entity: ErpEntity, pair: ErpLink) -> dict[Side, str | None]:
    """The name each side holds for a linked pair, in the neutral vocabulary."""
    return {
        Side.PSA: psa_values(hub.get(entity, pair.psa_guid))["name"],
        Side.ERP: erp_values(fake.by_key(entity, pair.erp_key))["name"],
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records, anchors, edits)
def test_erp_7_runs_converge_and_a_run_after_a_run_writes_nothing(rows, anchor, changes) -> None:  # type: ignore[no-untyped-def]
    """Random records on both sides (duplicates, missing keys, clashing and too-long names), random
    edits on either or both sides: after each run, the next one writes nothing, every linked
    pair that did not fail holds the same values on both sides, and each edited pair holds the
    edit its master says must win (ERP-5): the PSA's last edit for projects, the ERP's for
    products, the later of the two for customers, users and departments."""
    rows = [*rows, (anchor, "99", "Zeta Anchor", "both", "z@y.example")]
    erp_side = [erp(e, k, n, row=f"r{i}", email=m) for i, (e, k, n, side, m) in enumerate(rows) if side != "psa"]
    psa_side = [psa(e, k, n, guid=f"g{i}", email=m) for i, (e, k, n, side, m) in enumerate(rows) if side != "erp"]
    fake, hub, store, integration, clock = world(erp_side, psa_side)

    integration.run(T0)
    assert integration.run(T0).writes == 0

    linked = [(e, one) for e in ENTITIES for one in sorted(store.links(e).values(), key=lambda x: x.psa_guid)]
    assert (anchor, f"g{len(rows) - 1}") in {(e, one.psa_guid) for e, one in linked}
    last_edits: dict[tuple[ErpEntity, str], LastEdits] = {}
    for step, (index, name, side) in enumerate(changes, start=1):
        entity, target = linked[index % len(linked)]
        if (entity, target.psa_guid) not in last_edits:
            last_edits[(entity, target.psa_guid)] = LastEdits(names_held(fake, hub, entity, target))
        made = last_edits[(entity, target.psa_guid)]
        name = f"{name} {step}"  # a name no record had before
        clock.now += timedelta(minutes=1)
        fake.tick()
        if side in ("erp", "both"):
            fake.edit(entity, target.erp_key, name=name)
            made.erp = (step, erp_values(fake.by_key(entity, target.erp_key))["name"])
        if side in ("psa", "both"):
            user_edit(hub, entity, target.psa_guid, name if side == "psa" else name + " Group")
            made.psa = (step, psa_values(hub.get(entity, target.psa_guid))["name"])
    clock.now += timedelta(minutes=1)
    integration.run(clock.now)
    last = integration.run(clock.now)

    assert last.writes == 0
    failed = {(e, f.psa_guid) for e in ENTITIES for f in last.entity(e).failed}
    for entity in ENTITIES:
        for one in store.links(entity).values():
            if (entity, one.psa_guid) not in failed:
                assert psa_values(hub.get(entity, one.psa_guid)) == erp_values(fake.by_key(entity, one.erp_key))
    assert last_edits  # at least one edit was made
    targets = {(e, one.psa_guid): one for e, one in linked}
    for (entity, guid), made in last_edits.items():
        held = names_held(fake, hub, entity, targets[(entity, guid)])
        side, value = made.survivor(DEFAULT_MASTER[entity])
        assert held[side] == value, (entity, made, held)  # never lost on the side that made it
        if (entity, guid) not in failed:
            assert held == {Side.PSA: value, Side.ERP: value}, (entity, made, held)


def test_erp_7_incremental_reads_read_a_runs_own_writes_back_once_then_nothing_while_nothing_changes() -> None:
    """The ERP's change stamps name a minute, so a read starts at the last minute it saw; a
    first run's writes (all in its last minute) are read back by the next run, and once that
    minute is settled later reads find nothing, however many rows it holds."""
    fake, _hub, _store, integration, _ = world(
        [erp(C, str(10001 + n), f"Customer {n}") for n in range(30)],
        [psa(C, "20001", "Globex Ltd")],
    )
    read: list[int] = []
    real = fake.read_changed

    def counting(entity, since):  # type: ignore[no-untyped-def]
        changes = real(entity, since)
        if entity is C:
            read.append(len(changes.records))
        return changes

    fake.read_changed = counting  # type: ignore[method-assign]
    first = integration.run(T0)
    assert len(first.entity(C).created) == 31  # 30 into the hub, 1 into the ERP
    for minutes in (10, 20, 30):
        assert integration.run(T0 + timedelta(minutes=minutes)).writes == 0
    assert read[0] >= 31  # the second run read the first one's writes back (its boundary minute)
    assert read[1:] == [0, 0]  # then nothing: the minute is settled
