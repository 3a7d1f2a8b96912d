"""Service-account keys and the OAuth token endpoint, as google-auth meets them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from google.auth import crypt, jwt
from google.auth.exceptions import RefreshError
from google.oauth2 import service_account

from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tests.integration.google_emulator.helpers import (
    ALICE,
    BOB,
    access_token,
    error_reason,
    json_credentials,
    p12_credentials,
)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _get(server: EmulatorServer, token: str, calendar: str = "primary") -> httpx.Response:
    return httpx.get(f"{server.api_root}/calendars/{calendar}/events", headers={"Authorization": f"Bearer {token}"})


def test_json_key_has_googles_fields_and_points_at_the_emulator(
    server: EmulatorServer, key_dir: Path, account: ServiceAccount
) -> None:
    key = json.loads((key_dir / "key.json").read_text())
    assert key["type"] == "service_account"
    assert key["client_email"] == account.email
    assert key["client_id"] == account.client_id
    assert key["private_key_id"] == account.key_id
    assert key["private_key"].startswith("-----BEGIN " + "PRIVATE KEY-----")  # generated at run time
    assert key["token_uri"] == server.token_uri
    assert "private_key" not in repr(account)


def test_json_key_credentials_obtain_a_token_that_reads_the_users_calendar(
    server: EmulatorServer, key_dir: Path
) -> None:
    token = access_token(json_credentials(key_dir, ALICE))
    response = _get(server, token)
    assert response.status_code == 200
    assert response.json()["summary"] == ALICE


def test_p12_key_credentials_obtain_a_token_that_reads_the_users_calendar(
    server: EmulatorServer, key_dir: Path, account: ServiceAccount
) -> None:
    token = access_token(p12_credentials(key_dir, account.email, server.token_uri, BOB))
    response = _get(server, token)
    assert response.status_code == 200
    assert response.json()["summary"] == BOB


def test_p12_key_opens_only_with_its_password(key_dir: Path) -> None:
    data = (key_dir / "key.p12").read_bytes()
    key, certificate, _ = pkcs12.load_key_and_certificates(data, b"notasecret")
    assert isinstance(key, rsa.RSAPrivateKey)
    assert certificate is not None
    with pytest.raises(ValueError, match=r"(?i)password"):
        pkcs12.load_key_and_certificates(data, b"wrong")


def test_token_for_a_user_outside_the_domain_is_invalid_grant(key_dir: Path) -> None:
    with pytest.raises(RefreshError) as caught:
        access_token(json_credentials(key_dir, "nobody@example.com"))
    assert caught.value.args[1]["error"] == "invalid_grant"
    assert caught.value.args[1]["error_description"] == "Invalid email or User ID"


def test_assertion_signed_with_another_key_is_invalid_grant(server: EmulatorServer, account: ServiceAccount) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    signer = crypt.RSASigner.from_string(pem, key_id=account.key_id)
    credentials = service_account.Credentials(
        signer, account.email, server.token_uri, scopes=[CALENDAR_SCOPE], subject=ALICE
    )
    with pytest.raises(RefreshError) as caught:
        access_token(credentials)
    assert caught.value.args[1]["error"] == "invalid_grant"
    assert "Signature" in caught.value.args[1]["error_description"]


def test_expired_assertion_is_invalid_grant(server: EmulatorServer, key_dir: Path) -> None:
    server.state.clock.advance(2 * 3600)  # google-auth signs with real time: now two hours old
    with pytest.raises(RefreshError) as caught:
        access_token(json_credentials(key_dir, ALICE))
    assert caught.value.args[1]["error"] == "invalid_grant"
    assert "iat and exp" in caught.value.args[1]["error_description"]


def test_scope_not_delegated_is_unauthorized_client(key_dir: Path) -> None:
    events_scope = f"{CALENDAR_SCOPE}.events"
    with pytest.raises(RefreshError) as caught:
        access_token(json_credentials(key_dir, ALICE, scopes=(events_scope,)))
    assert caught.value.args[1]["error"] == "unauthorized_client"


def test_unauthorized_client_is_answered_with_401_as_google_does(
    server: EmulatorServer, account: ServiceAccount
) -> None:
    now = int(server.state.now().timestamp())
    claims = {"iss": account.email, "sub": ALICE, "aud": server.token_uri, "iat": now, "exp": now + 600}
    claims["scope"] = "https://www.googleapis.com/auth/gmail.readonly"
    assertion = jwt.encode(crypt.RSASigner.from_string(account.private_key_pem, account.key_id), claims).decode()
    response = httpx.post(server.token_uri, data={"grant_type": JWT_BEARER, "assertion": assertion})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized_client"


def test_revoked_delegation_is_unauthorized_client_and_granting_again_works(
    server: EmulatorServer, key_dir: Path, account: ServiceAccount
) -> None:
    server.state.revoke_delegation(account.client_id)
    with pytest.raises(RefreshError) as caught:
        access_token(json_credentials(key_dir, ALICE))
    assert caught.value.args[1]["error"] == "unauthorized_client"
    server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
    assert access_token(json_credentials(key_dir, ALICE))


def test_token_endpoint_refuses_other_grant_types(server: EmulatorServer) -> None:
    response = httpx.post(server.token_uri, data={"grant_type": "password", "username": "x"})
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_expired_access_tokens_answer_401_unauthenticated(server: EmulatorServer, key_dir: Path) -> None:
    credentials = json_credentials(key_dir, ALICE)
    token = access_token(credentials)
    server.state.expire_access_tokens()
    response = _get(server, token)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == "UNAUTHENTICATED"
    assert error["message"].startswith("Request had invalid authentication credentials.")
    assert _get(server, access_token(credentials)).status_code == 200


def test_access_token_lapses_after_an_hour_of_emulator_time(server: EmulatorServer, key_dir: Path) -> None:
    token = access_token(json_credentials(key_dir, ALICE))
    server.state.clock.advance(3599 - 5)
    assert _get(server, token).status_code == 200
    server.state.clock.advance(10)
    assert _get(server, token).status_code == 401


def test_missing_authorization_is_401(server: EmulatorServer) -> None:
    response = httpx.get(f"{server.api_root}/calendars/primary/events")
    assert response.status_code == 401
    assert error_reason(response) == "required"


def test_disabled_calendar_api_is_403_access_not_configured(
    server: EmulatorServer, key_dir: Path, account: ServiceAccount
) -> None:
    token = access_token(json_credentials(key_dir, ALICE))
    server.state.set_api_enabled(account.project_id, False)
    response = _get(server, token)
    assert response.status_code == 403
    assert error_reason(response) == "accessNotConfigured"
    assert "has not been used in project" in response.json()["error"]["message"]
    server.state.set_api_enabled(account.project_id, True)
    assert _get(server, token).status_code == 200


def test_another_users_calendar_is_not_found(server: EmulatorServer, key_dir: Path) -> None:
    token = access_token(json_credentials(key_dir, ALICE))
    assert _get(server, token, ALICE).status_code == 200
    response = _get(server, token, BOB)
    assert response.status_code == 404
    assert error_reason(response) == "notFound"


def test_read_only_scope_reads_but_cannot_write(server: EmulatorServer, key_dir: Path, account: ServiceAccount) -> None:
    readonly = f"{CALENDAR_SCOPE}.readonly"
    server.state.grant_delegation(account.client_id, [readonly])
    token = access_token(json_credentials(key_dir, ALICE, scopes=(readonly,)))
    assert _get(server, token).status_code == 200
    response = httpx.post(
        f"{server.api_root}/calendars/primary/events",
        headers={"Authorization": f"Bearer {token}"},
        json={"start": {"date": "2030-01-01"}, "end": {"date": "2030-01-02"}},
    )
    assert response.status_code == 403
    assert error_reason(response) == "insufficientPermissions"


def test_assertion_lifetime_longer_than_an_hour_is_refused(server: EmulatorServer, account: ServiceAccount) -> None:
    signer = crypt.RSASigner.from_string(account.private_key_pem, key_id=account.key_id)
    now = server.state.now()
    assertion = jwt.encode(
        signer,
        {
            "iss": account.email,
            "sub": ALICE,
            "aud": server.token_uri,
            "scope": CALENDAR_SCOPE,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=2)).timestamp()),
        },
    )
    response = httpx.post(
        server.token_uri,
        data={"grant_type": JWT_BEARER, "assertion": assertion.decode()},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
