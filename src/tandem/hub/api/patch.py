"""JSON Patch (RFC 6902) applied to a resource's JSON representation.

Severa's PATCH takes a JSON Patch document; clients send `op` as `replace` or
`Replace`. Paths are JSON Pointers into the representation (`/name`,
`/activityType/guid`). The patched document is then validated like a POST body, so a
PATCH can never store what a POST would refuse. A representation leaves out a reference
that is not set (`views.references`), so a field missing from an object reads as null
here: `test` finds null there and `remove` has nothing to clear.
"""

from __future__ import annotations

import copy
from typing import Any

from tandem.hub.services.errors import FieldProblem, ValidationFailed

OPS = ("add", "remove", "replace", "move", "copy", "test")


def apply(document: dict[str, Any], operations: Any) -> dict[str, Any]:
    if not isinstance(operations, list):
        raise ValidationFailed(
            FieldProblem("patchDocument", "a JSON Patch document (a list of operations) is expected")
        )
    doc = copy.deepcopy(document)
    for i, operation in enumerate(operations):
        doc = _apply_one(doc, operation, f"patchDocument[{i}]")
    return doc


def _apply_one(doc: Any, operation: Any, where: str) -> Any:
    if not isinstance(operation, dict):
        raise ValidationFailed(FieldProblem(where, "an operation must be an object with op and path"))
    op = str(operation.get("op", "")).lower()
    if op not in OPS:
        raise ValidationFailed(FieldProblem(f"{where}.op", f"op must be one of {', '.join(OPS)}"))
    path = _pointer(operation.get("path"), f"{where}.path")
    if op in ("add", "replace", "test") and "value" not in operation:
        raise ValidationFailed(FieldProblem(f"{where}.value", f"{op} needs a value"))
    if op == "test":
        if _get(doc, path, f"{where}.path") != operation["value"]:
            raise ValidationFailed(FieldProblem(f"{where}.value", "test failed: the value differs"))
        return doc
    if op in ("move", "copy"):
        source = _pointer(operation.get("from"), f"{where}.from")
        value = copy.deepcopy(_get(doc, source, f"{where}.from"))
        if op == "move":
            doc = _remove(doc, source, f"{where}.from")
        return _set(doc, path, value, f"{where}.path", replace=False)
    if op == "remove":
        return _remove(doc, path, f"{where}.path")
    return _set(doc, path, copy.deepcopy(operation["value"]), f"{where}.path", replace=op == "replace")


def _pointer(value: Any, where: str) -> list[str]:
    if not isinstance(value, str) or (value and not value.startswith("/")):
        raise ValidationFailed(FieldProblem(where, "path must be a JSON Pointer such as /name"))
    return [p.replace("~1", "/").replace("~0", "~") for p in value.split("/")[1:]] if value else []


def _container(doc: Any, parts: list[str], where: str) -> Any:
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict):
            # Severa's nested references (`/customer/guid` on an activity without one)
            node[part] = {}
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ValidationFailed(FieldProblem(where, f"the path does not exist at {part!r}"))
        if node is None:
            raise ValidationFailed(FieldProblem(where, f"the path goes through null at {part!r}"))
    return node


def _key_for(name: str, node: Any) -> str:
    """Field names match case-insensitively (`/Name` finds `name`), as Severa does."""
    if isinstance(node, dict) and name not in node:
        for key in node:
            if key.lower() == name.lower():
                return str(key)
    return name


def _get(doc: Any, parts: list[str], where: str) -> Any:
    if not parts:
        return doc
    parent = _container(doc, parts[:-1], where)
    key = _key_for(parts[-1], parent)
    if isinstance(parent, dict):
        return parent.get(key)  # an unset reference is left out of the representation
    if isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
        return parent[int(key)]
    raise ValidationFailed(FieldProblem(where, f"the path does not exist at {parts[-1]!r}"))


def _set(doc: Any, parts: list[str], value: Any, where: str, replace: bool) -> Any:
    if not parts:
        return value
    parent = _container(doc, parts[:-1], where)
    key = _key_for(parts[-1], parent)
    if isinstance(parent, dict):
        parent[key] = _coerce_like(parent.get(key), value) if replace else value
    elif isinstance(parent, list):
        if key == "-" and not replace:
            parent.append(value)
        elif key.isdigit() and int(key) <= len(parent) - (1 if replace else 0):
            if replace:
                parent[int(key)] = value
            else:
                parent.insert(int(key), value)
        else:
            raise ValidationFailed(FieldProblem(where, f"index {key!r} is out of range"))
    else:
        raise ValidationFailed(FieldProblem(where, "the path does not lead into an object or array"))
    return doc


def _coerce_like(current: Any, value: Any) -> Any:
    """The spec types PatchOperation.value as a string, so Severa clients send "true"
    and "3": read such strings as the type the field already has."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if isinstance(current, bool):
        return {"true": True, "false": False}.get(text.lower(), value)
    if isinstance(current, int):
        return int(text) if text.lstrip("-").isdigit() else value
    if isinstance(current, float):
        try:
            return float(text)
        except ValueError:
            return value
    return value


def _remove(doc: Any, parts: list[str], where: str) -> Any:
    if not parts:
        raise ValidationFailed(FieldProblem(where, "the whole document cannot be removed"))
    parent = _container(doc, parts[:-1], where)
    key = _key_for(parts[-1], parent)
    if isinstance(parent, dict):
        parent[key] = None  # removing a field of a resource means clearing it
    elif isinstance(parent, list) and key.isdigit() and int(key) < len(parent):
        del parent[int(key)]
    else:
        raise ValidationFailed(FieldProblem(where, f"the path does not exist at {parts[-1]!r}"))
    return doc
