"""`tandem serve` ends its start-up on one clear line, "Tandem is ready on http://...", printed
once the app has started (the workers' process with it) and the socket listens, so that a
newcomer under `make run` does not stare at "Waiting for application startup." (issue 11,
item 7)."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.processes import TANDEM, demo_environment, environment, free_port

QUIET_S = 3.0
"""How long nothing more may be printed after the ready line, for it to count as the last."""


@pytest.mark.parametrize("how", ["tandem serve", "make run"])
def test_serve_says_it_is_ready_last_once_it_serves(how: str, tmp_path: Path) -> None:
    """`make run` adds the demo organisation, the demo calendar (an embedded Radicale, whose
    first syncs start at once) and the demo ERP."""
    port = free_port()
    if how == "make run":
        env = demo_environment(tmp_path, free_port(), PYTHONUNBUFFERED="1")
    else:
        env = environment(f"sqlite:///{tmp_path / 'tandem.db'}", tmp_path, PYTHONUNBUFFERED="1")
    process = subprocess.Popen(
        [TANDEM, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: [lines.put(line.rstrip("\n")) for line in process.stdout], daemon=True)
    reader.start()
    ready = f"Tandem is ready on http://127.0.0.1:{port}"
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 90
        while not (seen and seen[-1].startswith(ready)):
            assert time.monotonic() < deadline, "\n".join(seen)
            seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
        assert httpx.get(f"http://127.0.0.1:{port}/heartbeat/server", timeout=5).status_code == 200  # it serves
        after: list[str] = []
        quiet_until = time.monotonic() + QUIET_S
        while (left := quiet_until - time.monotonic()) > 0:
            try:
                after.append(lines.get(timeout=left))
            except queue.Empty:
                break
        assert [line for line in after if "GET /heartbeat/server" not in line] == [], "\n".join(seen + after)
        assert any("Application startup complete" in line for line in seen)
        assert any("workers started in process" in line for line in seen)
        assert sum(line.startswith(ready) for line in seen) == 1
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(5)
        process.stdout.close()
