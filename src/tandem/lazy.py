"""A package that names its parts in `__init__` without importing them all at start-up.

`tandem.config` needs `tandem.runtime.erp.settings` and
`tandem.connectors.visma_business.settings`; importing a submodule runs its package's
`__init__` first, and those imported the whole ERP core and the Visma Business reader with
it, on every CLI command (issue 11, item 8). Such a package sets `__getattr__ = exports(...)`
(PEP 562) outside `TYPE_CHECKING` and imports the same names inside it, so that type checkers
and import-linter see them as before: each name is imported from its submodule when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """The package's `__getattr__`: `where` maps each exported name to its submodule."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
