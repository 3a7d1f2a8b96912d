"""What a hub service refuses, independent of how the refusal reaches the caller.

HubError
├── ValidationFailed     bad input: each problem names its field; nothing was written
├── ItemNotFound         the guid names nothing (or a deleted activity)
├── InvalidOperation     well-formed, but a rule forbids it (CAL-15 owner change, …)
└── VersionConflict      the item changed since the caller read it
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str
    location: str = "RequestBody"
    """Where the field sits: RequestBody, UriParameter, PathParameter or RequestHeader."""


class HubError(Exception):
    pass


class ValidationFailed(HubError):
    def __init__(self, problems: list[FieldProblem] | FieldProblem) -> None:
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


class ItemNotFound(HubError):
    def __init__(self, what: str, guid: str, field: str = "guid") -> None:
        self.what = what
        self.guid = guid
        self.field = field
        super().__init__(f"{what} {guid!r} was not found")


class InvalidOperation(HubError):
    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class VersionConflict(HubError):
    pass
