"""Resolving guids a caller sent into rows, with errors that name the caller's field."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models.common import Entity
from tandem.hub.services.errors import FieldProblem, ItemNotFound, ValidationFailed

E = TypeVar("E", bound=Entity)


def find(session: Session, model: type[E], guid: str) -> E | None:
    return session.scalars(sa.select(model).where(model.guid == guid)).unique().one_or_none()


def get(session: Session, model: type[E], guid: str, what: str | None = None) -> E:
    """The row a path guid names, or ItemNotFound (a 404)."""
    row = find(session, model, guid)
    if row is None:
        raise ItemNotFound(what or model.__name__, guid)
    return row


def reference(session: Session, model: type[E], guid: str | None, field: str, what: str) -> E | None:
    """The row a guid in the request body names; an unknown guid is a 400 naming `field`."""
    if guid is None:
        return None
    row = find(session, model, guid)
    if row is None:
        raise ValidationFailed(FieldProblem(field, f"no {what} has guid {guid!r}"))
    return row


def required_reference(session: Session, model: type[E], guid: str | None, field: str, what: str) -> E:
    row = reference(session, model, guid, field, what)
    if row is None:
        raise ValidationFailed(FieldProblem(field, f"{what} is required"))
    return row
