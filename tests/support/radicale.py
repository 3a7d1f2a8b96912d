"""A real Radicale (a CalDAV server in pure Python) on a free loopback port, for the CalDAV
adapter's tests (and later its benchmark): `python -m radicale` in a subprocess with its
own configuration, a temporary storage folder and plain htpasswd users.

    with RadicaleServer(tmp_path, users={"alice@example.test": "secret"}) as radicale:
        radicale.url  # http://127.0.0.1:<port>
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from tests.support.processes import free_port

CONFIG = """\
[server]
hosts = 127.0.0.1:{port}

[auth]
type = htpasswd
htpasswd_filename = {htpasswd}
htpasswd_encryption = plain
delay = 0

[rights]
type = owner_only

[storage]
filesystem_folder = {storage}

[web]
type = none

[logging]
level = warning
mask_passwords = True
"""

LAUNCH = """\
import sys
from radicale import config, server
configuration = config.load([(sys.argv[1], False)])
# Writes without fsync (an internal option the file cannot set): tests need no durability.
configuration.update({"storage": {"_filesystem_fsync": sys.argv[2]}}, "tests", privileged=True)
server.serve(configuration)
"""


class RadicaleServer:
    def __init__(self, folder: Path, users: dict[str, str], *, fsync: bool = False) -> None:
        self.folder = folder
        self.users = users
        self.fsync = fsync
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RadicaleServer:
        htpasswd = self.folder / "users"
        htpasswd.write_text("".join(f"{user}:{password}\n" for user, password in self.users.items()))
        config = self.folder / "config"
        config.write_text(CONFIG.format(port=self.port, htpasswd=htpasswd, storage=self.folder / "collections"))
        with (self.folder / "radicale.log").open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-c", LAUNCH, str(config), str(self.fsync)], stdout=subprocess.DEVNULL, stderr=log
            )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"Radicale exited: {(self.folder / 'radicale.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Radicale did not start listening")

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
