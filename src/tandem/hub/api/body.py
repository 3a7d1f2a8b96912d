"""Reading request bodies: malformed JSON and wrong shapes become 400s naming the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

import pydantic
from fastapi import Request

from tandem.hub.api.errors import ApiError
from tandem.hub.services.errors import FieldProblem, ValidationFailed

M = TypeVar("M", bound=pydantic.BaseModel)


async def read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        raise ApiError(400, "InvalidRequest", "the request body is empty; JSON is expected")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "InvalidRequest", f"the request body is not valid JSON: {error}") from None
    _refuse_nul(data, "")
    return data


def _refuse_nul(node: Any, where: str) -> None:
    """No text Tandem stores may hold a NUL character (PostgreSQL refuses them)."""
    if isinstance(node, str):
        if "\x00" in node:
            raise ValidationFailed(FieldProblem(where or "body", "text may not contain NUL characters"))
    elif isinstance(node, dict):
        for key, value in node.items():
            _refuse_nul(key, where)
            _refuse_nul(value, f"{where}.{key}" if where else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _refuse_nul(value, f"{where}[{i}]")


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """Validate JSON data strictly (no "12" for 12, no 1 for true); problems name the fields."""
    if not isinstance(data, dict):
        raise ValidationFailed(FieldProblem(prefix or "body", "a JSON object is expected"))
    try:
        return model.model_validate_json(json.dumps(data), strict=True)
    except pydantic.ValidationError as error:
        raise ValidationFailed(problems_of(error, prefix)) from None


def problems_of(error: pydantic.ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for e in error.errors(include_url=False):
        path = ".".join(str(x) for x in e["loc"])
        name = f"{prefix}.{path}" if prefix and path else (prefix or path)
        problems.append(FieldProblem(name, e["msg"]))
    return problems
