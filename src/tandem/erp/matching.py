"""Pairing the records of one entity across the PSA and the ERP (ERP-2, ERP-4).

Order of evidence, strongest first:

1. a link from an earlier run (PSA guid ↔ ERP key);
2. the PSA guid the ERP keeps in its information field (a lost state store, or a
   record linked by an earlier integration);
3. the same number/code on both sides: linked; a different name is only a warning.

Nothing is paired on a name alone (`holds` keeps an unpaired record named like
another-keyed record from being copied). Records that cannot be paired safely — no key,
a key used twice, a number changed since linking — are failures with a reason;
ERP records carrying the entity's exclusion Group value are excluded, and a PSA
record whose key belongs to an excluded ERP record is excluded with it (ERP-4).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from tandem.domain.erp import (
    ErpEntity,
    ErpLink,
    ErpRecord,
    ExcludedItem,
    Failure,
    Finding,
    FindingKind,
    GroupExclusion,
    ProblemRef,
    PsaRecord,
    Side,
)
from tandem.erp import fixes
from tandem.erp.fields import psa_values
from tandem.erp.findings import finding
from tandem.erp.names import normalize_name


@dataclass(frozen=True, slots=True)
class Pair:
    psa: PsaRecord
    erp: ErpRecord
    link: ErpLink | None
    """None: paired in this run (a new link)."""


@dataclass(frozen=True, slots=True)
class EntityMatch:
    entity: ErpEntity
    pairs: tuple[Pair, ...]
    erp_only: tuple[ErpRecord, ...]
    """Unpaired, not excluded, not failed: candidates for the PSA (see `holds`)."""
    psa_only: tuple[PsaRecord, ...]
    erp_active: tuple[ErpRecord, ...]
    """Every ERP record not excluded (paired, unpaired or failed)."""
    psa_records: tuple[PsaRecord, ...]
    excluded: tuple[ExcludedItem, ...]
    failures: tuple[Failure, ...]
    findings: tuple[Finding, ...]
    erp_keys: frozenset[str]
    """Every key the ERP uses for this entity, excluded and failed records included."""
    psa_keys: frozenset[str]
    free_keys: fixes.FreeKeys = field(compare=False, repr=False)
    """Keys neither side uses, for the fixes the planner proposes after the match's own."""


@dataclass
class _Work:
    """The matcher's scratch pad; never leaves this module."""

    entity: ErpEntity
    pairs: list[Pair] = field(default_factory=list)
    excluded: list[ExcludedItem] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    findings: dict[object, Finding] = field(default_factory=dict)
    done_psa: set[str] = field(default_factory=set)
    done_erp: set[str] = field(default_factory=set)
    free_keys: fixes.FreeKeys = field(default_factory=lambda: fixes.FreeKeys(()))
    """Keys neither side uses for this entity, for the fixes this match proposes."""

    def find(self, kind: FindingKind, side: Side | None, keys: tuple[str, ...], message: str, fix: str = "") -> None:
        item = finding(kind, self.entity, side, keys, message, fix)
        self.findings.setdefault(item.ref, item)

    def find_once(
        self, kind: FindingKind, side: Side, keys: tuple[str, ...], message: str, fix: Callable[[], str]
    ) -> None:
        """`find`, its fix worked out only the first time (a fix takes a free key)."""
        if ProblemRef(kind, self.entity, side, keys) not in self.findings:
            self.find(kind, side, keys, message, fix())

    def fail_psa(self, record: PsaRecord, reason: str) -> None:
        self.done_psa.add(record.guid)
        self.failures.append(Failure(record.key, reason, Side.PSA, record.guid))

    def fail_erp(self, record: ErpRecord, reason: str) -> None:
        self.done_erp.add(record.row_id)
        self.failures.append(Failure(record.key, reason, Side.ERP, record.psa_guid))


def _label(name: str | None, fallback: str) -> str:
    return name if name else fallback


def _psa_name(record: PsaRecord) -> str | None:
    return psa_values(record)["name"]


