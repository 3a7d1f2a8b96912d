"""The JWT-bearer grant (RFC 7523) as Google's token endpoint checks it.

Checks, in Google's order: the grant type, a well-formed RS256 assertion, a known issuer
(the service account's email), the signature against the account's key (the `kid`, when
given, must name it), the audience, a lifetime of at most one hour that contains now
(with a little clock skew), a scope, then, for domain-wide delegation (`sub`), that every
requested scope is delegated to the account's client id and that `sub` is a user of the
domain. Failures answer as Google does: `invalid_grant`, `unauthorized_client`, ...

google-auth always puts Google's own token URI in `aud`, whatever `token_uri` it posts to,
so Google's URIs are accepted beside the emulator's.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from tandem.emulators.google.accounts import ServiceAccount
from tandem.emulators.google.errors import OAuthError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_URIS = (
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
)
MAX_LIFETIME = timedelta(hours=1)
ACCESS_TOKEN_SECONDS = 3599
BAD_TIMES = (
    "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
    "Check your iat and exp values in the JWT claim."
)
NOT_DELEGATED = (
    "Client is unauthorized to retrieve access tokens using this method, "
    "or client not authorized for any of the scopes requested."
)


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An issued bearer token; `subject` is the user it acts as (the account itself without `sub`)."""

    value: str = field(repr=False)
    account: str
    subject: str
    delegated: bool
    scopes: frozenset[str]
    project_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Grant:
    account: ServiceAccount
    subject: str | None
    scopes: frozenset[str]


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _decode(assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    try:
        header_part, claims_part, signature_part = assertion.split(".")
        header, claims = json.loads(_b64(header_part)), json.loads(_b64(claims_part))
        signature = _b64(signature_part)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.")
    return header, claims, f"{header_part}.{claims_part}".encode(), signature


def _signature_ok(account: ServiceAccount, signed: bytes, signature: bytes) -> bool:
    try:
        account.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _check_times(claims: Mapping[str, Any], now: datetime, skew: timedelta) -> None:
    iat, exp = claims.get("iat"), claims.get("exp")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise OAuthError("invalid_grant", BAD_TIMES)
    stamp = now.timestamp()
    if exp - iat > MAX_LIFETIME.total_seconds() or exp <= iat:
        raise OAuthError("invalid_grant", BAD_TIMES)
    if iat > stamp + skew.total_seconds() or exp < stamp - skew.total_seconds():
        raise OAuthError("invalid_grant", BAD_TIMES)


def verify_grant(
    form: Mapping[str, str],
    *,
    account_by_email: Callable[[str], ServiceAccount | None],
    audiences: tuple[str, ...],
    now: datetime,
    skew: timedelta,
) -> Grant:
    """Check the grant request up to (not including) delegation and the subject."""
    if form.get("grant_type") != JWT_BEARER:
        raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
    assertion = form.get("assertion")
    if not assertion:
        raise OAuthError("invalid_request", "Missing required parameter: assertion")
    header, claims, signed, signature = _decode(assertion)
    if header.get("alg") != "RS256":
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")
    account = account_by_email(str(claims.get("iss", "")).lower())
    if account is None:
        raise OAuthError("invalid_grant", "Invalid grant: account not found")
    kid = header.get("kid")
    if (kid is not None and kid != account.key_id) or not _signature_ok(account, signed, signature):
        raise OAuthError("invalid_grant", "Invalid JWT Signature.")
    if claims.get("aud") not in audiences:
        raise OAuthError(
            "invalid_grant", f"Invalid JWT: Failed audience check. The expected audience is {audiences[0]}."
        )
    _check_times(claims, now, skew)
    scopes = frozenset(str(claims.get("scope", "")).split())
    if not scopes:
        raise OAuthError("invalid_scope", "Empty or missing scope not allowed.")
    subject = claims.get("sub")
    return Grant(account, str(subject).lower() if subject else None, scopes)


def new_access_token(grant: Grant, now: datetime) -> AccessToken:
    return AccessToken(
        value="ya29.emu-" + secrets.token_urlsafe(48),
        account=grant.account.email,
        subject=grant.subject or grant.account.email,
        delegated=grant.subject is not None,
        scopes=grant.scopes,
        project_id=grant.account.project_id,
        expires_at=now + timedelta(seconds=ACCESS_TOKEN_SECONDS + 1),
    )
