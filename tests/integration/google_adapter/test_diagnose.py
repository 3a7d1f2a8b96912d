"""The admin's Test action (CAL-2): the key opens, a token is obtained by domain-wide
delegation for a real user, the primary calendar is readable; each failure says which."""

from __future__ import annotations

from pathlib import Path

import pytest

from tandem.connectors.google import Endpoints, GoogleSettings, diagnose
from tandem.connectors.google.diagnose import Check, CheckStatus
from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, ServiceAccount
from tests.integration.google_adapter.helpers import ALICE, STRANGER

pytestmark = pytest.mark.anyio


def _statuses(checks: list[Check]) -> list[tuple[str, CheckStatus]]:
    return [(c.name, c.status) for c in checks]


def _p12(key_dir: Path, account: ServiceAccount, endpoints: Endpoints, password: str = "notasecret") -> GoogleSettings:
    return GoogleSettings((key_dir / "key.p12").read_bytes(), password, account.email, endpoints)


async def test_cal_2_test_passes_with_the_p12_file_and_with_the_json_key(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints
) -> None:
    with_json = GoogleSettings((key_dir / "key.json").read_bytes(), None, None, endpoints)
    for settings in (_p12(key_dir, account, endpoints), with_json):
        checks = await diagnose.test_connection(settings, ALICE)
        assert all(c.ok for c in checks), checks
        assert [c.name for c in checks] == ["key", "token", "calendar"]
        assert ALICE in checks[1].message
        assert "primary calendar of alice@example.com is readable" in checks[2].message


async def test_cal_2_wrong_p12_password_fails_the_key_check_and_skips_the_rest(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints, server: EmulatorServer
) -> None:
    checks = await diagnose.test_connection(_p12(key_dir, account, endpoints, password="wrong-pass"), ALICE)
    assert _statuses(checks) == [
        ("key", CheckStatus.FAILED),
        ("token", CheckStatus.SKIPPED),
        ("calendar", CheckStatus.SKIPPED),
    ]
    assert "password is wrong" in checks[0].message
    assert server.state.request_counts() == {}  # nothing was sent to Google


async def test_cal_2_corrupt_key_file_fails_with_its_own_message(account: ServiceAccount, endpoints: Endpoints) -> None:
    settings = GoogleSettings(b"PK\x03\x04 a zip file, not a key" * 20, "notasecret", account.email, endpoints)
    checks = await diagnose.test_connection(settings, ALICE)
    assert checks[0].status is CheckStatus.FAILED
    assert "not a PKCS#12" in checks[0].message


async def test_cal_2_delegation_not_granted_names_the_client_id_and_the_scope(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints, server: EmulatorServer
) -> None:
    server.state.revoke_delegation(account.client_id)
    checks = await diagnose.test_connection(_p12(key_dir, account, endpoints), ALICE)
    assert _statuses(checks) == [
        ("key", CheckStatus.PASSED),
        ("token", CheckStatus.FAILED),
        ("calendar", CheckStatus.SKIPPED),
    ]
    message = checks[1].message
    assert "domain-wide delegation is not granted" in message
    assert CALENDAR_SCOPE in message
    assert account.client_id in message
    assert "Admin console" in message


async def test_cal_2_api_disabled_fails_the_calendar_check_with_its_own_message(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints, server: EmulatorServer
) -> None:
    server.state.set_api_enabled(account.project_id, False)
    checks = await diagnose.test_connection(_p12(key_dir, account, endpoints), ALICE)
    assert _statuses(checks) == [
        ("key", CheckStatus.PASSED),
        ("token", CheckStatus.PASSED),
        ("calendar", CheckStatus.FAILED),
    ]
    assert "the Google Calendar API is disabled for the project" in checks[2].message


async def test_cal_2_user_not_in_domain_fails_the_token_check_naming_the_user(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints
) -> None:
    checks = await diagnose.test_connection(_p12(key_dir, account, endpoints), STRANGER)
    assert checks[1].status is CheckStatus.FAILED
    assert f"{STRANGER} is not a user of the domain" in checks[1].message


async def test_cal_2_a_key_google_does_not_know_fails_the_token_check_about_the_key(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints, server: EmulatorServer, tmp_path: Path
) -> None:
    other = server.state.register_service_account("someone-else", key_dir=tmp_path)
    forged = GoogleSettings((tmp_path / "key.p12").read_bytes(), "notasecret", account.email, endpoints)
    checks = await diagnose.test_connection(forged, ALICE)
    assert checks[1].status is CheckStatus.FAILED
    assert f"Google refused the key of service account {account.email}" in checks[1].message
    assert other.email not in checks[1].message


async def test_cal_2_each_failure_has_a_different_message(
    key_dir: Path, account: ServiceAccount, endpoints: Endpoints, server: EmulatorServer
) -> None:
    good = _p12(key_dir, account, endpoints)
    messages = []
    for case in ("password", "corrupt", "delegation", "user", "api"):
        settings = good
        user = ALICE
        if case == "password":
            settings = _p12(key_dir, account, endpoints, password="nope")
        elif case == "corrupt":
            settings = GoogleSettings(b"\x30\x03garbage", "notasecret", account.email, endpoints)
        elif case == "delegation":
            server.state.revoke_delegation(account.client_id)
        elif case == "user":
            user = STRANGER
        else:
            server.state.set_api_enabled(account.project_id, False)
        checks = await diagnose.test_connection(settings, user)
        messages.append(next(c.message for c in checks if c.status is CheckStatus.FAILED))
        server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])
        server.state.set_api_enabled(account.project_id, True)
    assert len(set(messages)) == 5, messages
