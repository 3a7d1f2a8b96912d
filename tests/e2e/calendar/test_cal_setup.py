"""CAL-2: the admin sets up the organisation's Google connection and tests it, from the
command line; every failure has its own message and no secret is ever shown or stored plain."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tandem.emulators.google import CALENDAR_SCOPE
from tandem.hub.models import CalendarConnection
from tests.e2e.calendar.conftest import ALICE, World
from tests.support.processes import environment, run


def _env(world: World, tmp_path: Path) -> dict[str, str]:
    return environment(world.tandem.settings.database_url, tmp_path)


def _configure(world: World, tmp_path: Path, key: str = "key.p12", password: str = "notasecret") -> None:
    server = world.server
    run(
        [
            "calendar", "configure",
            "--service-account", world.google.account.email,
            "--key-file", str(world.google.key_dir / key) if "/" not in key else key,
            "--password", password,
            "--api-root", server.api_root,
            "--token-uri", server.token_uri,
            "--batch-uri", f"{server.base_url}/batch/calendar/v3",
        ],
        _env(world, tmp_path),
        tmp_path,
    )  # fmt: skip


def _test(world: World, tmp_path: Path, user: str = ALICE) -> tuple[int, str]:
    # wide enough that no check's line is wrapped (rich wraps at 80 columns off a terminal)
    env = _env(world, tmp_path) | {"COLUMNS": "4000"}
    done = run(["calendar", "test", "--user", user], env, tmp_path, check=False)
    return done.returncode, done.stdout + done.stderr


@dataclass(frozen=True)
class CheckLine:
    """One check as `tandem calendar test` prints it: `<mark> <check> <message>`."""

    mark: str
    """`ok`, `FAIL` or `skip`."""
    check: str
    message: str


_CHECK_LINE = re.compile(r"(ok|FAIL|skip) +(key|token|calendar) +(\S.*)")


def _checks(out: str) -> list[CheckLine]:
    """The check lines of the output, whole lines only, in the order printed."""
    found = [_CHECK_LINE.fullmatch(line.rstrip()) for line in out.splitlines()]
    return [CheckLine(*m.groups()) for m in found if m is not None]


def test_cal_2_a_working_p12_key_passes_every_check(world: World, tmp_path: Path) -> None:
    _configure(world, tmp_path)
    code, out = _test(world, tmp_path)
    assert code == 0, out
    assert out.count("ok") >= 3
    assert [(c.check, c.mark) for c in _checks(out)] == [("key", "ok"), ("token", "ok"), ("calendar", "ok")], out


@pytest.mark.parametrize(
    ("break_it", "expected", "failing"),
    [
        ("wrong password", "password", "key"),
        ("corrupt file", "PKCS#12", "key"),
        ("delegation", "delegation", "token"),
        ("api disabled", "API", "calendar"),
        ("not in domain", "nobody@example.com", "token"),
    ],
)
def test_cal_2_each_failure_has_its_own_message(
    world: World, tmp_path: Path, break_it: str, expected: str, failing: str
) -> None:
    user = ALICE
    if break_it == "wrong password":
        _configure(world, tmp_path, password="not-the-password")
    elif break_it == "corrupt file":
        broken = tmp_path / "broken.p12"
        broken.write_bytes(b"\x30\x82 this is not a key file")
        _configure(world, tmp_path, key=str(broken))
    else:
        _configure(world, tmp_path)
    if break_it == "delegation":
        world.server.state.revoke_delegation(world.google.account.client_id)
    elif break_it == "api disabled":
        world.server.state.set_api_enabled(world.google.account.email, False)
    elif break_it == "not in domain":
        user = "nobody@example.com"
    try:
        code, out = _test(world, tmp_path, user)
    finally:
        world.server.state.set_api_enabled(world.google.account.email, True)
        world.server.state.grant_delegation(world.google.account.client_id, [CALENDAR_SCOPE])
    assert code == 1, out
    assert "FAIL" in out
    assert expected.lower() in out.lower(), out
    # the check that failed is the one this fault breaks: those before it passed, those after were not tried
    checks = _checks(out)
    order = ["key", "token", "calendar"]
    at = order.index(failing)
    assert [c.check for c in checks] == order, out
    assert [c.mark for c in checks] == ["ok"] * at + ["FAIL"] + ["skip"] * (len(order) - at - 1), out
    assert expected.lower() in checks[at].message.lower(), out


def test_cal_2_secrets_are_encrypted_at_rest_and_never_shown(world: World, tmp_path: Path) -> None:
    _configure(world, tmp_path)
    key_bytes = (world.google.key_dir / "key.p12").read_bytes()
    with world.tandem.db.read() as session:
        row = session.get(CalendarConnection, 1)
        assert row is not None
        assert key_bytes not in row.key_sealed
        assert row.password_sealed is not None
        assert b"notasecret" not in row.password_sealed
        dumped = " ".join(str(v) for v in session.execute(sa.select(CalendarConnection.__table__)).one())
    assert "notasecret" not in dumped
    status = run(["calendar", "status", "--json"], _env(world, tmp_path), tmp_path)
    tested = _test(world, tmp_path)[1]
    for shown in (status.stdout + status.stderr, tested):
        assert "notasecret" not in shown
        assert "PRIVATE KEY" not in shown
    # the key that seals them is not in the database
    assert (tmp_path / "tandem.key").read_bytes() not in dumped.encode()


def test_cal_2_enable_disable_and_types_from_the_command_line(world: World, tmp_path: Path) -> None:
    env = _env(world, tmp_path)
    run(["calendar", "disable"], env, tmp_path)
    assert "off" in (world.sync(ALICE).record.error or "")
    run(["calendar", "enable"], env, tmp_path)
    shown = run(["calendar", "types", "--sync", "meeting,Sales call"], env, tmp_path)
    assert "Meeting, Sales call" in shown.stdout
    refused = run(["calendar", "types", "--sync", "Nope"], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert "no activity type named Nope" in refused.stderr
    run(["users", "sync", "off", ALICE], env, tmp_path)
    assert "off" in (world.sync(ALICE).record.error or "")
