"""ERP-2's second half: same name, different number → reported, never linked, never copied.

An unpaired record is about to be created on the other side. If a record there
with another key has the same name (case and spacing aside), the two are probably
one company under two numbers: creating would make a second "Acme Oy", linking on
a name would be a guess. Both are held with a finding until a person gives them
the same number (or different names).

Names are compared as they will be *after* the run: a pair's agreed name, not the
name it had before, so a rename in this run that ends (or starts) a clash is taken
into account now rather than one run later.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tandem.domain.erp import ErpEntity, ErpRecord, Failure, Finding, FindingKind, PsaRecord, Side
from tandem.erp.fields import psa_values
from tandem.erp.findings import finding
from tandem.erp.names import normalize_name


@dataclass(frozen=True, slots=True)
class Holds:
    erp_kept: tuple[ErpRecord, ...]
    psa_kept: tuple[PsaRecord, ...]
    failures: tuple[Failure, ...] = ()
    findings: tuple[Finding, ...] = ()


def _keys_by_name(named: Iterable[tuple[str | None, str | None]]) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for key, name in named:
        if key is not None and name:
            names.setdefault(normalize_name(name), []).append(key)
    return names


def hold_equal_names(
    entity: ErpEntity,
    erp_only: Sequence[ErpRecord],
    psa_only: Sequence[PsaRecord],
    erp_names: Iterable[tuple[str | None, str | None]],
    psa_names: Iterable[tuple[str | None, str | None]],
) -> Holds:
    """`erp_names`/`psa_names`: (key, name after this run) of every record on that side."""
    by_erp_name, by_psa_name = _keys_by_name(erp_names), _keys_by_name(psa_names)
    findings: dict[object, Finding] = {}
    failures: list[Failure] = []
    erp_kept: list[ErpRecord] = []
    for record in erp_only:
        clashes = _clashes(record.key, by_psa_name.get(normalize_name(record.name), []))
        findings.update({f.ref: f for f in (_finding(entity, record.key or "", other) for other in clashes)})
        if clashes:
            reason = f"PSA record(s) {', '.join(clashes)} have the same name; not copied (ERP-2)"
            failures.append(Failure(record.key, reason, Side.ERP, record.psa_guid))
        else:
            erp_kept.append(record)
    psa_kept: list[PsaRecord] = []
    for psa in psa_only:
        clashes = _clashes(psa.key, by_erp_name.get(normalize_name(psa_values(psa)["name"]), []))
        findings.update({f.ref: f for f in (_finding(entity, other, psa.key or "") for other in clashes)})
        if clashes:
            reason = f"ERP record(s) {', '.join(clashes)} have the same name; not copied (ERP-2)"
            failures.append(Failure(psa.key, reason, Side.PSA, psa.guid))
        else:
            psa_kept.append(psa)
    return Holds(tuple(erp_kept), tuple(psa_kept), tuple(failures), tuple(findings.values()))


def _clashes(key: str | None, other_keys: Sequence[str]) -> list[str]:
    return [] if key is None else [other for other in other_keys if other != key]


def _finding(entity: ErpEntity, erp_key: str, psa_key: str) -> Finding:
    return finding(
        FindingKind.EQUAL_NAME_DIFFERENT_KEY,
        entity,
        Side.BOTH,
        (erp_key, psa_key),
        f"ERP {erp_key} and PSA {psa_key} have the same name but different numbers; not linked",
    )


def names_after(
    erp_records: Sequence[ErpRecord],
    psa_records: Sequence[PsaRecord],
    agreed: Mapping[tuple[str, str], str | None],
) -> tuple[list[tuple[str | None, str | None]], list[tuple[str | None, str | None]]]:
    """(key, name) per side, a pair's agreed name replacing its current one.

    `agreed` is keyed by ("erp", row id) and ("psa", guid).
    """
    erp = [(r.key, agreed.get(("erp", r.row_id), r.name)) for r in erp_records]
    psa = [(r.key, agreed.get(("psa", r.guid), psa_values(r)["name"])) for r in psa_records]
    return erp, psa
