"""CAL-2: the admin sets up the organisation's Google connection and tests it, from the
command line; every failure has its own message and no secret is ever shown or stored plain."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tandem.emulators.google import CALENDAR_SCOPE
from tandem.hub.models import CalendarConnection
from tandem.hub.services import calendar_setup
from tests.e2e.calendar.conftest import ALICE, World, soon
from tests.support.processes import environment, run


def _env(world: World, tmp_path: Path) -> dict[str, str]:
    return environment(world.tandem.settings.database_url, tmp_path)


def _configure(
    world: World, tmp_path: Path, key: str = "key.p12", password: str | None = "notasecret", check: bool = True
) -> subprocess.CompletedProcess[str]:
    server = world.server
    return run(
        [
            "calendar", "configure",
            "--service-account", world.google.account.email,
            "--key-file", str(world.google.key_dir / key) if "/" not in key else key,
            *(["--password", password] if password is not None else []),
            "--api-root", server.api_root,
            "--token-uri", server.token_uri,
            "--batch-uri", f"{server.base_url}/batch/calendar/v3",
        ],
        _env(world, tmp_path),
        tmp_path,
        check=check,
    )  # fmt: skip


def _save_unchecked(world: World, key: bytes, password: str | None) -> None:
    """A connection saved without the check `tandem calendar configure` makes (as versions
    before it did): what `tandem calendar test` says about a key that does not open."""
    server = world.server
    with world.tandem.db.write() as session:
        calendar_setup.configure(
            session,
            world.tandem.secrets(),
            key=key,
            password=password,
            service_account_email=world.google.account.email,
            token_uri=server.token_uri,
            api_root=server.api_root,
            batch_uri=f"{server.base_url}/batch/calendar/v3",
        )


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
    # `configure` refuses a key that does not open (see below), so those two are saved unchecked
    if break_it == "wrong password":
        _save_unchecked(world, (world.google.key_dir / "key.p12").read_bytes(), "not-the-password")
    elif break_it == "corrupt file":
        _save_unchecked(world, b"\x30\x82 this is not a key file", "notasecret")
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


def _json_key(world: World) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((world.google.key_dir / "key.json").read_text())
    return loaded


def _bad_key(world: World, tmp_path: Path, kind: str) -> tuple[Path, str | None]:
    """A key file (and password) that does not open, made from the account's working ones."""
    p12 = (world.google.key_dir / "key.p12").read_bytes()
    raw = (world.google.key_dir / "key.json").read_bytes()
    info = _json_key(world)
    made: dict[str, tuple[bytes, str | None]] = {
        "wrong P12 password": (p12, "not-the-password"),
        "truncated P12": (p12[: len(p12) // 2], "notasecret"),
        "truncated JSON": (raw[: len(raw) // 2], None),
        "garbled JSON private key": (
            json.dumps(
                info | {"private_key": info["private_key"][:200] + "garbled" + info["private_key"][400:]}
            ).encode(),
            None,
        ),
        "JSON that is not a service-account key": (
            json.dumps({"installed": {"client_id": "1234.apps.googleusercontent.com", "client_secret": "x"}}).encode(),
            None,
        ),
        "JSON without a private key": (
            json.dumps({k: v for k, v in info.items() if k != "private_key"}).encode(),
            None,
        ),
    }
    data, password = made[kind]
    path = tmp_path / ("bad.p12" if "P12" in kind else "bad.json")
    path.write_bytes(data)
    return path, password


def _stored_connection(world: World) -> tuple[object, ...]:
    with world.tandem.db.read() as session:
        row = session.get(CalendarConnection, 1)
        assert row is not None
        return (row.service_account_email, row.key_kind, row.key_sealed, row.password_sealed, row.updated_at)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("wrong P12 password", "password is wrong"),
        ("truncated P12", "not a PKCS#12 (.p12) file, or it is damaged"),
        ("truncated JSON", "not valid JSON"),
        ("garbled JSON private key", "private_key cannot be read"),
        ("JSON that is not a service-account key", "not a service-account key"),
        ("JSON without a private key", "misses the field(s) private_key"),
    ],
)
def test_cal_2_configure_refuses_a_key_that_does_not_open_and_keeps_the_old_one(
    world: World, tmp_path: Path, kind: str, expected: str
) -> None:
    _configure(world, tmp_path)  # a working connection (the P12 and its password)
    working = _stored_connection(world)
    bad, password = _bad_key(world, tmp_path, kind)

    refused = _configure(world, tmp_path, key=str(bad), password=password, check=False)

    said = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode == 1, said
    assert expected in said, said
    assert "Saved" not in said
    assert "PRIVATE KEY" not in said  # no secret is shown
    assert password is None or password not in said
    assert _stored_connection(world) == working  # not one byte of the working connection changed
    world.create(ALICE, "Still syncing", soon(2))
    report = world.sync(ALICE)
    assert report.record.error is None, report.record.error
    assert world.titles(ALICE) == ["Still syncing"]


def test_cal_2_the_client_id_typed_beside_a_p12_key_is_kept_for_domain_wide_delegation(
    world: World, tmp_path: Path
) -> None:
    """A P12 key does not carry the service account's client id, which the Google Admin
    console asks for: `configure --client-id` keeps it, `calendar status` shows it, and a
    client id that is no number is refused with the connection in use kept."""
    server = world.server
    base = [
        "calendar", "configure",
        "--service-account", world.google.account.email,
        "--key-file", str(world.google.key_dir / "key.p12"),
        "--password", "notasecret",
        "--api-root", server.api_root,
        "--token-uri", server.token_uri,
    ]  # fmt: skip
    env = _env(world, tmp_path)
    run([*base, "--client-id", "104857600123456789012"], env, tmp_path)
    shown = json.loads(run(["calendar", "status", "--json"], env, tmp_path).stdout)
    assert shown["client_id"] == "104857600123456789012"
    refused = run([*base, "--client-id", "my-service-account"], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert "a client id is a number" in refused.stderr
    kept = json.loads(run(["calendar", "status", "--json"], env, tmp_path).stdout)
    assert kept["client_id"] == "104857600123456789012"
