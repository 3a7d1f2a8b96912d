"""`EmulatorServer`: the emulator on a free loopback port, in a background thread.

with EmulatorServer(domain="example.com", users=["a@example.com"]) as server:
    account = server.state.register_service_account(key_dir=tmp_path)
    ... talk to server.token_uri / server.api_root over HTTP ...
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from tandem.emulators.google.app import build_app
from tandem.emulators.google.state import GoogleEmulator


class EmulatorServer:
    def __init__(
        self,
        state: GoogleEmulator | None = None,
        *,
        domain: str = "example.com",
        users: list[str] | tuple[str, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = state if state is not None else GoogleEmulator(domain, users)
        self.host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        if self._socket is None:
            raise RuntimeError("the server is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._socket.getsockname()[1]}"

    @property
    def token_uri(self) -> str:
        return f"{self.base_url}/token"

    @property
    def api_root(self) -> str:
        return f"{self.base_url}/calendar/v3"

    def start(self) -> EmulatorServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it
        # every response waits ~40 ms for the client's delayed ACK (headers and body are two writes).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((self.host, self._port))
        self._socket = sock
        self.state.base_url = self.base_url
        # No log configuration or level of its own: uvicorn applies those to its loggers for the
        # whole process, so inside `tandem serve` (the demo calendar) the server's own start-up
        # lines ("Application startup complete", "Uvicorn running on") were never printed.
        config = uvicorn.Config(
            build_app(self.state),
            log_config=None,
            log_level=None,
            access_log=False,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="google-emulator", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the Google emulator did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
