"""Finishing the set-up from the command line on a fresh install (issue 11, item 3):
activity types and the default type, users changed and removed, API clients listed and
revoked, and the mistakes a newcomer makes refused in one line."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import environment, run, run_json


def test_cal_5_a_fresh_install_creates_its_types_sets_the_default_and_chooses_what_syncs(
    hub_database_url: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    before = run(["calendar", "types", "--sync", "Meeting"], env, tmp_path, check=False)
    assert before.returncode == 1
    assert before.stderr.count("\n") == 1  # one line, naming the command that creates a type
    assert "tandem types add Meeting" in before.stderr
    assert run_json(["calendar", "status", "--json"], env, tmp_path)["default_type"] is None
    run(["types", "add", "Meeting", "--category", "CalendarEntry"], env, tmp_path)
    run(["types", "add", "Private", "--category", "Personal"], env, tmp_path)
    run(["types", "default", "meeting"], env, tmp_path)  # by name, case ignored
    run(["calendar", "types", "--sync", "Meeting"], env, tmp_path)
    status = run_json(["calendar", "status", "--json"], env, tmp_path)
    assert (status["default_type"], status["synced_types"], status["personal_types"]) == (
        "Meeting",
        ["Meeting"],
        ["Private"],
    )
    assert status["warnings"] == []  # no "no default type", no CAL-6 warning about private entries
    twice = run(["types", "add", "MEETING"], env, tmp_path, check=False)
    assert (twice.returncode, twice.stderr.count("\n")) == (1, 1)
    listed = run_json(["types", "list", "--json"], env, tmp_path)
    assert [(t["name"], t["default"]) for t in listed] == [("Meeting", True), ("Private", False)]


def test_cal_5_choosing_no_type_for_the_calendar_is_warned(hub_database_url: str, tmp_path: Path) -> None:
    env = environment(hub_database_url, tmp_path)
    run(["types", "add", "Meeting", "--sync"], env, tmp_path)
    emptied = run(["calendar", "types", "--sync", ""], env, tmp_path)
    assert "warning: no activity type goes to the calendar" in emptied.stderr


def test_users_add_refuses_an_address_without_a_dot_in_its_domain(hub_database_url: str, tmp_path: Path) -> None:
    env = environment(hub_database_url, tmp_path)
    refused = run(["users", "add", "gina@example", "--first-name", "G", "--last-name", "H"], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert refused.stderr == "email: 'gina@example' is not an email address\n"
    assert run_json(["users", "list", "--json"], env, tmp_path) == []


def test_users_add_set_and_list_print_one_shape_and_set_changes_only_what_is_given(
    hub_database_url: str, tmp_path: Path
) -> None:
    env = environment(hub_database_url, tmp_path)
    added = run_json(
        ["users", "add", "gina@example.com", "--first-name", "G", "--last-name", "H", "--json"], env, tmp_path
    )
    changed = run_json(
        ["users", "set", "GINA@example.com", "--first-name", "Gina", "--timezone", "Europe/Helsinki", "--json"],
        env,
        tmp_path,
    )
    listed = run_json(["users", "list", "--json"], env, tmp_path)
    assert listed == [changed]
    assert set(added) == set(changed)
    assert (changed["name"], changed["timeZone"], changed["lastName"], changed["role"]) == (
        "Gina H",
        "Europe/Helsinki",
        "H",
        "user",
    )
    bad = run(["users", "set", "gina@example.com", "--timezone", "Mars/Base"], env, tmp_path, check=False)
    assert (bad.returncode, bad.stderr.count("\n")) == (1, 1)
    assert "Mars/Base" in bad.stderr


def test_users_remove_deletes_a_new_user_and_deactivates_one_the_hub_still_needs(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["demo-data"], env, tmp_path)
    run(["users", "add", "temp@example.com", "--first-name", "T", "--last-name", "Emp"], env, tmp_path)
    removed = run(["users", "remove", "temp@example.com"], env, tmp_path)
    kept = run(["users", "remove", "ben.berg@example.com"], env, tmp_path)
    assert "Deactivated ben.berg@example.com, not deleted: the user owns" in kept.stdout
    listed = {u["email"]: u for u in run_json(["users", "list", "--json"], env, tmp_path)}
    assert "temp@example.com" not in listed
    assert "Removed temp@example.com" in removed.stdout
    assert listed["ben.berg@example.com"]["active"] is False


def test_clients_are_listed_without_secrets_and_a_revoked_one_gets_no_token(
    hub_database_url: str, tmp_path: Path
) -> None:
    from tandem import bootstrap
    from tandem.hub.services import clients
    from tests.support.hub import settings_for

    env = environment(hub_database_url, tmp_path)
    made = run_json(["clients", "create", "--scopes", "activities:read", "--name", "BI", "--json"], env, tmp_path)
    listed = run_json(["clients", "list", "--json"], env, tmp_path)
    assert [(c["client_id"], c["active"], c["scopes"]) for c in listed] == [
        (made["client_id"], True, ["activities:read"])
    ]
    narrow = run(["clients", "list"], {**env, "COLUMNS": "40"}, tmp_path).stdout
    assert made["client_id"] in narrow  # the whole id, on a narrow terminal too
    assert made["client_secret"] not in narrow
    run(["clients", "revoke", made["client_id"]], env, tmp_path)
    assert [c["active"] for c in run_json(["clients", "list", "--json"], env, tmp_path)] == [False]
    built = bootstrap.build(settings_for(hub_database_url, tmp_path))
    try:
        with built.db.read() as session:
            assert clients.authenticate_client(session, made["client_id"], made["client_secret"]) is None
    finally:
        built.close()
    unknown = run(["clients", "revoke", "tandem_nope"], env, tmp_path, check=False)
    assert (unknown.returncode, unknown.stderr.count("\n")) == (1, 1)
