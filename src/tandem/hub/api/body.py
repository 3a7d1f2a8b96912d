"""Reading request bodies: malformed JSON, too deep nesting and wrong shapes become 400s
naming the field."""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, TypeVar

import pydantic
from fastapi import Depends, Request

from tandem.hub.api.errors import ApiError
from tandem.hub.services.errors import FieldProblem, ValidationFailed

M = TypeVar("M", bound=pydantic.BaseModel)


MAX_DEPTH = 32
"""How deeply a request's JSON may nest (the deepest Severa body nests 5 levels)."""


async def raw_body(request: Request) -> bytes:
    """The request's body, already read whole and bounded by the door
    (`tandem.hub.api.door`); a dependency, so that the route itself can be a plain
    function that FastAPI runs off the event loop."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def read_json(raw: bytes) -> Any:
    """The body as JSON, or a 400 saying what is wrong with it."""
    if not raw.strip():
        raise ApiError(400, "InvalidRequest", "the request body is empty; JSON is expected")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ApiError(400, "InvalidRequest", f"the request body is not valid JSON: {error}") from None
    except RecursionError:
        raise _too_deep() from None
    _check_tree(data)
    return data


def _too_deep() -> ApiError:
    return ApiError(400, "InvalidRequest", f"the request body nests deeper than {MAX_DEPTH} levels", "body")


def _check_tree(data: Any) -> None:
    """No text Tandem stores may hold a NUL character (PostgreSQL refuses them), and no
    body nests deeper than `MAX_DEPTH`. Walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        node, where, depth = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ValidationFailed(FieldProblem(where or "body", "text may not contain NUL characters"))
            continue
        if not isinstance(node, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise _too_deep()
        if isinstance(node, dict):
            for key, value in node.items():
                if "\x00" in key:
                    raise ValidationFailed(FieldProblem(where or "body", "a name may not contain NUL characters"))
                stack.append((value, f"{where}.{key}" if where else str(key), depth + 1))
        else:
            stack.extend((value, f"{where}[{i}]", depth + 1) for i, value in enumerate(node))


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


@functools.cache
def writable(model: type[pydantic.BaseModel]) -> frozenset[str]:
    """The names (as the API spells them) of the fields a body of `model` sets."""
    return frozenset(f.alias or name for name, f in model.model_fields.items())
