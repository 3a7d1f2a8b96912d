"""The commands that fix preflight findings, spelled once (ERP-3).

A blocking finding is only useful when the admin can act on it, so each names the
exact command: the PSA's numbering (`tandem erp psa-numbers`), a key on either side
(`tandem erp set-key`), a user's code (`tandem users set`). The numbers in them are
worked out here from what both sides hold, so a command copied as printed works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tandem.domain.erp import ErpEntity


def next_customer_number(number: int) -> str:
    return f"tandem erp psa-numbers --next-customer {number}"


def next_invoice_number(number: int) -> str:
    return f"tandem erp psa-numbers --next-invoice {number}"


def erp_key(entity: ErpEntity, row_id: str, key: str | Callable[[], str]) -> str:
    """`key`: the new key, or where to take it (taken only when the command is spelled)."""
    return f"tandem erp set-key {entity} --erp-row {row_id} {key if isinstance(key, str) else key()}"


def psa_key(entity: ErpEntity, guid: str, key: str | Callable[[], str]) -> str:
    return f"tandem erp set-key {entity} --psa-guid {guid} {key if isinstance(key, str) else key()}"


def user_code(email: str | None, guid: str, code: str) -> str:
    if email:
        return f"tandem users set {email} --code {code}"
    return psa_key(ErpEntity.EMPLOYEE, guid, code)


class FreeKeys:
    """Keys no record on either side uses, each handed out once: two fixes proposed in one
    preflight never give two records the same new key (they would link)."""

    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken)

    def take(self, like: str) -> str:
        """A number above every number in use when `like` is a number (or empty: the key must
        become one), else `like` with the first free suffix (-2, -3, …)."""
        if not like or (like.isascii() and like.isdigit()):
            key = str(max((int(k) for k in self._taken if k.isascii() and k.isdigit()), default=0) + 1)
        else:
            suffix = 2
            while f"{like}-{suffix}" in self._taken:
                suffix += 1
            key = f"{like}-{suffix}"
        self._taken.add(key)
        return key
