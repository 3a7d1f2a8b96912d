"""CAL-2: secrets (the P12 password, the private key, access tokens, assertions) never reach
a log line, an error message or a repr, in a failing run or a succeeding one."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tandem.connectors.google import Endpoints, GoogleCalendar, GoogleSettings, RetryPolicy, diagnose
from tandem.domain.calendar import SendUpdates
from tandem.domain.errors import TandemError
from tandem.emulators.google import CALENDAR_SCOPE, EmulatorServer, FaultRule, ServiceAccount
from tandem.ports.calendar import EventInsert
from tests.integration.google_adapter.helpers import ALICE, STRANGER, Sleeps
from tests.support.calendar_contract import meeting

pytestmark = pytest.mark.anyio
PASSWORD = "Tr1cky-P12-passphrase"


def _key_fragments(account: ServiceAccount) -> list[str]:
    """Lines of the PEM body: any one of them in a log would leak key material."""
    body = [line for line in account.private_key_pem.splitlines() if line and not line.startswith("-----")]
    return body[1:-1]


async def test_cal_2_no_secret_in_logs_messages_or_reprs_of_failing_and_succeeding_runs(
    server: EmulatorServer,
    account: ServiceAccount,
    endpoints: Endpoints,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    p12_path, _ = server.state.write_key_files(account, tmp_path, password=PASSWORD)
    p12 = p12_path.read_bytes()
    shown: list[str] = []
    sleeps = Sleeps()
    retry = RetryPolicy(sleep=sleeps, random=lambda: 0.5)

    # failing: a wrong password, delegation missing, a user outside the domain, Google failing
    for settings, user in (
        (GoogleSettings(p12, "not-" + PASSWORD, account.email, endpoints), ALICE),
        (GoogleSettings(p12, PASSWORD, account.email, endpoints), STRANGER),
    ):
        shown += [repr(c) for c in await diagnose.test_connection(settings, user)]
    server.state.revoke_delegation(account.client_id)
    settings = GoogleSettings(p12, PASSWORD, account.email, endpoints)
    shown += [repr(c) for c in await diagnose.test_connection(settings, ALICE)]
    server.state.grant_delegation(account.client_id, [CALENDAR_SCOPE])

    tokens: list[str] = []
    async with GoogleCalendar.from_settings(settings, retry=retry) as google:
        server.state.set_faults(FaultRule(error_503=1.0))
        try:
            with pytest.raises(TandemError) as failed:
                await google.changes(ALICE, None)
        finally:
            server.state.clear_faults()
        shown += [str(failed.value), repr(failed.value)]
        # succeeding: a full round of reads and writes, with a token refresh in between
        await google.insert(ALICE, meeting(), send_updates=SendUpdates.NONE)
        tokens.append(await google.tokens.token(ALICE))
        server.state.expire_access_tokens()
        await google.batch(ALICE, [EventInsert(meeting(), SendUpdates.NONE)])
        read = await google.changes(ALICE, None)
        tokens.append(await google.tokens.token(ALICE))
        shown += [repr(google), repr(google.tokens), repr(settings), repr(read)]

    assert len(set(tokens)) == 2
    assert sleeps  # the failing run did go through the retries (and their log lines)
    text = caplog.text + "\n".join(shown)
    assert "HTTP Request" in caplog.text or "retry" in caplog.text  # the logs were captured at all
    for secret in [PASSWORD, *tokens, *_key_fragments(account)]:
        assert secret not in text
    assert "eyJ" not in text  # no JWT (assertion) either: every JWT starts with a base64 '{"'
