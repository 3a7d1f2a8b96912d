"""Preflight findings and how much each one matters (ERP-3), as a table.

Blocking problems make a preflight fail (and enabling is refused unless forced):
they would make a run do the wrong thing for records nobody can point at in
advance. Warnings concern single records, which a run leaves alone or handles
safely and reports.
"""

from __future__ import annotations

from collections.abc import Mapping

from tandem.domain.erp import ErpEntity, Finding, FindingKind, ProblemRef, Severity, Side

SEVERITY: Mapping[FindingKind, Severity] = {
    # New numbers will collide: a customer (or invoice) created on one side takes a
    # number the other side has given or will give to another one.
    FindingKind.CUSTOMER_SERIES_OVERLAP: Severity.BLOCKING,
    FindingKind.INVOICE_SERIES_OVERLAP: Severity.BLOCKING,
    # A key used twice cannot say which record it links; the records are held.
    FindingKind.DUPLICATE_KEY: Severity.BLOCKING,
    # Every new record of the entity would fail the same way (a setting names no customer).
    FindingKind.CANNOT_CREATE: Severity.BLOCKING,
    # The rest concern single records; the run holds or reports them and goes on.
    FindingKind.MISSING_KEY: Severity.WARNING,
    FindingKind.NAME_MISMATCH: Severity.WARNING,
    FindingKind.EQUAL_NAME_DIFFERENT_KEY: Severity.WARNING,
    FindingKind.EMPLOYEE_WITHOUT_EMAIL: Severity.WARNING,
    FindingKind.RENUMBERED: Severity.WARNING,
    FindingKind.UNFIT_KEY: Severity.WARNING,
}


def finding(
    kind: FindingKind, entity: ErpEntity | None, side: Side | None, keys: tuple[str, ...], message: str, fix: str = ""
) -> Finding:
    return Finding(ProblemRef(kind, entity, side, keys), SEVERITY[kind], message, fix)
