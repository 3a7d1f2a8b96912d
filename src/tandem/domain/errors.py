"""Tandem's own errors. Adapters translate library and HTTP failures into these at
exactly one place each (the SQL stores and the hub's ports: `tandem.store.errors`); cores
and the runtime only ever see these, and `tandem.runtime.reactions` says what each means.

    TandemError
    ├── ConfigurationError          the admin's settings cannot work (bad key file, …)
    ├── AuthFailed                  credentials refused by the other side
    │   └── DelegationDenied        domain-wide delegation not granted for the scope
    ├── WeSentSomethingWrong        the other side rejected what we sent (fix us, not them)
    │   ├── InvalidRequest          400: a field or parameter the other side refuses
    │   ├── NotFound                404: the item is not there
    │   ├── Gone                    410: the item (or a sync token) is no longer valid
    │   │   └── FullSyncRequired    410 on a sync cursor: start over with a full read
    │   ├── AlreadyExists           409: an id already taken (a retried create)
    │   ├── PreconditionFailed      412: the item changed since we read it (etag)
    │   └── Forbidden               403 that is not a rate limit
    └── TheyFailed                  the other side failed or asked us to slow down
        ├── Unavailable             5xx, timeouts, connection failures, a database lost
        │                           or locked past its busy timeout: retry later
        ├── RateLimited             403 rateLimitExceeded / 429: back off, retry
        ├── QuotaExceeded           403 quotaExceeded: pause this user for a while
        └── RemoteDataInvalid       they sent something we cannot read
"""

from __future__ import annotations


class TandemError(Exception):
    """Base of every error Tandem raises on purpose."""


class ConfigurationError(TandemError):
    pass


class AuthFailed(TandemError):
    pass


class DelegationDenied(AuthFailed):
    pass


class WeSentSomethingWrong(TandemError):
    pass


class InvalidRequest(WeSentSomethingWrong):
    pass


class NotFound(WeSentSomethingWrong):
    pass


class Gone(WeSentSomethingWrong):
    pass


class FullSyncRequired(Gone):
    pass


class AlreadyExists(WeSentSomethingWrong):
    pass


class PreconditionFailed(WeSentSomethingWrong):
    pass


class Forbidden(WeSentSomethingWrong):
    pass


class TheyFailed(TandemError):
    pass


class Unavailable(TheyFailed):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TheyFailed):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(TheyFailed):
    pass


class RemoteDataInvalid(TheyFailed):
    pass
