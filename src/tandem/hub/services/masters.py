"""Saving the hub's master data (everything but activities) by rules given as data.

Callers hand over `values`: service field names (snake_case) to plain values, guids
for references (`owner_guid`). Each entity's `EntityRules` says which values are
columns, which are references, which must be unique and how problems are named to
the caller; a few entities add a hook for what a table cannot say.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.domain import limits
from tandem.hub.models.common import Entity, utcnow
from tandem.hub.services import counters, lookup
from tandem.hub.services.errors import FieldProblem, InvalidOperation, ValidationFailed
from tandem.store.base import new_guid
from tandem.store.db import BATCH_SCOPE

Hook = Callable[[Session, Any, dict[str, Any], list[FieldProblem]], None]


@dataclass(frozen=True, slots=True)
class Reference:
    attribute: str
    model: type[Entity]
    what: str


@dataclass(frozen=True, slots=True)
class EntityRules:
    model: type[Entity]
    what: str
    columns: tuple[str, ...]
    references: Mapping[str, Reference] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    unique: tuple[str, ...] = ()
    number_series: tuple[str, str] | None = None
    """(series, attribute): new rows without a number get the next one of the series."""
    field_names: Mapping[str, str] = field(default_factory=dict)
    """Service names to the API's names, so every problem names what the caller sent."""
    max_lengths: Mapping[str, int] = field(default_factory=dict)
    """Texts shorter than `limits.MAX_NOTES` (every other text may be that long)."""
    before_save: Hook | None = None
    complete: Callable[[Session, Any], None] | None = None
    """Fills what the caller may leave out (defaults that depend on other fields)."""
    after_save: Callable[[Session, Any, bool], None] | None = None
    """Runs after the row is written (True when it was just created)."""
    in_use: Callable[[Session, Any], str | None] | None = None
    """Why a row cannot be deleted (it is referenced), or None."""

    def name_of(self, key: str) -> str:
        return self.field_names.get(key, key)


def save(
    session: Session, rules: EntityRules, row: Any | None, values: Mapping[str, Any], *, flush: bool = True
) -> Any:
    """Create (row None) or change a row; every problem is reported at once, nothing is
    written unless all is well. `flush=False` lets a new row (of an entity without an
    `after_save`) wait in the session for the next flush, with its guid and stamps set
    now: many rows then go in one statement (an ERP run's chunk, `ItemWrites.chunk`)."""
    creating = row is None
    target: Any = rules.model() if creating else row
    merged = {key: getattr(target, key, None) for key in rules.columns} if not creating else {}
    merged.update(values)
    problems = _check_values(rules, values)
    for key in rules.required:
        if not creating and key not in values:
            continue  # kept as it is
        value = merged.get(key)
        if value is None or (isinstance(value, str) and limits.is_blank(value)):
            problems.append(FieldProblem(rules.name_of(key), f"{rules.name_of(key)} is required"))
    resolved = _references(session, rules, values, problems)
    _uniques(session, rules, target, merged, problems)
    if rules.before_save is not None:
        rules.before_save(session, target, dict(values), problems)
    if problems:
        raise ValidationFailed(problems)
    for key in rules.columns:
        if key in values:
            value = values[key]
            setattr(target, key, value.strip() if isinstance(value, str) and key in rules.required else value)
    for reference, found in resolved.values():
        setattr(target, reference.attribute, found.id if found is not None else None)
    if rules.complete is not None:
        rules.complete(session, target)
    if creating:
        if rules.number_series is not None and getattr(target, rules.number_series[1]) is None:
            series, attribute = rules.number_series
            setattr(target, attribute, counters.next_number(session, series, getattr(rules.model, attribute)))
        session.add(target)
    if not flush and creating and rules.after_save is None:
        target.guid = target.guid or new_guid()
        target.created_at = target.updated_at = utcnow()
    else:
        session.flush()
    taken = _taken_values(session)
    if taken is not None and rules.unique:
        taken.saved(session, rules.model, rules.unique, target)
    if rules.after_save is not None:
        rules.after_save(session, target, creating)
    return target


def _check_values(rules: EntityRules, values: Mapping[str, Any]) -> list[FieldProblem]:
    """What every value must be, whoever writes it (`tandem.domain.limits`): texts
    without NUL (refused at once, before any lookup sends them to the database) and
    within their length, dates in the supported range, amounts that fit."""
    nul = [key for key, value in values.items() if isinstance(value, str) and "\x00" in value]
    if nul:
        raise ValidationFailed([FieldProblem(rules.name_of(key), "text may not contain NUL characters") for key in nul])
    problems = []
    for key, value in values.items():
        limit = rules.max_lengths.get(key, limits.MAX_NOTES)
        if isinstance(value, str) and len(value) > limit:
            problems.append(FieldProblem(rules.name_of(key), f"longer than {limit} characters"))
        elif isinstance(value, date) and not limits.in_calendar(value):
            problems.append(FieldProblem(rules.name_of(key), f"must be from {limits.calendar_range()}"))
        elif isinstance(value, Decimal) and not limits.is_amount(value):
            problems.append(FieldProblem(rules.name_of(key), f"must be an amount within ±{limits.MAX_AMOUNT}"))
    return problems


