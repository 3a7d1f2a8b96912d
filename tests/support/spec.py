"""The Severa REST API v1 spec subset as a response checker.

`tests/contract/severa-openapi-subset.yaml` is the public spec subset Tandem's hub
follows (kept unchanged beside the tests as the contract). OpenAPI 3.0 schemas become
JSON Schema here, read as the 3.0 text says: `nullable: true` allows null beside a
`type`, and every keyword beside a `$ref` is ignored ("This object cannot be extended
with additional properties and any properties added SHALL be ignored"), so a null
where the schema is a `$ref` breaks the contract. Clients generated from the spec
(openapi-python-client) read such fields exactly that way (BEY-8).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_FILE = Path(__file__).parent.parent / "contract" / "severa-openapi-subset.yaml"


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_FILE.read_text())
    return loaded


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return {"$ref": node["$ref"].replace("#/components/schemas/", "#/$defs/")}  # siblings ignored
    out = {k: _convert(v) for k, v in node.items() if not k.startswith("x-") and k not in ("nullable", "readOnly")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    if out.get("format") == "binary":
        out.pop("format")
    return out


@cache
def definitions() -> dict[str, Any]:
    return {name: _convert(schema) for name, schema in spec()["components"]["schemas"].items()}


def reference_fields(schema_name: str) -> frozenset[str]:
    """The properties of a component schema declared as a `$ref`: null is never allowed there."""
    properties = spec()["components"]["schemas"][schema_name].get("properties", {})
    return frozenset(name for name, prop in properties.items() if "$ref" in prop)


def validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", **_convert(schema), "$defs": definitions()}
    return jsonschema.Draft202012Validator(full, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for path in spec()["paths"]:
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"
        out.append((re.compile(pattern), path))
    # literal paths before templated ones: /v1/activities/x/exceptions vs /v1/activities/{guid}
    out.sort(key=lambda item: item[1].count("{"))
    return out


def operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for pattern, template in _templates():
        if pattern.match(path):
            op = spec()["paths"][template].get(method.lower())
            if op is not None:
                return template, op
    return None


class SpecViolation(AssertionError):
    pass


def check_response(method: str, path: str, status: int, content_type: str, body: Any) -> None:
    """Raise SpecViolation unless the response is one the spec allows for this operation."""
    found = operation(method, path)
    if found is None:
        return  # not a spec route (Tandem's extensions are checked by their own tests)
    template, op = found
    responses = op["responses"]
    response = responses.get(str(status))
    if response is None:
        if status < 400 or "default" not in responses:
            raise SpecViolation(f"{method} {template}: status {status} is not documented")
        response = responses["default"]
    if status == 404 and "content" not in response:
        response = responses["default"]
    content = response.get("content")
    if not content:
        if body not in (None, b"", ""):
            raise SpecViolation(f"{method} {template} {status}: the spec has no body, got {body!r:.200}")
        return
    if "application/json" in content:
        if not content_type.startswith("application/json"):
            raise SpecViolation(f"{method} {template} {status}: expected JSON, got {content_type}")
        errors = sorted(validator(content["application/json"]["schema"]).iter_errors(body), key=str)
        if errors:
            lines = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
            raise SpecViolation(f"{method} {template} {status} breaks the spec:\n" + "\n".join(lines))
    elif "text/plain" in content and not content_type.startswith("text/plain"):
        raise SpecViolation(f"{method} {template} {status}: expected text/plain, got {content_type}")
