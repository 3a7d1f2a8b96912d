"""Plain-text renderings of preflight and run reports, for the CLI and logs.

Secrets never appear here: reports hold keys, names and reasons only, and a database URL
is shown with its password hidden (`shown_url`, for the CLI and the Admin → ERP page).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from tandem.domain.erp import Finding, RunReport
from tandem.erp import PreflightReport


def shown_url(url: str) -> str:
    """A database URL fit to print or show on a page: the password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(an unreadable URL)"


def describe_preflight(report: PreflightReport) -> list[str]:
    lines = [f"preflight: {'PASSED' if report.passed else 'FAILED'}"]
    for title, findings in (("blocking", report.blocking), ("warnings", report.warnings)):
        lines.append(f"{title} ({len(findings)}):")
        lines.extend(
            f"  - {finding.message}" + (f" (fix: {finding.fix})" if finding.fix else "") for finding in findings
        )
    lines.append("a run would:")
    for s in report.summaries:
        lines.append(
            f"  {s.entity:<10} create in ERP {s.create_in_erp}, create in PSA {s.create_in_psa}, "
            f"link {s.link}, update {s.update}, exclude {s.exclude}, fail {s.fail}"
        )
    return lines


def describe_run(report: RunReport) -> list[str]:
    kind = "dry run" if report.dry_run else "run"
    lines = [f"{kind} {report.started_at.isoformat()} – {report.finished_at.isoformat()}"]
    for entity in report.entities:
        counts = ", ".join(f"{name} {count}" for name, count in entity.counts().items())
        lines.append(f"  {entity.entity:<10} {counts}")
        lines.extend(f"    failed {f.key or '(no key)'}: {f.reason}" for f in entity.failed)
    lines.extend(
        f"  conflict {c.entity} {c.key} {c.field}: PSA {c.psa_value!r} vs ERP {c.erp_value!r}, kept {c.winner}"
        for c in report.conflicts
    )
    return lines


def finding_to_json(finding: Finding) -> dict[str, Any]:
    ref = finding.ref
    return {
        "kind": ref.kind.value,
        "severity": finding.severity.value,
        "entity": ref.entity.value if ref.entity else None,
        "side": ref.side.value if ref.side else None,
        "keys": list(ref.keys),
        "message": finding.message,
        "fix": finding.fix or None,
    }


def preflight_to_json(report: PreflightReport) -> dict[str, Any]:
    """`tandem erp preflight --json`: the verdict, every finding, and what a run would do."""
    return {
        "passed": report.passed,
        "blocking": [finding_to_json(f) for f in report.blocking],
        "warnings": [finding_to_json(f) for f in report.warnings],
        "entities": [
            {
                "entity": s.entity.value,
                "create_in_erp": s.create_in_erp,
                "create_in_psa": s.create_in_psa,
                "link": s.link,
                "update": s.update,
                "exclude": s.exclude,
                "fail": s.fail,
            }
            for s in report.summaries
        ],
    }
