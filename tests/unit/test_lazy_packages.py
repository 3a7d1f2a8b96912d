"""The packages that import their parts when first used (`tandem.lazy`) still give every
name they list, each the very object of its submodule, and refuse a name they do not list."""

from __future__ import annotations

import importlib

import pytest

LAZY = (
    "tandem.runtime.erp",
    "tandem.connectors.visma_business",
    "tandem.connectors.google",
    "tandem.connectors.caldav",
)


@pytest.mark.parametrize("name", LAZY)
def test_every_listed_name_comes_from_its_submodule(name: str) -> None:
    package = importlib.import_module(name)
    for exported in package.__all__:
        value = getattr(package, exported)
        where = getattr(value, "__module__", None)
        if where is None:  # a constant (`GOOGLE_API_ROOT`): it is there
            continue
        assert where.startswith(f"{name}."), exported
        assert getattr(importlib.import_module(where), exported) is value, exported


@pytest.mark.parametrize("name", LAZY)
def test_a_name_not_listed_is_an_attribute_error(name: str) -> None:
    package = importlib.import_module(name)
    with pytest.raises(AttributeError, match="no attribute 'Nonesuch'"):
        package.Nonesuch  # noqa: B018
