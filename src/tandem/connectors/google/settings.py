"""What the admin configures for Google (CAL-2), and where Google is.

The addresses are settings because the emulator stands in for Google in tests, the demo
and benchmarks; in production they keep their defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - an address, not a secret
GOOGLE_API_ROOT = "https://www.googleapis.com/calendar/v3"
_SERVICE_PATH = "/calendar/v3"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The token endpoint, the Calendar API root and the batch endpoint."""

    token_uri: str = GOOGLE_TOKEN_URI
    api_root: str = GOOGLE_API_ROOT
    batch_uri: str | None = None
    """Default: `<host>/batch/calendar/v3` beside an API root that ends in `/calendar/v3`."""

    @property
    def batch_url(self) -> str:
        if self.batch_uri:
            return self.batch_uri
        root = self.api_root.rstrip("/")
        base = root[: -len(_SERVICE_PATH)] if root.endswith(_SERVICE_PATH) else root
        return f"{base}/batch{_SERVICE_PATH}"

    @property
    def api_path(self) -> str:
        """The API root's path (`/calendar/v3`): parts of a batch name their target by path."""
        return urlsplit(self.api_root).path.rstrip("/")

    @classmethod
    def at(cls, base_url: str) -> Endpoints:
        """Everything under one base URL, as the emulator serves it (`<base>/token`, ...)."""
        base = base_url.rstrip("/")
        return cls(
            token_uri=f"{base}/token", api_root=f"{base}{_SERVICE_PATH}", batch_uri=f"{base}/batch{_SERVICE_PATH}"
        )


@dataclass(frozen=True, slots=True)
class GoogleSettings:
    """The organisation's Google setup: the key file as uploaded, its password (P12 only)
    and the service account's email (required with a P12, which does not name it).

    The runtime keeps these encrypted at rest (CAL-2); nothing here prints them."""

    key_file: bytes = field(repr=False)
    key_password: str | None = field(default=None, repr=False)
    service_account_email: str | None = None
    endpoints: Endpoints = field(default_factory=Endpoints)
