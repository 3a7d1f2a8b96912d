"""`tandem organisation`: the organisation's time zone, a new user's unless one is given
(issue 11, item 7: new users got UTC in an organisation in Helsinki)."""

from __future__ import annotations

from pathlib import Path

from tests.support.processes import environment, run, run_json

ADD = ["users", "add", "--first-name", "Ann", "--last-name", "Lee", "--json"]


def test_a_new_user_gets_the_organisations_time_zone_unless_given_one(empty_database_url: str, tmp_path: Path) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["db", "upgrade"], env, tmp_path)
    assert run_json(["organisation", "show", "--json"], env, tmp_path) == {"timeZone": "UTC"}
    assert run_json([*ADD, "utc@example.com"], env, tmp_path)["timeZone"] == "UTC"
    run(["organisation", "set", "--time-zone", "Europe/Helsinki"], env, tmp_path)
    assert run_json(["organisation", "show", "--json"], env, tmp_path) == {"timeZone": "Europe/Helsinki"}
    assert run_json([*ADD, "ann@example.com"], env, tmp_path)["timeZone"] == "Europe/Helsinki"
    given = run_json([*ADD, "bob@example.com", "--timezone", "America/New_York"], env, tmp_path)
    assert given["timeZone"] == "America/New_York"
    zones = {u["email"]: u["timeZone"] for u in run_json(["users", "list", "--json"], env, tmp_path)}
    assert zones["utc@example.com"] == "UTC"  # a user already there keeps theirs


def test_a_time_zone_that_is_not_an_iana_name_is_refused_in_one_line(empty_database_url: str, tmp_path: Path) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["db", "upgrade"], env, tmp_path)
    refused = run(["organisation", "set", "--time-zone", "Helsinki"], env, tmp_path, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == "'Helsinki' is not an IANA time zone name (such as Europe/Helsinki)"
    assert run_json(["organisation", "show", "--json"], env, tmp_path) == {"timeZone": "UTC"}


def test_the_demo_organisation_is_in_helsinki_and_so_is_a_user_added_to_it(
    empty_database_url: str, tmp_path: Path
) -> None:
    env = environment(empty_database_url, tmp_path)
    run(["demo-data"], env, tmp_path)
    assert run_json(["organisation", "show", "--json"], env, tmp_path) == {"timeZone": "Europe/Helsinki"}
    assert run_json([*ADD, "new@example.com"], env, tmp_path)["timeZone"] == "Europe/Helsinki"
