"""What the runtime does about each of Tandem's errors: ONE table, read by the executor
(an item's writes and replans) and the user sync (a run's reads) alike.

    error                                    reaction      what follows
    ---------------------------------------  ------------  ------------------------------------------
    NotFound, Gone, AlreadyExists,           REPLAN        read the item again and plan it again (a
    PreconditionFailed                                     few times; then quarantine it)
    InvalidRequest, Forbidden,               QUARANTINE    set the item aside with the reason (CAL-17)
    RemoteDataInvalid, WeSentSomethingWrong
    Unavailable, RateLimited, TheyFailed,    RETRY_LATER   leave the item (or the run) for the next
    TandemError                                            run; the user backs off
    AuthFailed, DelegationDenied,            STOP_RUN      stop the whole run; the user backs off and
    ConfigurationError                                     the admin sees why (CAL-2, CAL-3)
    QuotaExceeded                            PAUSE         stop the whole run and pause the user

An error is looked up along its class's MRO, so a subclass without a row of its own
(`FullSyncRequired` under `Gone`) reacts as its parent. Anything that is not a Tandem error
(a bug, a library's exception no adapter translated) is RETRY_LATER too, logged with its
stack: one item's surprise never cancels the user's other items.

The reading phase of a run has no item to replan or quarantine: there every reaction but
STOP_RUN and PAUSE means "retry the run later" (`during_reading`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from tandem.domain import errors


class Reaction(enum.Enum):
    REPLAN = "replan"
    QUARANTINE = "quarantine"
    RETRY_LATER = "retry later"
    STOP_RUN = "stop the run"
    PAUSE = "pause the user"

    @property
    def stops_run(self) -> bool:
        return self in (Reaction.STOP_RUN, Reaction.PAUSE)


REACTIONS: Mapping[type[BaseException], Reaction] = {
    errors.TandemError: Reaction.RETRY_LATER,
    errors.ConfigurationError: Reaction.STOP_RUN,
    errors.AuthFailed: Reaction.STOP_RUN,
    errors.DelegationDenied: Reaction.STOP_RUN,
    errors.WeSentSomethingWrong: Reaction.QUARANTINE,
    errors.InvalidRequest: Reaction.QUARANTINE,
    errors.NotFound: Reaction.REPLAN,
    errors.Gone: Reaction.REPLAN,
    errors.FullSyncRequired: Reaction.REPLAN,
    errors.AlreadyExists: Reaction.REPLAN,
    errors.PreconditionFailed: Reaction.REPLAN,
    errors.Forbidden: Reaction.QUARANTINE,
    errors.TheyFailed: Reaction.RETRY_LATER,
    errors.Unavailable: Reaction.RETRY_LATER,
    errors.RateLimited: Reaction.RETRY_LATER,
    errors.QuotaExceeded: Reaction.PAUSE,
    errors.RemoteDataInvalid: Reaction.QUARANTINE,
}


def reaction(error: BaseException) -> Reaction:
    """The reaction to `error`: its class's row, else its nearest ancestor's."""
    for cls in type(error).__mro__:
        found = REACTIONS.get(cls)
        if found is not None:
            return found
    return Reaction.RETRY_LATER


def during_reading(error: BaseException) -> Reaction:
    """The reaction to `error` met while a run reads: no item to replan or quarantine yet."""
    found = reaction(error)
    return found if found.stops_run else Reaction.RETRY_LATER