def delete(session: Session, rules: EntityRules, row: Any) -> None:
    reason = rules.in_use(session, row) if rules.in_use is not None else None
    if reason:
        raise InvalidOperation(f"this {rules.what} cannot be deleted: {reason}")
    session.delete(row)
    session.flush()


def _references(
    session: Session, rules: EntityRules, values: Mapping[str, Any], problems: list[FieldProblem]
) -> dict[str, tuple[Reference, Entity | None]]:
    resolved: dict[str, tuple[Reference, Entity | None]] = {}
    scope = session.info.get(BATCH_SCOPE)
    for key, reference in rules.references.items():
        if key not in values:
            continue
        guid = values[key]
        known = (Reference, reference.model, guid)  # a batch looks each one up once
        found = scope.get(known) if scope is not None and guid is not None else None
        try:
            if found is None:
                found = lookup.reference(session, reference.model, guid, rules.name_of(key), reference.what)
        except ValidationFailed as failed:
            problems.extend(failed.problems)
            continue
        if scope is not None and found is not None:
            scope[known] = found
        if found is None and key in rules.required:
            continue  # reported as required above
        resolved[key] = (reference, found)
    return resolved


def _uniques(
    session: Session, rules: EntityRules, target: Any, merged: Mapping[str, Any], problems: list[FieldProblem]
) -> None:
    taken = _taken_values(session)
    for key in rules.unique:
        value = merged.get(key)
        if value is None:
            continue
        if taken is not None:
            holder = taken.holder(session, rules.model, key, value)
            clash = holder is not None and (is_new(target) or holder != target.id)
        else:
            column = getattr(rules.model, key)
            query = sa.select(rules.model.id).where(column == value)
            if not is_new(target):
                query = query.where(rules.model.id != target.id)
            clash = session.scalar(query.limit(1)) is not None
        if clash:
            problems.append(FieldProblem(rules.name_of(key), f"another {rules.what} already has {value!r}"))


def _taken_values(session: Session) -> TakenValues | None:
    """The batch's `TakenValues` (made at its first use), when the session is a batch's."""
    scope = session.info.get(BATCH_SCOPE)
    if scope is None:
        return None
    taken = scope.get(TakenValues)
    if taken is None:
        taken = scope[TakenValues] = TakenValues()
    return taken if isinstance(taken, TakenValues) else None


class TakenValues:
    """The values of unique columns already taken, read once per column per batch
    (`BATCH_SCOPE`: an ERP run) and kept up to date by `save`: one SELECT per column instead
    of one per row and column.

    A value another writer takes while the batch goes (between its transactions, or on
    PostgreSQL within one) is not seen here: the table's unique constraint refuses the row
    then, and that item fails alone (its savepoint), to be planned again by the next run."""

    def __init__(self) -> None:
        self._columns: dict[tuple[type[Entity], str], _Column] = {}

    def holder(self, session: Session, model: type[Entity], key: str, value: Any) -> int | None:
        """The id of the row that has `value` in `key`, or None."""
        return self._column(session, model, key).holders.get(value)

    def saved(self, session: Session, model: type[Entity], keys: tuple[str, ...], row: Any) -> None:
        """`row`'s values are taken now; a row not yet flushed holds them as `UNFLUSHED`."""
        holder = UNFLUSHED if row.id is None else row.id
        for key in keys:
            column = self._column(session, model, key)
            old = column.values.pop(holder, None) if row.id is not None else None
            if old is not None and column.holders.get(old) == row.id:
                del column.holders[old]  # the row's old value is free again
            value = getattr(row, key)
            if value is not None:
                column.holders[value] = holder
                if row.id is not None:
                    column.values[row.id] = value

    def clear(self) -> None:
        self._columns.clear()

    def _column(self, session: Session, model: type[Entity], key: str) -> _Column:
        found = self._columns.get((model, key))
        if found is None:
            attribute = getattr(model, key)
            rows = [(value, holder) for value, holder in session.execute(sa.select(attribute, model.id))]
            found = self._columns[(model, key)] = _Column(
                {value: holder for value, holder in rows if value is not None},
                {holder: value for value, holder in rows if value is not None},
            )
        return found


UNFLUSHED = -1
"""The holder of a value whose row waits in the session for its flush (no id yet)."""


@dataclass(slots=True)
class _Column:
    holders: dict[Any, int]
    """value -> the id of the row that has it"""
    values: dict[int, Any]
    """id -> its value"""


def is_new(row: object) -> bool:
    """Not yet in the database (being created)."""
    state = sa.inspect(row)
    return bool(state is None or state.transient or state.pending)


def count(session: Session, model: type[Entity], *where: sa.ColumnElement[bool]) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)