def match_entity(
    entity: ErpEntity,
    erp_records: Sequence[ErpRecord],
    psa_records: Sequence[PsaRecord],
    links: Mapping[str, ErpLink],
    exclusion: GroupExclusion | None,
) -> EntityMatch:
    taken = [k for k in [*(r.key for r in erp_records), *(r.key for r in psa_records)] if k is not None]
    work = _Work(entity, free_keys=fixes.FreeKeys(taken))
    excluded = _Excluded.of(erp_records, exclusion)
    active_erp = [r for r in erp_records if not (exclusion is not None and exclusion.excludes(r))]
    for record in excluded.records:
        work.excluded.append(ExcludedItem(record.key, excluded.reason()))
    erp_by_key = _unique_erp(work, active_erp)
    _check_psa_keys(work, psa_records)
    _follow_links(work, links, psa_records, active_erp, erp_by_key, excluded)
    _pair_unlinked(work, psa_records, active_erp, erp_by_key, excluded)
    return EntityMatch(
        entity=entity,
        pairs=tuple(work.pairs),
        erp_only=tuple(r for r in active_erp if r.row_id not in work.done_erp),
        psa_only=tuple(r for r in psa_records if r.guid not in work.done_psa),
        erp_active=tuple(active_erp),
        psa_records=tuple(psa_records),
        excluded=tuple(work.excluded),
        failures=tuple(work.failures),
        findings=tuple(sorted(work.findings.values(), key=lambda f: f.ref)),
        erp_keys=frozenset(r.key for r in erp_records if r.key is not None),
        free_keys=work.free_keys,
        psa_keys=frozenset(r.key for r in psa_records if r.key is not None),
    )


@dataclass(frozen=True, slots=True)
class _Excluded:
    """The ERP records the entity's Group-field rule excludes (ERP-4).

    Their PSA counterparts (linked before, or carrying the same key) are left alone
    too; the pair is reported once, as the excluded ERP record.
    """

    records: tuple[ErpRecord, ...]
    exclusion: GroupExclusion | None
    keys: frozenset[str]
    guids: frozenset[str]

    @classmethod
    def of(cls, records: Sequence[ErpRecord], exclusion: GroupExclusion | None) -> _Excluded:
        chosen = tuple(r for r in records if exclusion is not None and exclusion.excludes(r))
        return cls(
            chosen,
            exclusion,
            frozenset(r.key for r in chosen if r.key is not None),
            frozenset(r.psa_guid for r in chosen if r.psa_guid is not None),
        )

    def reason(self) -> str:
        rule = f"{self.exclusion.field} = {self.exclusion.value}" if self.exclusion else "the exclusion rule"
        return f"excluded by {rule}; left alone on both sides"


def _unique_erp(work: _Work, records: Sequence[ErpRecord]) -> dict[str, ErpRecord]:
    """Keyed ERP records whose key is used once; the others fail with a finding."""
    counts = Counter(r.key for r in records if r.key is not None)
    last_row = {r.key: r.row_id for r in records if r.key is not None}
    unique: dict[str, ErpRecord] = {}
    for record in records:
        if record.key is None:
            label = _label(record.name, record.row_id)
            work.find(FindingKind.MISSING_KEY, Side.ERP, (label,), f"ERP record {label!r} has no number/code")
            work.fail_erp(record, "the ERP record has no number/code, so it cannot be linked")
        elif counts[record.key] > 1:
            rows = ", ".join(r.row_id for r in records if r.key == record.key)
            work.find_once(
                FindingKind.DUPLICATE_KEY,
                Side.ERP,
                (record.key,),
                f"ERP key {record.key} is used by several records (rows {rows}); give one of them a free key",
                partial(fixes.erp_key, work.entity, last_row[record.key], partial(work.free_keys.take, record.key)),
            )
            work.fail_erp(record, f"key {record.key} is used by {counts[record.key]} ERP records")
        else:
            unique[record.key] = record
    return unique


def _check_psa_keys(work: _Work, records: Sequence[PsaRecord]) -> None:
    """PSA records without a key or with a key used twice fail with a finding."""
    counts = Counter(r.key for r in records if r.key is not None)
    last_guid = {r.key: r.guid for r in records if r.key is not None}
    for record in records:
        if record.key is None:
            label = _label(_psa_name(record), record.guid)
            work.find(FindingKind.MISSING_KEY, Side.PSA, (label,), f"PSA record {label!r} has no number/code")
            work.fail_psa(record, "the PSA record has no number/code, so it cannot be linked")
        elif counts[record.key] > 1:
            names = ", ".join(repr(_psa_name(r)) for r in records if r.key == record.key)
            work.find_once(
                FindingKind.DUPLICATE_KEY,
                Side.PSA,
                (record.key,),
                f"PSA key {record.key} is used by several records ({names}); give one of them a free key",
                partial(fixes.psa_key, work.entity, last_guid[record.key], partial(work.free_keys.take, record.key)),
            )
            work.fail_psa(record, f"key {record.key} is used by {counts[record.key]} PSA records")


