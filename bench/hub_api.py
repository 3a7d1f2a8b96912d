"""Hub API figures: activity create and list throughput over real HTTP against
`tandem serve`, and the cost of "changes for user U after N" with 100k activities.

    .venv/bin/python bench/hub_api.py                       # SQLite in a temp directory
    .venv/bin/python bench/hub_api.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Prints figures; asserts nothing. The PostgreSQL database is created and dropped.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from support import environment, pct, run, run_json, serving
from tandem import migrations
from tandem.hub.models import Activity, ActivityParticipant, ChangeLog, ChangeLogUser, Counter, User
from tandem.hub.services import changelog
from tandem.store.db import Database, make_engine


def create_database(url: str | None, directory: Path) -> tuple[str, str | None]:
    if url is None:
        return f"sqlite:///{directory / 'bench.db'}", None
    admin_url, name = url.rsplit("/", 1)
    name = f"{name}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(admin_url + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{admin_url}/{name}", name


def drop_database(url: str, name: str | None) -> None:
    if name is None:
        return
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def hammer(base: str, headers: dict[str, str], requests: int, concurrency: int, make) -> tuple[float, list[float]]:
    """Send `requests` requests from `concurrency` threads; returns (requests/s, latencies ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(requests))

    def worker() -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                method, path, kwargs = make(i)
                t0 = time.perf_counter()
                response = http.request(method, path, **kwargs)
                elapsed = (time.perf_counter() - t0) * 1000
                if response.status_code >= 400:
                    raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:200]}")
                with lock:
                    latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return requests / (time.perf_counter() - start), latencies


def http_figures(url: str, directory: Path, requests: int, concurrency: int) -> None:
    env = environment(url, directory)
    run(["db", "upgrade"], env, directory)
    run(["demo-data"], env, directory)
    credentials = run_json(["clients", "create", "--scopes", "all", "--json"], env, directory)
    with serving(env, directory) as base:
        token = httpx.post(base + "/v1/token", json=credentials).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Client_Id": credentials["client_id"]}
        with httpx.Client(base_url=base, headers=headers) as http:
            users = http.get("/v1/users").json()
            kind = http.get("/v1/activitytypes", params={"category": "CalendarEntry"}).json()[0]
        start = datetime(2027, 1, 4, 8, tzinfo=UTC)

        def create(i: int):
            at = start + timedelta(minutes=30 * i)
            body = {
                "name": f"Bench {i}",
                "activityType": {"guid": kind["guid"]},
                "ownerUser": {"guid": users[i % len(users)]["guid"]},
                "startDateTime": at.isoformat(),
                "endDateTime": (at + timedelta(minutes=30)).isoformat(),
            }
            return "POST", "/v1/activities", {"json": body}

        rate, lat = hammer(base, headers, requests, concurrency, create)
        print(f"  create  : {rate:7.0f} req/s   p50 {pct(lat, 50):6.1f} ms   p99 {pct(lat, 99):6.1f} ms")

        def listing(i: int):
            params = {"rowCount": 100, "userGuids": users[i % len(users)]["guid"], "includeAsMember": "true"}
            return "GET", "/v1/activities", {"params": params}

        rate, lat = hammer(base, headers, requests, concurrency, listing)
        print(f"  list 100: {rate:7.0f} req/s   p50 {pct(lat, 50):6.1f} ms   p99 {pct(lat, 99):6.1f} ms")


