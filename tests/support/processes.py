"""Tandem as a user runs it: the `tandem` command in its own process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

TANDEM = str(Path(sys.executable).parent / "tandem")


_GIVEN: set[int] = set()


def free_port() -> int:
    """A loopback port free now and never handed out before by this process (a port a test
    keeps for a server it starts later, say the demo calendar's, is not given to another)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _GIVEN:
            _GIVEN.add(port)
            return port


def environment(database_url: str, directory: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env |= {
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_SECRET_KEY_FILE": str(directory / "tandem.key"),
        **extra,
    }
    return env


def demo_environment(directory: Path, calendar_port: int, **extra: str) -> dict[str, str]:
    """What `make run` sets: a SQLite file in `directory`, the demo organisation on first start,
    the demo calendar on `calendar_port` (an embedded Radicale unless `extra` sets
    TANDEM_DEMO_CALENDAR_KIND=google), the demo ERP beside them."""
    made_by_make_run = {
        "TANDEM_DEMO_ON_FIRST_START": "true",
        "TANDEM_DEMO_CALENDAR": "true",
        "TANDEM_DEMO_CALENDAR_PORT": str(calendar_port),
        "TANDEM_DEMO_ERP": "true",
    }
    return environment(f"sqlite:///{directory / 'tandem.db'}", directory, **(made_by_make_run | extra))


def run(args: list[str], env: dict[str, str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([TANDEM, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"tandem {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def run_json(args: list[str], env: dict[str, str], cwd: Path) -> Any:
    return json.loads(run(args, env, cwd).stdout)


@contextmanager
def serving(env: dict[str, str], cwd: Path, *extra: str) -> Iterator[str]:
    """`tandem serve` on a free loopback port; yields its base URL; stops it after."""
    port = free_port()
    log = open(cwd / f"serve-{port}.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [TANDEM, "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
        env=env,
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/heartbeat/server", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise AssertionError(f"tandem serve did not start:\n{(cwd / f'serve-{port}.log').read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()  # a graceful shutdown: runs in progress finish
        stuck = False
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            stuck = True
            process.send_signal(signal.SIGUSR1)  # every thread's stack into the log, to see what hung
            time.sleep(1)
            process.kill()
            process.wait()
        log.close()
        if stuck:
            tail = (cwd / f"serve-{port}.log").read_text()[-8000:]
            raise AssertionError(f"tandem serve did not stop within 30 s of SIGTERM:\n{tail}")


def on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """`tandem ARGS` with its stderr on a pseudo-terminal (as in a shell) and its stdout piped:
    the exit status, what the terminal showed, what went to stdout."""
    import pty

    main, secondary = pty.openpty()
    with subprocess.Popen(
        [TANDEM, *args],
        env=env | {"TERM": "xterm-256color", "COLUMNS": "120"},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=secondary,
        text=True,
    ) as process:
        os.close(secondary)
        shown = bytearray()
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal's other end closed: the process has ended
                break
            if not chunk:
                break
            shown += chunk
        os.close(main)
        stdout = process.stdout.read() if process.stdout else ""
        return process.wait(60), shown.decode("utf-8", errors="replace"), stdout