def _erp_by_guid(records: Sequence[ErpRecord]) -> dict[str, ErpRecord]:
    """ERP records by the PSA guid they carry; a guid carried twice proves nothing."""
    counts = Counter(r.psa_guid for r in records if r.psa_guid)
    return {r.psa_guid: r for r in records if r.psa_guid and counts[r.psa_guid] == 1}


def _renumbered(work: _Work, side: Side, erp_key: str, psa_key: str, psa: PsaRecord, erp: ErpRecord | None) -> None:
    where = {Side.PSA: "in the PSA", Side.ERP: "in the ERP", Side.BOTH: "on one side"}[side]
    work.find(
        FindingKind.RENUMBERED,
        side,
        (erp_key, psa_key),
        f"a linked record was renumbered {where}: ERP {erp_key} ↔ PSA {psa_key}",
    )
    reason = f"renumbered since linking (ERP {erp_key}, PSA {psa_key}); give both the same number again"
    work.fail_psa(psa, reason)
    if erp is not None:
        work.done_erp.add(erp.row_id)


def _follow_links(
    work: _Work,
    links: Mapping[str, ErpLink],
    psa_records: Sequence[PsaRecord],
    active_erp: Sequence[ErpRecord],
    erp_by_key: Mapping[str, ErpRecord],
    excluded: _Excluded,
) -> None:
    psa_by_guid = {r.guid: r for r in psa_records}
    by_guid = _erp_by_guid(active_erp)
    for link in links.values():
        psa = psa_by_guid.get(link.psa_guid)
        if link.erp_key in excluded.keys or link.psa_guid in excluded.guids:
            # ERP-4: excluded after linking. Both records stay exactly as they are.
            work.done_psa.add(link.psa_guid)
            continue
        if psa is None:
            erp = erp_by_key.get(link.erp_key)
            if erp is not None:
                work.fail_erp(erp, "the linked PSA record no longer exists; nothing is deleted or recreated")
            continue
        if psa.guid in work.done_psa:
            continue
        _follow_link(work, link, psa, erp_by_key, by_guid)


def _follow_link(
    work: _Work,
    link: ErpLink,
    psa: PsaRecord,
    erp_by_key: Mapping[str, ErpRecord],
    by_guid: Mapping[str, ErpRecord],
) -> None:
    erp = erp_by_key.get(link.erp_key)
    if erp is not None and erp.row_id in work.done_erp:
        work.fail_psa(psa, f"the linked ERP record {link.erp_key} cannot be used (see its failure)")
        return
    if psa.key != link.erp_key:
        _renumbered(work, Side.PSA, link.erp_key, psa.key or "", psa, erp)
        return
    if erp is None:
        moved = by_guid.get(psa.guid)
        if moved is not None and moved.key is not None and moved.row_id not in work.done_erp:
            _renumbered(work, Side.ERP, moved.key, link.erp_key, psa, moved)
        else:
            work.fail_psa(psa, f"the linked ERP record {link.erp_key} no longer exists; nothing is recreated")
        return
    work.done_psa.add(psa.guid)
    work.done_erp.add(erp.row_id)
    work.pairs.append(Pair(psa, erp, link))


def _pair_unlinked(
    work: _Work,
    psa_records: Sequence[PsaRecord],
    active_erp: Sequence[ErpRecord],
    erp_by_key: Mapping[str, ErpRecord],
    excluded: _Excluded,
) -> None:
    by_guid = _erp_by_guid([r for r in active_erp if r.row_id not in work.done_erp])
    for psa in psa_records:
        if psa.guid in work.done_psa or psa.key is None:
            continue
        erp = by_guid.get(psa.guid)
        if erp is not None and erp.key != psa.key and erp.key is not None:
            _renumbered(work, Side.BOTH, erp.key, psa.key, psa, erp)
            continue
        if psa.key in excluded.keys:
            work.done_psa.add(psa.guid)
            continue
        erp = erp_by_key.get(psa.key)
        if erp is None or erp.row_id in work.done_erp:
            continue
        if normalize_name(erp.name) != normalize_name(_psa_name(psa)):
            work.find(
                FindingKind.NAME_MISMATCH,
                Side.BOTH,
                (psa.key,),
                f"key {psa.key}: ERP name {erp.name!r}, PSA name {_psa_name(psa)!r}; they will be linked "
                "and the names then follow the entity's master (both ways: the newer change)",
            )
        work.done_psa.add(psa.guid)
        work.done_erp.add(erp.row_id)
        work.pairs.append(Pair(psa, erp, None))
