"""BEY-11 against `tandem serve` over real sockets: a write waiting for the database, a
flood of wrong secrets, slow and vanishing clients, and an internal error leave the
server answering everyone else; its SQLite file is its owner's alone."""

from __future__ import annotations

import os
import socket
import sqlite3
import stat
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn

from tandem import bootstrap
from tandem.hub.api.auth_routes import HASHING_SLOTS
from tandem.hub.api.throttle import Rules
from tests.support.databases import fresh_database
from tests.support.processes import environment, free_port, run, run_json, serving


@dataclass
class Served:
    base: str
    kind: str
    url: str
    log: Path
    headers: dict[str, str]
    body: dict[str, Any]
    """A valid new activity."""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    kind = str(request.param)
    directory = tmp_path_factory.mktemp(f"door-{kind}")
    with fresh_database(kind, directory) as url:
        env = environment(
            url, directory, TANDEM_HTTP__HEAD_TIMEOUT_S="1", TANDEM_HTTP__BODY_TIMEOUT_S="1", TANDEM_LOG_LEVEL="INFO"
        )
        run(["db", "upgrade"], env, directory)
        run(["demo-data"], env, directory)
        credentials = run_json(["clients", "create", "--scopes", "all", "--json"], env, directory)
        with serving(env, directory) as base, httpx.Client(base_url=base, timeout=10) as http:
            token = http.post("/v1/token", json=credentials).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            users = http.get("/v1/users", headers=headers).json()
            kinds = http.get("/v1/activitytypes", params={"category": "CalendarEntry"}, headers=headers).json()
            body = {
                "name": "Waits for the lock",
                "activityType": {"guid": kinds[0]["guid"]},
                "ownerUser": {"guid": users[0]["guid"]},
                "startDateTime": "2026-12-10T13:00:00+02:00",
                "endDateTime": "2026-12-10T14:00:00+02:00",
            }
            yield Served(base, kind, url, directory / f"serve-{base.rsplit(':', 1)[1]}.log", headers, body)


class _WriteLock:
    """Another program holding the database's write lock (SQLite) or the activities
    table (PostgreSQL), as a long transaction or a backup would."""

    def __init__(self, kind: str, url: str) -> None:
        if kind == "sqlite":
            self.conn: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
        else:
            self.conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            self.conn.execute("LOCK TABLE activities IN EXCLUSIVE MODE")

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def test_bey_11_the_server_answers_while_a_write_waits_for_the_database(served: Served) -> None:
    lock = _WriteLock(served.kind, served.url)
    with ThreadPoolExecutor(1) as pool, httpx.Client(base_url=served.base, timeout=60) as writer:
        try:
            waiting = pool.submit(writer.post, "/v1/activities", json=served.body, headers=served.headers)
            with httpx.Client(base_url=served.base, timeout=5) as http:
                for _ in range(3):  # the write has had time to reach the lock and wait on it
                    alive = http.get("/heartbeat/server")
                    assert alive.status_code == 200  # once: a ReadTimeout, the loop stuck in the write
                    listed = http.get("/v1/activities", params={"rowCount": 1}, headers=served.headers)
                    assert listed.status_code == 200
            assert not waiting.done()
        finally:
            lock.release()
        created = waiting.result(timeout=60)
    assert created.status_code == 201, created.text


def _raw(served: Served) -> socket.socket:
    host, port = served.base.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _one_response(sock: socket.socket) -> bytes:
    """One whole response (head and `content-length` bytes of body); b"" when closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length")
    )
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def test_bey_11_a_client_trickling_its_headers_is_answered_408_and_closed(served: Served) -> None:
    with _raw(served) as sock:
        sock.sendall(b"GET /heartbeat/server HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # and nothing more
        answer = _read_all(sock)  # once: nothing, ever (the socket timeout ends the wait)
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_bey_11_a_client_trickling_its_body_is_answered_408_and_closed(served: Served) -> None:
    with _raw(served) as sock:
        head = f"POST /v1/activities HTTP/1.1\r\nHost: x\r\nAuthorization: {served.headers['Authorization']}\r\n"
        sock.sendall(head.encode() + b"Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{")
        answer = _read_all(sock)
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 408 Request Timeout"
    assert b"did not arrive within 1 s" in rest
    assert b"connection: close" in rest.lower()


def test_bey_11_a_client_gone_mid_body_is_no_internal_error(served: Served) -> None:
    for _ in range(20):
        with _raw(served) as sock:
            head = f"POST /v1/activities HTTP/1.1\r\nHost: x\r\nAuthorization: {served.headers['Authorization']}\r\n"
            sock.sendall(head.encode() + b'Content-Length: 5000\r\n\r\n{"name": "half')
    with httpx.Client(base_url=served.base, timeout=5) as http:
        assert http.get("/heartbeat/server").status_code == 200  # and the log has been written meanwhile
    log = served.log.read_text()
    assert log.count("the client went away before sending its whole body") == 20
    assert "Traceback" not in log  # once: two tracebacks per aborted upload
    assert "internal error" not in log


def test_bey_11_a_flood_of_wrong_secrets_is_refused_before_it_is_hashed(served: Served) -> None:
    def guess(i: int) -> int:
        with httpx.Client(base_url=served.base, timeout=30) as http:
            return http.post("/v1/token", json={"client_id": "nobody", "client_secret": f"guess-{i}"}).status_code

    with ThreadPoolExecutor(100) as pool:
        flood = [pool.submit(guess, i) for i in range(100)]
        with httpx.Client(base_url=served.base, timeout=5) as http:
            alive = http.get("/heartbeat/server")  # sent while the flood is on
            work = http.get("/v1/activities", params={"rowCount": 1}, headers=served.headers)
        codes = [f.result() for f in flood]
    assert alive.status_code == 200
    assert work.status_code == 200
    checked = codes.count(401)  # each one a slow hash; the rest answered without one
    assert 1 <= checked <= Rules().free_per_address + HASHING_SLOTS
    assert codes.count(429) == 100 - checked


def test_bey_11_the_sqlite_database_and_its_wal_are_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    previous = os.umask(0o022)  # the usual umask: new files readable by everyone
    try:
        env = environment(f"sqlite:///{path}", tmp_path)
        run(["db", "upgrade"], env, tmp_path)
        connection = sqlite3.connect(path)  # a reader keeps the WAL in place to look at
        connection.execute("SELECT 1 FROM activities").fetchall()
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.glob("fresh.db*")}
        connection.close()
    finally:
        os.umask(previous)
    assert modes["fresh.db"] == 0o600  # once 0644: hashed secrets and everyone's calendar
    assert all(mode == 0o600 for mode in modes.values()), modes


def test_bey_11_an_internal_error_is_a_500_and_the_connection_goes_on(tandem: bootstrap.Tandem) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app = tandem.app()
    app.add_api_route("/boom", boom)  # a route with a bug, in the real app's stack
    port = free_port()
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="critical"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        while not running.started:
            threading.Event().wait(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
            first = _one_response(sock)
            sock.sendall(b"GET /heartbeat/server HTTP/1.1\r\nHost: x\r\n\r\n")
            second = _one_response(sock)  # once: b"", the connection dropped after the 500
    finally:
        running.should_exit = True
        thread.join(10)
    assert first.startswith(b"HTTP/1.1 500 ")
    assert b"Internal error, reference " in first
    assert second.startswith(b"HTTP/1.1 200 ")
    assert second.endswith(b"Server is alive.")
