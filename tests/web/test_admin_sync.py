"""Admin → Sync activity (BEY-4, CAL-17, BEY-2, CAL-6): recent runs, items set aside with
Retry, conflicts side by side, and the charts of the last 24 hours."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tandem import bootstrap
from tandem.domain.syncstate import (
    QuarantinedItem,
    QuarantineSide,
    RunCounts,
    RunRecord,
)
from tandem.store.schedule import SqlSchedule, UserSchedule
from tests.web.support import PSA_SIDE, add_people, csrf_token, plant_conflict, signed_in, switch_sync_on

NOW = datetime.now(UTC).replace(microsecond=0)
START = PSA_SIDE.start


def _versions(page: str) -> dict[str, tuple[str, str, bool]]:
    """The conflict's table: field -> (PSA's version, calendar's version, marked as differing)."""
    (table,) = re.findall(r'<table class="versions">(.*?)</table>', page, re.S)
    found = {}
    for row in re.findall(r"<tr( class=\"differs\")?><th scope=\"row\">(.*?)</th><td>(.*?)</td><td>(.*?)</td>", table):
        marked, name, psa, calendar = row
        found[re.sub(r" <span.*", "", name)] = (psa, calendar, bool(marked))
    return found


def test_bey_2_conflicts_show_both_versions_side_by_side(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    plant_conflict(tandem, people.user_guid)
    page = signed_in(tandem, people.admin).get("/admin/sync")
    assert page.status_code == 200
    versions = _versions(page.text)
    assert versions["Location"] == ("Room 4", "Teams call", True)
    start = versions["Start"]
    assert start[2] is True
    assert start[0] != start[1]
    assert start[0] == START.strftime("%Y-%m-%d %H:%M UTC")
    assert versions["Subject"] == ("Budget review", "Budget review", False)  # the same on both: not marked
    assert versions["Attendees"][2] is False
    assert {name for name, (_, _, marked) in versions.items() if marked} == {"Location", "Start", "End"}
    assert "Conflicting: location, timing. Kept: the calendar&#39;s version." in page.text
    assert "Uma Test &lt;uma.user@example.com&gt;" in page.text


def test_cal_6_a_conflict_of_someone_elses_private_entry_shows_only_its_time(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    plant_conflict(tandem, people.user_guid, private=True)
    page = signed_in(tandem, people.admin).get("/admin/sync")
    versions = _versions(page.text)
    assert set(versions) == {"Start", "End", "Time zone", "Private"}
    for detail in ("Room 4", "Teams call", "Budget review", "Numbers for Q1"):
        assert detail not in page.text
    assert "bo@example.com" not in page.text
    assert "A private entry: only its time is shown (CAL-6)." in page.text


def test_cal_17_an_item_set_aside_is_listed_and_retry_makes_it_due_now_and_starts_the_sync(
    tandem: bootstrap.Tandem,
) -> None:
    people = add_people(tandem)
    guid = switch_sync_on(tandem, people.user)
    store = tandem.sync_store()
    later = NOW + timedelta(hours=1)
    reason = "the activity's type is not one the calendar takes"
    store.quarantine(QuarantinedItem(guid, people.user, "act-7", None, QuarantineSide.PSA, reason, later))
    store.quarantine(QuarantinedItem(guid, people.user, "act-7", None, QuarantineSide.PSA, reason, later))
    SqlSchedule(tandem.db).save(UserSchedule(guid, later))
    admin = signed_in(tandem, people.admin)
    page = admin.get("/admin/sync")
    (row,) = re.findall(r'<table id="set-aside"[^>]*>.*?<tbody>(.*?)</tbody>', page.text, re.S)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "activity act-7" in cells[0]
    assert cells[1:4] == [
        "the activity&#39;s type is not one the calendar takes",
        "2",
        later.strftime("%Y-%m-%d %H:%M:%S UTC"),
    ]
    assert store.due_for_retry(guid, people.user, NOW) == []
    started: list[str] = []
    tandem.hub.on_user_active.append(started.append)
    form = {"csrf_token": csrf_token(admin, "/admin/sync"), "user": guid, "activity": "act-7", "event": ""}
    answer = admin.post("/admin/sync/retry", data=form)
    assert (answer.status_code, answer.headers["location"]) == (303, "/admin/sync?done=retried")
    (due,) = store.due_for_retry(guid, people.user, datetime.now(UTC))
    assert (due.activity_guid, due.attempts) == ("act-7", 2)  # the admin's retry is no failed attempt
    assert started == [guid]
    assert SqlSchedule(tandem.db).due(datetime.now(UTC)) == [guid]
    assert "The item is due now" in admin.get(answer.headers["location"]).text

    gone = admin.post("/admin/sync/retry", data={**form, "activity": "act-8"})
    assert gone.status_code == 400
    assert "That item is no longer set aside" in gone.text
    assert started == [guid]


def test_bey_4_recent_runs_show_their_counts_and_failures(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    store = tandem.sync_store()
    guid = people.user_guid
    store.record_run(RunRecord(guid, people.user, NOW - timedelta(minutes=9), NOW - timedelta(minutes=9)))  # idle
    store.record_run(
        RunRecord(
            guid,
            people.user,
            NOW - timedelta(minutes=5),
            NOW - timedelta(minutes=5) + timedelta(seconds=2),
            RunCounts(events_created=2, activities_updated=1),
        )
    )
    store.record_run(RunRecord(guid, people.user, NOW - timedelta(minutes=1), NOW, error="RateLimited: slow down"))
    store.record_run(
        RunRecord(guid, people.user, NOW - timedelta(days=2), NOW - timedelta(days=2), RunCounts(linked=9))
    )
    page = signed_in(tandem, people.admin).get("/admin/sync").text
    (body,) = re.findall(r'<table id="runs"[^>]*>.*?<tbody>(.*?)</tbody>', page, re.S)
    rows = re.findall(r"<tr( class=\"failed\")?><th scope=\"row\">.*?</th>(.*?)</tr>", body, re.S)
    assert len(rows) == 2  # the idle run and the one of two days ago are not listed
    (failed, first), (done, second) = rows
    assert failed
    assert "Failed: RateLimited: slow down" in first
    assert not done
    assert '<td data-label="Counts">events created 2, activities updated 1</td>' in second
    assert '<td data-label="Took" class="nowrap">2.00 s</td>' in second
    assert "1 other run of the last 24 hours found nothing to do." in page


def test_bey_4_the_charts_are_svg_drawn_on_the_server_with_a_table_of_their_numbers(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    store = tandem.sync_store()
    hour_ago = NOW - timedelta(hours=1)
    store.record_run(
        RunRecord(people.user_guid, people.user, hour_ago, hour_ago + timedelta(seconds=3), RunCounts(events_created=4))
    )
    answer = signed_in(tandem, people.admin).get("/admin/sync")
    page = answer.text
    assert "<script" not in page  # the pages' policy runs no inline script...
    assert "style=" not in page  # ...nor inline style
    for chart in ("changes-chart", "latency-chart"):
        (svg,) = re.findall(rf'<svg id="{chart}"[^>]*role="img"[^>]*>(.*?)</svg>', page, re.S)
        assert f'<title id="{chart}-title">' in svg
        assert len(re.findall(r"<rect class=\"bar\"", svg)) == 1  # one hour had runs
    assert f"{hour_ago:%H}:00: 4 changes" in page  # the bar's own title
    assert f"{hour_ago:%H}:00: 3 s" in page
    (hours,) = re.findall(r'<table id="hours">.*?<tbody>(.*?)</tbody>', page, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", hours, re.S)
    assert len(rows) == 24
    (busy,) = [r for r in rows if f"{hour_ago:%Y-%m-%d %H}:00" in r]
    assert re.findall(r"<td>(.*?)</td>", busy) == ["1", "0", "4", "3.00 s", "3.00 s"]


def test_the_retry_form_refuses_a_post_without_the_csrf_token(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    store = tandem.sync_store()
    later = NOW + timedelta(hours=1)
    store.quarantine(QuarantinedItem(people.user_guid, people.user, "act-7", None, QuarantineSide.PSA, "no", later))
    admin = signed_in(tandem, people.admin)
    answer = admin.post("/admin/sync/retry", data={"user": people.user_guid, "activity": "act-7"})
    assert answer.status_code == 403
    assert "This form has expired" in answer.text
    assert store.due_for_retry(people.user_guid, people.user, datetime.now(UTC)) == []


def test_cal_17_retry_for_a_user_whose_sync_is_off_makes_the_item_due_without_starting_a_sync(
    tandem: bootstrap.Tandem,
) -> None:
    people = add_people(tandem)
    store = tandem.sync_store()
    later = NOW + timedelta(hours=1)
    store.quarantine(QuarantinedItem(people.user_guid, people.user, None, "ev-3", QuarantineSide.CALENDAR, "no", later))
    admin = signed_in(tandem, people.admin)
    started: list[str] = []
    tandem.hub.on_user_active.append(started.append)
    form = {"csrf_token": csrf_token(admin, "/admin/sync"), "user": people.user_guid, "activity": "", "event": "ev-3"}
    answer = admin.post("/admin/sync/retry", data=form)
    assert answer.headers["location"] == "/admin/sync?done=due"
    (due,) = store.due_for_retry(people.user_guid, people.user, datetime.now(UTC))
    assert due.event_id == "ev-3"
    assert started == []
    assert "it is retried when they switch it on" in admin.get(answer.headers["location"]).text


def test_both_admin_pages_carry_the_security_headers_and_are_never_cached(tandem: bootstrap.Tandem) -> None:
    people = add_people(tandem)
    admin = signed_in(tandem, people.admin)
    answers = [admin.get("/admin/sync"), admin.get("/admin/users")]
    answers.append(admin.post("/admin/sync/retry", data={"user": people.user_guid}))  # refused: no CSRF token
    assert [a.status_code for a in answers] == [200, 200, 403]
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
