"""Who is asking: client credentials, bearer tokens and the scopes each route needs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tandem import bootstrap
from tandem.hub.models import AccessToken, ApiClient
from tests.support.hub import SpecClient, new_client, token_for


@pytest.fixture
def client(tandem: bootstrap.Tandem) -> SpecClient:
    return SpecClient(tandem.app())


def test_token_flow_and_heartbeats(client: SpecClient, tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem, "activities:read")
    answer = client.post("/v1/token", json={"client_id": client_id, "client_secret": secret})
    assert answer.status_code == 200
    body = answer.json()
    assert body["access_token_type"] == "Bearer"
    assert body["scope"] == "activities:read"
    assert 3500 < body["access_token_expires_in"] <= 3600
    headers = {"Authorization": f"Bearer {body['access_token']}", "Client_Id": client_id}
    assert client.get("/heartbeat/authorized", headers=headers).status_code == 204
    assert client.get("/heartbeat/authorized").status_code == 401
    assert client.get("/heartbeat/server").text == "Server is alive."
    assert client.get("/heartbeat/database").text == "Database is alive."
    refreshed = client.post("/v1/refreshtoken", json=body["refresh_token"], headers={"Client_Id": client_id})
    assert refreshed.status_code == 200
    assert refreshed.json()["access_token"] != body["access_token"]
    again = client.post("/v1/refreshtoken", json=body["refresh_token"])
    assert again.status_code == 401  # a refresh token is used once


@pytest.mark.parametrize(
    "credentials",
    [
        {"client_id": "nobody", "client_secret": "wrong"},
        {"client_id": "KNOWN", "client_secret": "wrong"},
    ],
)
def test_wrong_credentials_get_no_token(
    client: SpecClient, tandem: bootstrap.Tandem, credentials: dict[str, str]
) -> None:
    client_id, _ = new_client(tandem)
    credentials = {k: (client_id if v == "KNOWN" else v) for k, v in credentials.items()}
    response = client.post("/v1/token", json=credentials)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "AuthenticationRequired"


def test_token_request_may_narrow_but_not_widen_scopes(client: SpecClient, tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem, "activities:read,activities:write")
    narrow = token_for(client, client_id, secret, scope="activities:read")
    created = client.post("/v1/activities", json={}, headers={"Authorization": f"Bearer {narrow}"})
    assert created.status_code == 403
    assert created.json()["error"]["type"] == "InsufficientApiScope"
    wider = client.post("/v1/token", json={"client_id": client_id, "client_secret": secret, "scope": "users:read"})
    assert wider.status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/v1/activities", "activities:read"),
        ("POST", "/v1/activities", "activities:write"),
        ("DELETE", "/v1/activities/x", "activities:delete"),
        ("GET", "/v1/users", "users:read"),
        ("POST", "/v1/users", "users:write"),
        ("GET", "/v1/customers", "customers:read"),
        ("DELETE", "/v1/customers/x", "customers:delete"),
        ("GET", "/v1/projects", "projects:read"),
        ("GET", "/v1/activitytypes", "settings:read"),
        ("GET", "/v1/products", "settings:read"),
        ("GET", "/v1/businessunits", "settings:read"),
        ("GET", "/v1/invoices", "invoices:read"),
        ("GET", "/v1/organizationsettings", "organization:read"),
        ("GET", "/tandem/v1/changes", "activities:read"),
    ],
)
def test_every_route_checks_its_scope(
    client: SpecClient, tandem: bootstrap.Tandem, method: str, path: str, scope: str
) -> None:
    area = scope.split(":")[0]
    other = "invoices:read" if area != "invoices" else "users:read"
    client_id, secret = new_client(tandem, other)
    wrong = token_for(client, client_id, secret)
    refused = client.request(method, path, headers={"Authorization": f"Bearer {wrong}"}, json={})
    assert refused.status_code == 403, refused.text
    assert scope in refused.json()["error"]["details"][0]["message"]
    assert client.request(method, path, json={}).status_code == 401
    assert client.request(method, path, json={}, headers={"Authorization": "Bearer forged"}).status_code == 401
    client_id, secret = new_client(tandem, scope)
    right = token_for(client, client_id, secret)
    allowed = client.request(method, path, headers={"Authorization": f"Bearer {right}"}, json={})
    assert allowed.status_code not in (401, 403), allowed.text


def test_client_id_header_must_match_the_token(client: SpecClient, tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem)
    token = token_for(client, client_id, secret)
    response = client.get("/v1/users", headers={"Authorization": f"Bearer {token}", "Client_Id": "someone-else"})
    assert response.status_code == 401


def test_secrets_are_stored_only_as_hashes(tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem)
    plain = TestClient(tandem.app())
    token = token_for(plain, client_id, secret)
    with tandem.db.read() as session:
        stored = session.scalars(sa.select(ApiClient.secret_hash)).all()
        tokens = session.scalars(sa.select(AccessToken.token_hash)).all()
    assert all(secret not in s for s in stored)
    assert stored[0].startswith("scrypt$")
    assert token not in tokens
    assert len(tokens) == 2  # the access and the refresh token's digests


def test_expired_tokens_are_refused(client: SpecClient, tandem: bootstrap.Tandem) -> None:
    client_id, secret = new_client(tandem)
    token = token_for(client, client_id, secret)
    from datetime import UTC, datetime, timedelta

    with tandem.db.write() as session:
        session.execute(sa.update(AccessToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert client.get("/v1/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_secret_handed_out_before_hashes_named_their_cost_still_signs_in() -> None:
    """`scrypt$salt$digest` (no cost in it) was the stored form until hashes named their cost:
    those clients keep working, and a changed cost leaves secrets hashed before it good."""
    import base64
    import hashlib

    from tandem.hub.services import clients

    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(b"an old secret", salt=salt, dklen=32, n=2**14, r=8, p=1)
    old = f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert clients.verify_secret("an old secret", old)
    assert not clients.verify_secret("another secret", old)

    named = clients.hash_secret("a new secret")
    assert named.split("$")[1] == ",".join(f"{k}={v}" for k, v in clients.SCRYPT_COST.items())
    assert clients.verify_secret("a new secret", named)
    assert not clients.verify_secret("a new secret", named.replace("scrypt$", "bcrypt$"))
    assert not clients.verify_secret("a new secret", "scrypt$n=x,r=8,p=1$AAAA$AAAA")
