"""JSON Patch (RFC 6902) applied to a resource's JSON representation, as Severa takes it.

Severa's PATCH accepts only `replace` operations (clients send `replace` or `Replace`);
every operation of a document is checked before any is applied, so a document with an
`add`, `copy`, `move`, `remove` or `test` in it is refused whole and costs nothing (a
`copy` from the whole document into itself once doubled the document per operation).
A document holds at most `MAX_OPERATIONS`.

Paths are JSON Pointers into the representation (`/name`, `/activityType/guid`); names
match case-insensitively at every step (`/OwnerUser/guid` is `/ownerUser/guid`), and the
first step must name a field the client may write: a path to a read-only or unknown
field is a 400 naming the path, never a 200 that changed nothing. The patched document
is then validated like a POST body, so a PATCH can never store what a POST would
refuse. A representation leaves out a reference that is not set (`views.references`);
replacing `/customer/guid` there sets it, replacing `/customer` with null clears it.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Collection
from typing import Any

from tandem.domain import limits
from tandem.hub.services.errors import FieldProblem, ValidationFailed

MAX_OPERATIONS = 100


def apply(document: dict[str, Any], operations: Any, writable: Collection[str]) -> dict[str, Any]:
    """`document` with `operations` applied; `writable` names the fields a client may set."""
    if not isinstance(operations, list):
        raise ValidationFailed(
            FieldProblem("patchDocument", "a JSON Patch document (a list of operations) is expected")
        )
    if len(operations) > MAX_OPERATIONS:
        raise ValidationFailed(FieldProblem("patchDocument", f"at most {MAX_OPERATIONS} operations are accepted"))
    fields = {name.lower(): name for name in writable}
    checked = [_check(operation, f"patchDocument[{i}]", fields) for i, operation in enumerate(operations)]
    doc = copy.deepcopy(document)
    for path, value, where in checked:
        _set(doc, path, value, where)
    return doc


def _check(operation: Any, where: str, fields: dict[str, str]) -> tuple[list[str], Any, str]:
    if not isinstance(operation, dict):
        raise ValidationFailed(FieldProblem(where, "an operation must be an object with op, path and value"))
    op = operation.get("op")
    if not isinstance(op, str) or op.lower() != "replace":
        raise ValidationFailed(FieldProblem(f"{where}.op", "only replace operations are accepted"))
    path = _pointer(operation.get("path"), f"{where}.path")
    if not path:
        raise ValidationFailed(FieldProblem(f"{where}.path", "the whole document cannot be replaced; name a field"))
    if path[0].lower() not in fields:
        raise ValidationFailed(FieldProblem(f"{where}.path", f"{path[0]!r} is not a field that can be changed"))
    if "value" not in operation:
        raise ValidationFailed(FieldProblem(f"{where}.value", "replace needs a value"))
    return [fields[path[0].lower()], *path[1:]], copy.deepcopy(operation["value"]), f"{where}.path"


def _pointer(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise ValidationFailed(FieldProblem(where, "path must be a JSON Pointer such as /name"))
    return [p.replace("~1", "/").replace("~0", "~") for p in value.split("/")[1:]] if value else []


def _container(doc: Any, parts: list[str], where: str) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict):
            key = _key_for(part, node)
            # Severa's nested references (`/customer/guid` on an activity without one)
            node = node.setdefault(key, {})
        elif isinstance(node, list) and (index := _index(part)) is not None and index < len(node):
            node = node[index]
        else:
            raise ValidationFailed(FieldProblem(where, f"the path does not exist at {part!r}"))
        if node is None:
            raise ValidationFailed(FieldProblem(where, f"the path goes through null at {part!r}"))
    return node


def _key_for(name: str, node: dict[str, Any]) -> str:
    """Field names match case-insensitively (`/Name` finds `name`), as Severa does."""
    if name not in node:
        for key in node:
            if key.lower() == name.lower():
                return str(key)
    return name


def _index(part: str) -> int | None:
    """An array index: ASCII digits only (`int()` would also take `²` and `٣`)."""
    index = limits.whole_number(part)
    return index if index is not None and index >= 0 and not part.startswith("-") else None


def _set(doc: dict[str, Any], parts: list[str], value: Any, where: str) -> None:
    parent = _container(doc, parts[:-1], where)
    if isinstance(parent, dict):
        key = _key_for(parts[-1], parent)
        parent[key] = _coerce_like(parent.get(key), value)
    elif isinstance(parent, list) and (index := _index(parts[-1])) is not None and index < len(parent):
        parent[index] = value
    else:
        raise ValidationFailed(FieldProblem(where, f"the path does not exist at {parts[-1]!r}"))


def _coerce_like(current: Any, value: Any) -> Any:
    """The spec types PatchOperation.value as a string, so Severa clients send "true"
    and "3": read such strings as the type the field already has."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(current, bool):
        return {"true": True, "false": False}.get(text.lower(), value)
    if isinstance(current, int):
        whole = limits.whole_number(text)
        return value if whole is None else whole
    if isinstance(current, float):
        try:
            number = float(text) if text.isascii() else math.nan
        except ValueError:
            return value
        return number if math.isfinite(number) else value
    return value
