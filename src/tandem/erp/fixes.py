"""The commands that fix preflight findings, spelled once (ERP-3).

A blocking finding is only useful when the admin can act on it, so each names the
exact command: the PSA's numbering (`tandem erp psa-numbers`), a key on either side
(`tandem erp set-key`), a user's code (`tandem users set`). The numbers in them are
worked out here from what both sides hold, so a command copied as printed works.
"""

from __future__ import annotations

from collections.abc import Iterable

from tandem.domain.erp import ErpEntity


def next_customer_number(number: int) -> str:
    return f"tandem erp psa-numbers --next-customer {number}"


def next_invoice_number(number: int) -> str:
    return f"tandem erp psa-numbers --next-invoice {number}"


def erp_key(entity: ErpEntity, row_id: str, key: str) -> str:
    return f"tandem erp set-key {entity} --erp-row {row_id} {key}"


def psa_key(entity: ErpEntity, guid: str, key: str) -> str:
    return f"tandem erp set-key {entity} --psa-guid {guid} {key}"


def user_code(email: str | None, guid: str, code: str) -> str:
    if email:
        return f"tandem users set {email} --code {code}"
    return psa_key(ErpEntity.EMPLOYEE, guid, code)


def free_key(like: str, taken: Iterable[str]) -> str:
    """A key no record on either side uses: a number above every number in use when `like`
    is a number (or must become one), else `like` with the first free suffix (-2, -3, …)."""
    used = set(taken)
    if (like.isascii() and like.isdigit()) or not like:
        return str(max((int(k) for k in used if k.isascii() and k.isdigit()), default=0) + 1)
    suffix = 2
    while f"{like}-{suffix}" in used:
        suffix += 1
    return f"{like}-{suffix}"


def free_number(taken: Iterable[str]) -> str:
    """A positive number no record on either side uses as its key."""
    return free_key("", taken)
