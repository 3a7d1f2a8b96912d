"""An admin's mistakes at the command line get one clear line, never a traceback (BEY-11: a
configuration that cannot work is refused, and says what is wrong where)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.support.processes import demo_environment, environment, free_port, run


def _one_line_failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_bey_11_a_missing_configuration_file_is_named_in_one_line(tmp_path: Path) -> None:
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path)
    line = _one_line_failure(run(["--config", "missing.toml", "users", "list"], env, tmp_path, check=False))
    assert "missing.toml" in line
    assert "does not exist" in line
    assert not (tmp_path / "tandem.db").exists()  # nothing was made on the way


def test_bey_11_a_configuration_file_that_is_not_toml_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('database_url = "sqlite:///x.db"\n[erp\nenabled = true\n')
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path)
    line = _one_line_failure(run(["--config", "broken.toml", "users", "list"], env, tmp_path, check=False))
    assert "broken.toml is not valid TOML" in line
    assert "line 2" in line


def test_bey_11_a_value_that_is_not_allowed_names_its_section_and_key(tmp_path: Path) -> None:
    (tmp_path / "tandem.toml").write_text("[sync]\npoll_interval_s = -5\n")
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path)
    line = _one_line_failure(run(["users", "list"], env, tmp_path, check=False))
    assert "[sync] poll_interval_s" in line
    assert "greater than 0" in line


def test_bey_11_misspelt_settings_are_warned_about_with_the_likely_name(tmp_path: Path) -> None:
    (tmp_path / "tandem.toml").write_text('databse_url = "sqlite:///elsewhere.db"\n[erp]\nenabeld = true\n')
    env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path)
    done = run(["db", "upgrade"], env, tmp_path)  # the command still runs
    assert "databse_url is not a setting; it is ignored (did you mean database_url?)" in done.stderr
    assert "[erp] enabeld is not a setting; it is ignored (did you mean enabled?)" in done.stderr


def test_bey_11_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    unused = free_port()
    env = environment(f"postgresql://tandem@127.0.0.1:{unused}/tandem", tmp_path)
    line = _one_line_failure(run(["users", "list"], env, tmp_path, check=False))
    assert f"The database postgresql+psycopg://tandem@127.0.0.1:{unused}/tandem cannot be used" in line
    assert "Connection refused" in line


def test_bey_11_serve_on_a_taken_port_says_so_before_claiming_to_serve(tmp_path: Path) -> None:
    """A second `make run` while the first one runs: the demo calendar's port is taken."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = demo_environment(tmp_path, calendar_port=port)
        done = run(["serve", "--port", str(free_port())], env, tmp_path, check=False)
    line = _one_line_failure(done)
    assert f"Port {port} on 127.0.0.1 (the demo calendar) is taken" in line
    assert "Tandem on" not in done.stdout
