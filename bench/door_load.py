"""The door under load (BEY-11): `tandem serve` answering while it is attacked and busy.
Prints figures beside the same run's no-load baseline; asserts nothing.

    .venv/bin/python bench/door_load.py [--users 200] [--changes 60] [--rate 4]
        [--guessers 100] [--writers 8] [--database-url URL]

A real `tandem serve` process syncs `--users` users to the Google emulator (a child
process). Two phases, each `--changes` hub changes made through the REST API (POST of a
new activity of a random user) at `--rate` per second, each timed from the API's answer
until the emulator shows the event to that user (the watcher polls every 20 ms), while
`/heartbeat/server` is asked every 50 ms:

  baseline   nothing else
  load       plus `--guessers` clients posting wrong secrets to `/v1/token` as fast as they
             are answered, and `--writers` clients creating and renaming activities

Targets (BEY-11): heartbeat p99 <= 100 ms, change -> calendar p99 <= 2 s under load.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from google_sync import Organisation, _visible, serve
from tandem.hub.services import clients
from tandem.sync.ids import event_id_for

TANDEM = str(Path(sys.executable).parent / "tandem")


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[p - 1]


class Heartbeat(threading.Thread):
    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.seconds: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=5) as http:
            while not self.stop.is_set():
                began = time.perf_counter()
                try:
                    http.get("/heartbeat/server")
                    self.seconds.append(time.perf_counter() - began)
                except httpx.TransportError:
                    self.seconds.append(5.0)
                self.stop.wait(0.05)


class Load:
    """Guessers and writers, each a thread with its own connection, until stopped."""

    def __init__(self, base: str, headers: dict[str, str], bodies: list[dict[str, Any]], guessers: int, writers: int):
        self.base, self.headers, self.bodies = base, headers, bodies
        self.codes: dict[str, Counter[int]] = {"token": Counter(), "writes": Counter()}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.guess, args=(i,), daemon=True) for i in range(guessers)]
        self.threads += [threading.Thread(target=self.write, args=(i,), daemon=True) for i in range(writers)]

    def count(self, kind: str, code: int) -> None:
        with self.lock:
            self.codes[kind][code] += 1

    def guess(self, i: int) -> None:
        with httpx.Client(base_url=self.base, timeout=30) as http:
            while not self.stop.is_set():
                try:
                    answer = http.post("/v1/token", json={"client_id": f"x{i}", "client_secret": "wrong"})
                    self.count("token", answer.status_code)
                except httpx.TransportError:
                    self.count("token", 0)

    def write(self, i: int) -> None:
        rng = random.Random(i)
        with httpx.Client(base_url=self.base, timeout=30, headers=self.headers) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                body = dict(rng.choice(self.bodies), name=f"writer {i} #{n}")
                try:
                    made = http.post("/v1/activities", json=body)
                    self.count("writes", made.status_code)
                    if made.status_code == 201:
                        op = [{"op": "replace", "path": "/location", "value": f"room {n}"}]
                        self.count("writes", http.patch(f"/v1/activities/{made.json()['guid']}", json=op).status_code)
                except httpx.TransportError:
                    self.count("writes", 0)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)


async def phase(org: Organisation, base: str, headers: dict[str, str], bodies: list[dict[str, Any]], opts) -> dict:
    beat = Heartbeat(base)
    beat.start()
    watcher = org.calendar()
    rng = random.Random(len(bodies))
    waits = []
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as http:
            for n in range(opts.changes):
                tick = time.monotonic()
                body = dict(rng.choice(bodies), name=f"change {n} {time.time_ns()}")
                answer = await http.post("/v1/activities", json=body)
                committed = time.monotonic()
                if answer.status_code == 201:
                    email = body["_email"]
                    event = event_id_for(answer.json()["guid"])
                    waits.append(asyncio.create_task(_visible(watcher, email, event, body["name"], committed)))
                await asyncio.sleep(max(0.0, 1 / opts.rate - (time.monotonic() - tick)))
            seen = sorted(await asyncio.gather(*waits))
    finally:
        beat.stop.set()
        beat.join()
        await watcher.aclose()
    return {"beat": sorted(beat.seconds), "seen": seen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--rate", type=float, default=4.0)
    parser.add_argument("--guessers", type=int, default=100)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds for the first sweep over the users")
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    opts = parser.parse_args()
    emails = [f"user{n:04d}@example.com" for n in range(opts.users)]
    with tempfile.TemporaryDirectory() as tmp:
        workdir, key_dir = Path(tmp), Path(tmp) / "keys"
        key_dir.mkdir()
        parent, child = multiprocessing.Pipe()
        emulator = multiprocessing.Process(target=serve, args=(emails, str(key_dir), child), daemon=True)
        emulator.start()
        base_url = parent.recv()
        url = opts.database_url or f"sqlite:///{workdir / 'hub.db'}"
        org = Organisation(url, workdir, base_url, key_dir)
        org.add_users(emails)
        for email in emails:
            org.add_activities(email, 2)
        with org.t.db.write() as session:
            made = clients.create_client(session, "bench", clients.parse_scopes("all"))
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        bodies = [
            {
                "_email": email,
                "activityType": {"guid": org.type_guid},
                "ownerUser": {"guid": org.users[email]},
                "startDateTime": (start + timedelta(hours=i)).isoformat(),
                "endDateTime": (start + timedelta(hours=i + 1)).isoformat(),
            }
            for i, email in enumerate(emails)
        ]
        port = 18000 + random.Random().randrange(1000)
        base = f"http://127.0.0.1:{port}"
        env = {
            "PATH": "/usr/bin:/bin",
            "TANDEM_DATABASE_URL": url,
            "TANDEM_SECRET_KEY_FILE": str(workdir / "tandem.key"),
            "TANDEM_LOG_LEVEL": "WARNING",
        }
        log = open(workdir / "serve.log", "w")  # noqa: SIM115
        server = subprocess.Popen([TANDEM, "serve", "--port", str(port)], env=env, stdout=log, stderr=log, cwd=workdir)
        try:
            for _ in range(300):
                try:
                    if httpx.get(base + "/heartbeat/server", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = httpx.post(
                base + "/v1/token", json={"client_id": made.client_id, "client_secret": made.client_secret}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            print(f"tandem serve ({org.t.db.engine.dialect.name}) with {opts.users} users syncing; warming up")
            time.sleep(opts.warmup)
            quiet = asyncio.run(phase(org, base, headers, bodies, opts))
            with Load(base, headers, bodies, opts.guessers, opts.writers) as load:
                busy = asyncio.run(phase(org, base, headers, bodies, opts))
        finally:
            server.terminate()
            server.wait(60)
            log.close()
            org.t.close()
            parent.send("stop")
            emulator.join(10)
    report(quiet, busy, load, opts)


def report(quiet: dict, busy: dict, load: Load, opts: argparse.Namespace) -> None:
    rows = []
    for label, key, p in [
        ("heartbeat p50", "beat", 50),
        ("heartbeat p99", "beat", 99),
        ("change -> calendar p50", "seen", 50),
        ("change -> calendar p99", "seen", 99),
    ]:
        a, b = pct(quiet[key], p), pct(busy[key], p)
        rows.append((label, a, b))
    print(f"\n{'figure':<24}{'baseline':>12}{'under load':>12}{'ratio':>8}  target")
    for label, a, b in rows:
        target = {"heartbeat p99": 0.1, "change -> calendar p99": 2.0}.get(label)
        verdict = "" if target is None else f"<= {target * 1000:.0f} ms: {'PASS' if b <= target else 'MISS'}"
        print(f"{label:<24}{a * 1000:>10.0f}ms{b * 1000:>10.0f}ms{b / a:>8.1f}  {verdict}")
    unseen = sum(1 for s in busy["seen"] if s == float("inf"))
    print(
        f"\nunder load: {opts.guessers} guessers, {opts.writers} writers; token answers {dict(load.codes['token'])}; "
        f"writer answers {dict(load.codes['writes'])}; heartbeats {len(busy['beat'])}; "
        f"changes not seen within 60 s: {unseen}"
    )


if __name__ == "__main__":
    main()
