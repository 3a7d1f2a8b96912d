"""The web's sessions: a signed cookie holding who is signed in and the session's CSRF token.

The cookie is `base64url(JSON) "." base64url(HMAC-SHA256)`, signed with a key derived from
the server's secret key file (`SecretBox.derive_key("web sessions")`): nothing to store
server-side, and a new key file ends every session. It is signed, not encrypted: it holds
nothing another user could use (a user guid, a random CSRF token, a digest of the
password's hash so a new password ends old sessions, the session's id, which the database
knows until sign-out, and when it was issued). A session older than
`lifetime_s` is not accepted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, replace

COOKIE = "tandem_session"


@dataclass(frozen=True, slots=True)
class WebSession:
    csrf: str
    issued: int
    """Unix seconds."""
    user: str | None = None
    """The signed-in user's guid; None before sign-in."""
    stamp: str = ""
    """`passwords.stamp` of the user's password hash when they signed in."""
    sid: str = ""
    """The signed-in session's id (`hub.services.sign_ins`): signing out deletes it."""

    @classmethod
    def anonymous(cls, now: int) -> WebSession:
        return cls(csrf=secrets.token_urlsafe(32), issued=now)

    def signed_in(self, user: str, stamp: str, sid: str, now: int) -> WebSession:
        """A new session for `user`: a new CSRF token too, so no token seen before sign-in
        (a fixated one) is worth anything after it."""
        return replace(WebSession.anonymous(now), user=user, stamp=stamp, sid=sid)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, key: bytes, lifetime_s: int) -> None:
        self._key = key
        self.lifetime_s = lifetime_s

    def __repr__(self) -> str:
        return f"SessionSigner(<key hidden>, lifetime_s={self.lifetime_s})"

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def dumps(self, session: WebSession) -> str:
        payload = _b64(json.dumps(asdict(session), separators=(",", ":")).encode())
        return f"{payload}.{self._sign(payload)}"

    def loads(self, value: str | None, now: int) -> WebSession | None:
        """The session in a cookie; None when it is missing, forged, malformed or too old."""
        if not value or len(value) > 4096 or value.count(".") != 1:
            return None
        payload, signature = value.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            fields = json.loads(_unb64(payload))
            session = WebSession(
                csrf=str(fields["csrf"]),
                issued=int(fields["issued"]),
                user=None if fields.get("user") is None else str(fields["user"]),
                stamp=str(fields.get("stamp", "")),
                sid=str(fields.get("sid", "")),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if not 0 <= now - session.issued <= self.lifetime_s:
            return None
        return session
