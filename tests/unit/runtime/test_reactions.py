"""The one table of what the runtime does about each of Tandem's errors."""

from __future__ import annotations

import inspect

from tandem.domain import errors
from tandem.runtime.reactions import REACTIONS, Reaction, during_reading, reaction


def error_classes() -> list[type[errors.TandemError]]:
    """Every class under `TandemError`, walked down the hierarchy (so a new one is found)."""
    found: list[type[errors.TandemError]] = []
    todo: list[type[errors.TandemError]] = [errors.TandemError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_of_the_domain_has_its_own_row() -> None:
    declared = {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.TandemError) and cls.__module__ == errors.__name__
    }
    walked = {cls for cls in error_classes() if cls.__module__ == errors.__name__}
    assert declared == walked
    assert sorted(c.__name__ for c in walked - REACTIONS.keys()) == []


def test_the_guards_replan_the_refusals_quarantine_the_outages_wait() -> None:
    assert reaction(errors.PreconditionFailed("etag")) is Reaction.REPLAN
    assert reaction(errors.AlreadyExists("409")) is Reaction.REPLAN
    assert reaction(errors.NotFound("404")) is Reaction.REPLAN
    assert reaction(errors.InvalidRequest("400")) is Reaction.QUARANTINE
    assert reaction(errors.Forbidden("403")) is Reaction.QUARANTINE
    assert reaction(errors.RemoteDataInvalid("junk")) is Reaction.QUARANTINE
    assert reaction(errors.Unavailable("lost connection")) is Reaction.RETRY_LATER
    assert reaction(errors.RateLimited("429")) is Reaction.RETRY_LATER
    assert reaction(errors.QuotaExceeded("quota")) is Reaction.PAUSE
    assert reaction(errors.DelegationDenied("scope")) is Reaction.STOP_RUN
    assert reaction(errors.ConfigurationError("key")) is Reaction.STOP_RUN


def test_a_subclass_without_a_row_reacts_as_its_parent() -> None:
    class TableLocked(errors.Unavailable):
        pass

    assert TableLocked not in REACTIONS
    assert reaction(TableLocked("locked")) is Reaction.RETRY_LATER


def test_an_exception_that_is_not_tandems_is_left_for_the_next_run() -> None:
    assert reaction(KeyError("bug")) is Reaction.RETRY_LATER


def test_while_reading_only_what_stops_the_run_stops_it() -> None:
    assert during_reading(errors.PreconditionFailed("etag")) is Reaction.RETRY_LATER
    assert during_reading(errors.InvalidRequest("400")) is Reaction.RETRY_LATER
    assert during_reading(errors.QuotaExceeded("quota")) is Reaction.PAUSE
    assert during_reading(errors.AuthFailed("refused")) is Reaction.STOP_RUN
