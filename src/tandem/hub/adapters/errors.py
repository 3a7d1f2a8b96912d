"""The hub's refusals as Tandem's own errors, for the hub's ports (the calendar sync's
`HubPsa` and the ERP's `HubMasterData`): the one place either translates.

    VersionConflict                  PreconditionFailed   read it again, plan again
    ItemNotFound                     NotFound
    ValidationFailed, other refusals InvalidRequest       set the item aside with the reason
    the database failing             as `tandem.store.errors` says: Unavailable for a lost
                                     connection or a lock timeout, AlreadyExists for a
                                     unique value taken meanwhile, …
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tandem.domain import errors
from tandem.hub.services.errors import HubError, ItemNotFound, VersionConflict
from tandem.store.errors import as_tandem_error


@contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a hub call about `what` ("activity 1f…", "new customer 1042") with its refusals
    raised as `tandem.domain.errors`, each message naming `what`."""
    try:
        yield
    except VersionConflict as error:
        raise errors.PreconditionFailed(f"{what} changed meanwhile: {error}") from None
    except ItemNotFound as error:
        raise errors.NotFound(f"the PSA has no {what}: {error}") from None
    except HubError as error:  # ValidationFailed, InvalidOperation
        raise errors.InvalidRequest(f"the PSA refuses {what}: {error}") from None
    except sa.exc.SQLAlchemyError as error:
        raise as_tandem_error(error, f"the PSA on {what}") from error
