"""Talking to the emulator the way Tandem will: google-auth credentials, then httpx."""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from google.auth import crypt, transport
from google.auth import exceptions as auth_exceptions
from google.oauth2 import service_account

from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer

USERS = ("alice@example.com", "bob@example.com", "carol@example.com")
ALICE, BOB, CAROL = USERS
OUTSIDER = "guest@partner.org"
# One TLS context for every client: building one per httpx client costs ~25 ms, and the
# emulator is plain HTTP on loopback anyway.
TLS = ssl.create_default_context()


def http_client(**kwargs: Any) -> httpx.Client:
    return httpx.Client(verify=TLS, timeout=10, **kwargs)


class _Response(transport.Response):  # type: ignore[misc]
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):  # type: ignore[misc]
    """google-auth's transport interface over httpx (token refreshes go through this)."""

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _Response:
        try:
            with http_client() as client:
                response = client.request(method, url, content=body, headers=dict(headers or {}))
        except httpx.HTTPError as exc:
            raise auth_exceptions.TransportError(exc) from exc
        return _Response(response)


def json_credentials(key_dir: Path, user: str, scopes: tuple[str, ...] = (CALENDAR_SCOPE,)) -> Any:
    """google-auth's credentials from `key.json`, as `from_service_account_file` makes them, with
    the key's signer opened once per key (opening an RSA key costs ~25 ms; tests ask often)."""
    info = json.loads((key_dir / "key.json").read_text(encoding="utf-8"))
    signer = _signer(info["private_key"], info["private_key_id"])
    return service_account.Credentials(
        signer, info["client_email"], info["token_uri"], scopes=list(scopes), subject=user
    )


@cache
def _signer(private_key: str, key_id: str) -> Any:
    return crypt.RSASigner.from_string(private_key, key_id)


def p12_credentials(key_dir: Path, email: str, token_uri: str, user: str, password: str = "notasecret") -> Any:
    """What Tandem does with a P12 file: cryptography opens it, google-auth signs with it."""
    key, _certificate, _extra = pkcs12.load_key_and_certificates((key_dir / "key.p12").read_bytes(), password.encode())
    assert key is not None
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    signer = crypt.RSASigner.from_string(pem)
    return service_account.Credentials(signer, email, token_uri, scopes=[CALENDAR_SCOPE], subject=user)


def access_token(credentials: Any) -> str:
    credentials.refresh(HttpxRequest())
    return str(credentials.token)


@dataclass
class Calendar:
    """One user's view of the API: an httpx client on their primary calendar."""

    server: EmulatorServer
    user: str
    client: httpx.Client

    def get(self, path: str = "", **params: Any) -> httpx.Response:
        return self.client.get(f"/events{path}", params=params)

    def insert(self, body: dict[str, Any], **params: Any) -> httpx.Response:
        return self.client.post("/events", json=body, params=params)

    def update(
        self, event_id: str, body: dict[str, Any], headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.client.put(f"/events/{event_id}", json=body, params=params, headers=headers)

    def patch(
        self, event_id: str, body: dict[str, Any], headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.client.patch(f"/events/{event_id}", json=body, params=params, headers=headers)

    def delete(self, event_id: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
        return self.client.delete(f"/events/{event_id}", params=params, headers=headers)

    def list(self, **params: Any) -> dict[str, Any]:
        response = self.client.get("/events", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def list_all(self, **params: Any) -> tuple[list[dict[str, Any]], str]:
        """Every page of a list; returns the items and the final nextSyncToken."""
        items: list[dict[str, Any]] = []
        page_token: str | None = None
        while True:
            page = self.list(**params, **({"pageToken": page_token} if page_token else {}))
            items.extend(page["items"])
            page_token = page.get("nextPageToken")
            if page_token is None:
                return items, str(page["nextSyncToken"])


def error_reason(response: httpx.Response) -> str:
    return str(response.json()["error"]["errors"][0]["reason"])


def invalid_parameter(location: str, message: str) -> dict[str, str]:
    """The error Google gives first in a 400 for a value of a request parameter it refuses."""
    return {
        "domain": "global",
        "reason": "invalid",
        "message": message,
        "locationType": "parameter",
        "location": location,
    }


def timed(start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"start": {"dateTime": start}, "end": {"dateTime": end}, **extra}


def all_day(start: str, end: str, **extra: Any) -> dict[str, Any]:
    return {"start": {"date": start}, "end": {"date": end}, **extra}


def birthday(summary: str) -> dict[str, Any]:
    """A birthday as Google makes one: all day on 6 May 2030, yearly, private and free."""
    return all_day(
        "2030-05-06",
        "2030-05-07",
        summary=summary,
        eventType="birthday",
        recurrence=["RRULE:FREQ=YEARLY"],
        visibility="private",
        transparency="transparent",
    )
