"""API clients (client-credentials flow) and their tokens.

Client secrets are stored as scrypt hashes; tokens as SHA-256 digests. Neither is ever
readable again after it is handed out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tandem.hub.models import AccessToken, ApiClient
from tandem.hub.models.common import utcnow
from tandem.hub.services.errors import FieldProblem, ValidationFailed

AREAS = (
    "activities",
    "customers",
    "fees",
    "files",
    "hours",
    "invoices",
    "projects",
    "resourceallocations",
    "settings",
    "travels",
    "users",
)
SCOPES = (
    *(f"{area}:{right}" for area in AREAS for right in ("read", "write", "delete")),
    "organization:read",
    "organization:write",
)

SCRYPT_COST = {"n": 2**14, "r": 8, "p": 1}
"""What a new secret's hash costs (16 MiB, tens of milliseconds). Each hash names the cost it
was made with, so a later change of these leaves the secrets handed out before still good."""
_OLDEST_COST = {"n": 2**14, "r": 8, "p": 1}
"""The cost of hashes made before the cost was written into them (`scrypt$salt$digest`)."""


def hash_secret(secret: str) -> str:
    """`scrypt$n=…,r=…,p=…$salt$digest` (base64)."""
    salt, cost = secrets.token_bytes(16), dict(SCRYPT_COST)
    digest = hashlib.scrypt(secret.encode(), salt=salt, dklen=32, **cost)
    named = ",".join(f"{k}={v}" for k, v in cost.items())
    return f"scrypt${named}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_secret(secret: str, stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) == 3:
        (scheme, salt_b64, digest_b64), cost = parts, _OLDEST_COST
    elif len(parts) == 4:
        scheme, named, salt_b64, digest_b64 = parts
        try:
            cost = {k: int(v) for k, v in (pair.split("=") for pair in named.split(","))}
        except ValueError:
            return False
        if set(cost) != {"n", "r", "p"}:
            return False
    else:
        return False
    if scheme != "scrypt":
        return False
    try:
        digest = hashlib.scrypt(secret.encode(), salt=base64.b64decode(salt_b64), dklen=32, **cost)
    except ValueError:  # a cost scrypt refuses (a damaged row)
        return False
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))


def parse_scopes(text: str) -> list[str]:
    """`activities:read,users:read`, space or comma separated; `all` for every scope."""
    wanted = [s for s in text.replace(",", " ").split() if s]
    if wanted == ["all"]:
        return list(SCOPES)
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ValidationFailed(FieldProblem("scopes", f"unknown scope(s): {', '.join(unknown)}"))
    if not wanted:
        raise ValidationFailed(FieldProblem("scopes", "at least one scope is needed"))
    return list(dict.fromkeys(wanted))


@dataclass(frozen=True, slots=True)
class NewClient:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]


def create_client(session: Session, name: str, scopes: list[str]) -> NewClient:
    client_id = "tandem_" + secrets.token_hex(10)
    secret = secrets.token_urlsafe(32)
    session.add(ApiClient(client_id=client_id, name=name, secret_hash=hash_secret(secret), scopes=" ".join(scopes)))
    session.flush()
    return NewClient(client_id, secret, tuple(scopes))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking: an API client and the scopes its token carries."""

    client_id: str
    scopes: frozenset[str]

    @property
    def label(self) -> str:
        return f"api:{self.client_id}"


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    access_expires: datetime
    refresh_token: str
    refresh_expires: datetime
    scopes: tuple[str, ...]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    session: Session, client: ApiClient, scopes: list[str], access_lifetime: int, refresh_lifetime: int
) -> IssuedTokens:
    now = utcnow()
    access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    access_expires = now + timedelta(seconds=access_lifetime)
    refresh_expires = now + timedelta(seconds=refresh_lifetime)
    text = " ".join(scopes)
    session.add(
        AccessToken(
            token_hash=_digest(access), kind="access", client_id=client.id, scopes=text, expires_at=access_expires
        )
    )
    session.add(
        AccessToken(
            token_hash=_digest(refresh), kind="refresh", client_id=client.id, scopes=text, expires_at=refresh_expires
        )
    )
    session.execute(sa.delete(AccessToken).where(AccessToken.expires_at < now))
    return IssuedTokens(access, access_expires, refresh, refresh_expires, tuple(scopes))


def authenticate_client(session: Session, client_id: str, secret: str) -> ApiClient | None:
    client = session.scalars(sa.select(ApiClient).where(ApiClient.client_id == client_id)).one_or_none()
    if client is None or not client.is_active:
        hash_secret(secret)  # the same work either way: no timing hint of which ids exist
        return None
    return client if verify_secret(secret, client.secret_hash) else None


def lookup_token(session: Session, token: str, kind: str = "access") -> tuple[ApiClient, AccessToken] | None:
    row = session.execute(
        sa.select(AccessToken, ApiClient)
        .join(ApiClient, ApiClient.id == AccessToken.client_id)
        .where(AccessToken.token_hash == _digest(token), AccessToken.kind == kind)
    ).one_or_none()
    if row is None:
        return None
    stored, client = row
    if stored.expires_at <= utcnow() or not client.is_active:
        return None
    return client, stored


def revoke(session: Session, token: str) -> None:
    session.execute(sa.delete(AccessToken).where(AccessToken.token_hash == _digest(token)))


def list_clients(session: Session) -> list[ApiClient]:
    """Every API client, newest last (revoked ones too: `is_active` False)."""
    return list(session.scalars(sa.select(ApiClient).order_by(ApiClient.created_at, ApiClient.id)))


def revoke_client(session: Session, client_id: str) -> ApiClient | None:
    """The client can no longer get tokens and the tokens it holds stop working at once;
    the row is kept (who had access stays on record). None when there is no such client."""
    client = session.scalars(sa.select(ApiClient).where(ApiClient.client_id == client_id.strip())).one_or_none()
    if client is None:
        return None
    client.is_active = False
    session.execute(sa.delete(AccessToken).where(AccessToken.client_id == client.id))
    return client
