"""The command line, as an admin uses it."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import environment, run, run_json


def test_users_clients_and_demo_data(empty_database_url: str, tmp_path: Path) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["db", "upgrade"], env, tmp_path)
    added = run_json(
        [
            "users",
            "add",
            "ada@example.com",
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
            "--code",
            "E1",
            "--role",
            "admin",
            "--timezone",
            "Europe/London",
            "--json",
        ],
        env,
        tmp_path,
    )
    assert added["email"] == "ada@example.com"
    duplicate = run(
        ["users", "add", "ADA@example.com", "--first-name", "A", "--last-name", "L"], env, tmp_path, check=False
    )
    assert duplicate.returncode == 1
    assert "already has the email" in duplicate.stderr
    listed = run_json(["users", "list", "--json"], env, tmp_path)
    assert [(u["name"], u["role"], u["timeZone"]) for u in listed] == [("Ada Lovelace", "admin", "Europe/London")]
    refused = run(["demo-data"], env, tmp_path, check=False)
    assert refused.returncode == 1  # only into an empty organisation
    bad_scope = run(["clients", "create", "--scopes", "activities:fly"], env, tmp_path, check=False)
    assert bad_scope.returncode == 1
    assert "unknown scope" in bad_scope.stderr
    shown = run(["clients", "create", "--scopes", "activities:read", "--name", "BI export"], env, tmp_path)
    assert "client_secret" in shown.stdout


def test_settings_come_from_a_toml_file_and_the_environment_wins(tmp_path: Path) -> None:
    from tandem.config import load_settings

    config = tmp_path / "tandem.toml"
    config.write_text('port = 9001\ndatabase_url = "sqlite:///from-file.db"\n[sync]\npoll_interval_s = 10\n')
    settings = load_settings(config)
    assert (settings.port, settings.database_url, settings.sync.poll_interval_s) == (9001, "sqlite:///from-file.db", 10)
    import os

    os.environ["TANDEM_PORT"] = "9002"
    os.environ["TANDEM_SYNC__POLL_INTERVAL_S"] = "5"
    try:
        settings = load_settings(config)
    finally:
        del os.environ["TANDEM_PORT"], os.environ["TANDEM_SYNC__POLL_INTERVAL_S"]
    assert (settings.port, settings.sync.poll_interval_s) == (9002, 5)


def test_db_purge_forgets_tombstones_past_the_retention(hub_database_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from tandem import bootstrap
    from tandem.domain.activity import Origin
    from tandem.hub.models import Activity
    from tandem.hub.services import activities
    from tandem.hub.services.activities import Actor
    from tests.support import factories
    from tests.support.hub import settings_for

    t = bootstrap.build(settings_for(hub_database_url, tmp_path))
    try:
        owner, kind = factories.user(t), factories.activity_type(t)
        start = datetime(2026, 12, 1, 9, tzinfo=UTC)
        old = factories.activity(t, owner, kind, start, start + timedelta(hours=1), name="old")
        recent = factories.activity(t, owner, kind, start, start + timedelta(hours=1), name="recent")
        with t.db.write() as session:
            for guid in (old, recent):
                row = session.scalars(sa.select(Activity).where(Activity.guid == guid)).one()
                activities.delete(session, row, Actor(Origin.API))
        with t.db.write() as session:
            session.execute(
                sa.update(Activity)
                .where(Activity.guid == old)
                .values(deleted_at=datetime.now(UTC) - timedelta(days=100))
            )
    finally:
        t.close()
    env = environment(hub_database_url, tmp_path, TANDEM_TOMBSTONE_RETENTION_DAYS="90")
    done = run(["db", "purge"], env, tmp_path)
    assert "Forgot 1 deleted activities" in done.stdout
    t = bootstrap.build(settings_for(hub_database_url, tmp_path))
    try:
        with t.db.read() as session:
            left = set(session.scalars(sa.select(Activity.guid)))
    finally:
        t.close()
    assert left == {recent}  # the recent tombstone stays until its retention passes