def bulk_activities(db: Database, count: int, users: int) -> list[int]:
    """100k activities with their change log as the services would write it (in bulk, for speed)."""
    now = datetime.now(UTC)
    with db.write() as session:
        type_id = session.execute(
            sa.text(
                "INSERT INTO activity_types"
                " (guid, name, category, is_active, is_default, calendar_sync, created_at, updated_at)"
                " VALUES (:g, 'Meeting', 'CalendarEntry', true, true, true, :n, :n) RETURNING id"
            ),
            {"g": str(uuid.uuid4()), "n": now.replace(tzinfo=None)},
        ).scalar_one()
        session.execute(
            sa.insert(User),
            [
                {
                    "guid": str(uuid.uuid4()),
                    "first_name": "U",
                    "last_name": str(i),
                    "email": f"u{i}@example.com",
                    "email_key": f"u{i}@example.com",
                    "time_zone": "UTC",
                    "is_active": True,
                    "role": "user",
                    "calendar_sync_enabled": True,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(users)
            ],
        )
        user_ids = list(session.scalars(sa.select(User.id)))
    rng = random.Random(7)
    seq = 0
    batch = 5000
    for first in range(0, count, batch):
        acts, parts, logs, touched = [], [], [], []
        for i in range(first, min(count, first + batch)):
            owner = rng.choice(user_ids)
            at = now + timedelta(minutes=15 * (i % 20000))
            acts.append(
                {
                    "id": i + 1,
                    "guid": str(uuid.uuid4()),
                    "name": f"A{i}",
                    "activity_type_id": type_id,
                    "owner_user_id": owner,
                    "start_at": at,
                    "end_at": at + timedelta(minutes=30),
                    "time_zone": "UTC",
                    "is_all_day": False,
                    "is_closed": False,
                    "is_deleted": False,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            guests = rng.sample(user_ids, rng.choice((0, 1, 2)))
            for g in guests:
                parts.append(
                    {
                        "guid": str(uuid.uuid4()),
                        "activity_id": i + 1,
                        "kind": "User",
                        "status": "Unknown",
                        "user_id": g,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            seq += 1
            logs.append(
                {
                    "seq": seq,
                    "activity_guid": acts[-1]["guid"],
                    "operation": "create",
                    "origin": "api",
                    "changed_fields": "[]",
                    "created_at": now,
                }
            )
            touched += [{"user_id": u, "seq": seq} for u in {owner, *guests}]
        with db.write() as session:
            session.execute(sa.insert(Activity), acts)
            if parts:
                session.execute(sa.insert(ActivityParticipant), parts)
            session.execute(sa.insert(ChangeLog), logs)
            session.execute(sa.insert(ChangeLogUser), touched)
    with db.write() as session:
        session.execute(sa.update(Counter).where(Counter.name == "change_log").values(value=seq))
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return user_ids


def change_feed_figures(url: str, count: int, users: int) -> None:
    engine = make_engine(url)
    migrations.upgrade(engine)
    db = Database(engine)
    t0 = time.perf_counter()
    user_ids = bulk_activities(db, count, users)
    print(f"  loaded {count} activities for {users} users in {time.perf_counter() - t0:.1f} s")
    rng = random.Random(11)
    with db.read() as session:
        latest = changelog.latest_seq(session)
        for label, after in (
            ("N = 0 (a new user's first 1000)", lambda: 0),
            ("N = latest - 500 (a routine cycle)", lambda: latest - 500),
            ("N = latest (nothing new)", lambda: latest),
        ):
            timings = []
            rows = 0
            for _ in range(200):
                user = rng.choice(user_ids)
                t = time.perf_counter()
                rows += len(changelog.changes_for_user(session, user, after(), limit=1000))
                timings.append((time.perf_counter() - t) * 1000)
            print(
                f"  changes for U after {label:36s}: median {statistics.median(timings):6.2f} ms, "
                f"p99 {pct(timings, 99):6.2f} ms, {rows / 200:.0f} rows"
            )
        stmt = (
            sa.select(ChangeLog)
            .join(ChangeLogUser, ChangeLogUser.seq == ChangeLog.seq)
            .where(ChangeLogUser.user_id == user_ids[0], ChangeLogUser.seq > latest - 500)
            .order_by(ChangeLogUser.seq)
            .limit(1000)
        )
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = [str(r[-1] if engine.dialect.name == "sqlite" else r[0]) for r in session.execute(sa.text(prefix + sql))]
        print("  plan: " + " | ".join(p.strip() for p in plan))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL base URL; a fresh database is made beside it")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        url, name = create_database(args.database_url, directory)
        kind = "PostgreSQL" if name else "SQLite"
        try:
            print(f"Hub API over HTTP ({kind}, {args.requests} requests, {args.concurrency} clients):")
            http_figures(url, directory, args.requests, args.concurrency)
        finally:
            drop_database(url, name)
        url, name = (
            create_database(args.database_url, directory / "feed")
            if name
            else (f"sqlite:///{directory / 'feed.db'}", None)
        )
        try:
            print(f"Change feed ({kind}):")
            change_feed_figures(url, args.activities, args.users)
        finally:
            drop_database(url, name)
    print(json.dumps({"done": True}))


if __name__ == "__main__":
    main()
