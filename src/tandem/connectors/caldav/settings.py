"""Where each user's calendar is on the CalDAV server, and how to sign in.

Either a URL template (`https://dav.example.com/{email}/calendar/`: the user's email,
URL-quoted, in place of `{email}`) or a server URL to discover the calendar from: the
user's principal (`DAV:current-user-principal`, RFC 5397), its `calendar-home-set`
(RFC 4791 §6.2.1), and there the first calendar that holds events.

Credentials are per user (`user_credentials`, by email) or one pair for all, whose user
name may be a template too (`{email}`). The runtime keeps them encrypted at rest, like the
Google key; nothing here prints a password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from tandem.domain.errors import ConfigurationError

EMAIL = "{email}"


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class CaldavSettings:
    calendar_url: str | None = None
    """A template with `{email}`: the calendar of each user."""
    server_url: str | None = None
    """Where discovery starts (the server's root or its `/.well-known/caldav`)."""
    credentials: Credentials | None = field(default=None, repr=False)
    """For every user without their own; `{email}` in the user name is the user's email."""
    user_credentials: Mapping[str, Credentials] = field(default_factory=dict, repr=False)
    """By email, case-insensitive."""
    scheduling: bool = False
    """The server delivers invitations itself (RFC 6638, e.g. Nextcloud, Fastmail);
    Radicale does not."""

    def __post_init__(self) -> None:
        if not self.calendar_url and not self.server_url:
            raise ConfigurationError("CalDAV: give a calendar URL template (with {email}) or a server URL to discover")

    def calendar_url_for(self, email: str) -> str | None:
        if not self.calendar_url:
            return None
        url = self.calendar_url.replace(EMAIL, quote(email, safe="@"))
        return url if url.endswith("/") else url + "/"

    def credentials_for(self, email: str) -> Credentials | None:
        own = {k.lower(): v for k, v in self.user_credentials.items()}.get(email.lower())
        if own is not None or self.credentials is None:
            return own
        return Credentials(self.credentials.username.replace(EMAIL, email), self.credentials.password)
