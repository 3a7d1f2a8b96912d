"""Names as the integration compares and moves them.

Matching compares names without regard to case or spacing: "ACME  oy" and "Acme Oy"
are the same name to a person reading the preflight, so they are to us.

Person names: the ERP keeps one full name (Actor.Nm), the PSA a first and a last name.
Visma's own integration splits on the last space, and with no space the first name
is "?" (ERP.md); joining is the inverse, so a name that went ERP → PSA → ERP comes
back unchanged and never flaps between runs.
"""

from __future__ import annotations

UNKNOWN_FIRST_NAME = "?"


def normalize_name(name: str | None) -> str:
    """The form names are compared in: case-folded, single-spaced, trimmed."""
    return " ".join((name or "").split()).casefold()


def split_full_name(full_name: str) -> tuple[str, str]:
    """("Anna Maria Virtanen") → ("Anna Maria", "Virtanen"); ("Madonna") → ("?", "Madonna")."""
    cleaned = " ".join(full_name.split())
    first, space, last = cleaned.rpartition(" ")
    if not space:
        return UNKNOWN_FIRST_NAME, cleaned
    return first, last


def join_full_name(first_name: str | None, last_name: str | None) -> str:
    """The inverse of `split_full_name`: a "?" first name is dropped again."""
    first = " ".join((first_name or "").split())
    last = " ".join((last_name or "").split())
    if first == UNKNOWN_FIRST_NAME or not first:
        return last
    if not last:
        return first
    return f"{first} {last}"
