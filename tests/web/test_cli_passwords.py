"""`tandem users password` and `tandem users add --password-stdin`: the password set from
the command line is the one the sign-in page takes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.models import User
from tests.support.hub import settings_for
from tests.support.processes import TANDEM, environment, run
from tests.web.support import browser, sign_in


def _tandem(args: list[str], env: dict[str, str], cwd: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TANDEM, *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def test_passwords_set_from_the_command_line_sign_in(hub_database_url: str, tmp_path: Path) -> None:
    env = environment(hub_database_url, tmp_path)
    added = _tandem(
        ["users", "add", "ola@example.com", "--first-name", "Ola", "--last-name", "N", "--password-stdin"],
        env,
        tmp_path,
        "first password\n",
    )
    assert added.returncode == 0, added.stderr
    short = _tandem(["users", "password", "ola@example.com", "--password-stdin"], env, tmp_path, "short\n")
    assert short.returncode == 1
    assert "at least 8 characters" in short.stderr
    changed = _tandem(["users", "password", "ola@example.com", "--password-stdin"], env, tmp_path, "second password\n")
    assert changed.returncode == 0, changed.stderr
    assert "second password" not in changed.stdout + changed.stderr
    unknown = _tandem(["users", "password", "nobody@example.com", "--password-stdin"], env, tmp_path, "a password\n")
    assert unknown.returncode == 1
    assert "No user has the email nobody@example.com" in unknown.stderr

    built = bootstrap.build(settings_for(hub_database_url, tmp_path))
    try:
        with built.db.read() as session:
            stored = session.scalar(sa.select(User.password_hash).where(User.email_key == "ola@example.com"))
        assert stored is not None
        assert stored.startswith("$argon2id$")
        listed = run(["users", "list", "--json"], env, tmp_path).stdout
        assert "argon2" not in listed
        client = browser(built)
        assert sign_in(client, "ola@example.com", "first password").status_code == 400
        assert sign_in(client, "ola@example.com", "second password").status_code == 303
    finally:
        built.close()
