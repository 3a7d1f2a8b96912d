"""Field mapping (CAL-13), privacy (CAL-6) and participants (CAL-14), with round trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.activity import (
    Activity,
    ActivityCategory,
    Participant,
    ParticipantKind,
    ParticipantStatus,
    Recurrence,
)
from tandem.domain.calendar import Attendee, CalendarEvent, ResponseStatus
from tandem.domain.syncstate import SyncedFields
from tandem.sync.ids import event_id_for
from tandem.sync.mapping import (
    WARN_PRIVATE_AS_DEFAULT,
    apply_fields,
    event_from_fields,
    fields_from_activity,
    fields_from_event,
    new_activity,
)
from tandem.sync.merge import FIELDS
from tandem.sync.series import Unrepresentable

from .builders import ANN, ANN_EMAIL, BOB, GUID_1, MEETING, PERSONAL, activity, context, event, external, guest, user

ZONES = ["Europe/Helsinki", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]
RULES = ["FREQ=DAILY;COUNT=5", "FREQ=WEEKLY;BYDAY=MO,WE", "freq=monthly;interval=2;count=3", "RRULE:FREQ=YEARLY"]
CTX = context()
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def timed(draw: st.DrawFn) -> tuple[datetime, datetime, str, Recurrence | None]:
    zone = draw(st.sampled_from(ZONES))
    local = draw(st.datetimes(datetime(2029, 1, 1), datetime(2032, 12, 31)))
    start = local.replace(tzinfo=ZoneInfo(draw(st.sampled_from(ZONES))))  # any offset; UTC inside
    end = start + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    recurrence = None
    if draw(st.booleans()):
        rule = draw(st.sampled_from([*RULES, "FREQ=DAILY;UNTIL=20331231T000000Z"]))
        skipped = draw(st.lists(st.sampled_from(_later_occurrences(rule, start, zone)), max_size=3, unique=True))
        recurrence = Recurrence(rrule=rule, exdates=tuple(skipped))
    return start, end, zone, recurrence


def _later_occurrences(rule: str, start: datetime, zone: str) -> list[datetime]:
    """The 2nd to 5th occurrences of a series on its zone's wall clock (dateutil itself)."""
    tz = ZoneInfo(zone)
    text = rule.upper().removeprefix("RRULE:").replace("Z", "")  # a naive UNTIL with a naive start
    local = start.astimezone(tz).replace(tzinfo=None)
    naive = rrulestr(text, dtstart=local)
    return [moment.replace(tzinfo=tz) for moment in list(naive.xafter(local, count=5, inc=False))[:4]]


@st.composite
def all_day(draw: st.DrawFn) -> tuple[date, date, str, Recurrence | None]:
    start = draw(st.dates(date(2029, 1, 1), date(2032, 12, 31)))
    end = start + timedelta(days=draw(st.integers(1, 5)))
    recurrence = None
    if draw(st.booleans()):
        skipped = draw(st.lists(st.integers(1, 4), max_size=3, unique=True))
        rule = draw(st.sampled_from([*RULES, "FREQ=DAILY;UNTIL=20331231"]))
        recurrence = Recurrence(rrule=rule, exdates=tuple(start + timedelta(days=d) for d in skipped))
    return start, end, draw(st.sampled_from(ZONES)), recurrence


@st.composite
def participants(draw: st.DrawFn) -> tuple[Participant, ...]:
    kinds = st.sampled_from(list(ParticipantKind))
    statuses = st.sampled_from([s for s in ParticipantStatus if s is not ParticipantStatus.DECLINED])
    found = []
    for n in range(draw(st.integers(0, 4))):
        kind = draw(kinds)
        email = draw(st.sampled_from([f"guest{n}@outside.example", "Bob@Example.COM", f"c{n}@customer.example"]))
        found.append(Participant(kind=kind, status=draw(statuses), email=email, name=f"Person {n}"))
    return tuple(found)


@st.composite
def activities(draw: st.DrawFn) -> Activity:
    start, end, zone, recurrence = draw(st.one_of(timed(), all_day()))
    private = draw(st.booleans())
    return activity(
        name=draw(texts),
        notes=draw(st.one_of(st.none(), texts)),
        location=draw(st.one_of(st.none(), texts)),
        start=start,
        end=end,
        time_zone=zone,
        recurrence=recurrence,
        type_guid=PERSONAL if private else MEETING,
        category=ActivityCategory.PERSONAL if private else ActivityCategory.CALENDAR_ENTRY,
        participants=draw(participants()),
    )


def _through_calendar(a: Activity) -> tuple[SyncedFields, CalendarEvent, SyncedFields]:
    sent = fields_from_activity(a, CTX, ANN_EMAIL)
    written = event_from_fields(sent, event_id=event_id_for(a.guid), ctx=CTX)
    return sent, written, fields_from_event(written, CTX, ANN_EMAIL)


@given(activities())
def test_cal_13_an_activity_survives_the_round_trip_through_the_calendar(a: Activity) -> None:
    sent, written, read_back = _through_calendar(a)
    assert read_back == sent
    assert written.summary == a.name
    adopted = new_activity(read_back, guid=a.guid, ctx=CTX, organiser=ANN_EMAIL).activity
    assert fields_from_activity(adopted, CTX, ANN_EMAIL) == sent
    assert adopted.start == a.start  # the same instant, or the same date
    assert adopted.end == a.end


@given(all_day())
def test_cal_13_all_day_dates_keep_their_exclusive_end_and_never_shift(
    span: tuple[date, date, str, Recurrence | None],
) -> None:
    start, end, zone, recurrence = span
    a = activity(start=start, end=end, time_zone=zone, recurrence=recurrence)
    _, written, read_back = _through_calendar(a)
    assert (written.start, written.end) == (start, end)
    assert type(written.start) is date
    assert type(written.end) is date
    assert written.time_zone is None
    assert (read_back.start, read_back.end) == (start, end)


@given(timed())
def test_cal_13_times_are_utc_inside_and_keep_their_zone(
    span: tuple[datetime, datetime, str, Recurrence | None],
) -> None:
    start, end, zone, recurrence = span
    sent, written, _ = _through_calendar(activity(start=start, end=end, time_zone=zone, recurrence=recurrence))
    assert sent.start == start
    assert isinstance(sent.start, datetime)
    assert sent.start.tzinfo is UTC
    assert written.time_zone == zone
    if recurrence is not None:
        assert written.recurrence is not None
        assert {d.astimezone(UTC) for d in recurrence.exdates if isinstance(d, datetime)} == set(
            written.recurrence.exdates
        )


def test_cal_9_an_exdate_that_names_no_occurrence_is_not_carried() -> None:
    first = datetime(2030, 3, 4, 8, tzinfo=UTC)  # a Monday
    kept, stray = first + timedelta(weeks=1), first + timedelta(days=8)  # a Tuesday: no occurrence
    a = activity(
        start=first,
        end=first + timedelta(hours=1),
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=6;BYDAY=MO", (kept, stray)),
    )
    fields = fields_from_activity(a, CTX, ANN_EMAIL)
    assert fields.recurrence is not None
    assert fields.recurrence.exdates == (kept,)


@given(st.data())
def test_cal_9_exdates_and_rule_parts_in_any_order_compare_equal(data: st.DataObject) -> None:
    first = datetime(2030, 3, 4, 8, tzinfo=UTC)
    exdates = [first + timedelta(weeks=w) for w in (1, 2, 4)]
    shuffled = data.draw(st.permutations(exdates))
    a = activity(
        start=first,
        end=first + timedelta(hours=1),
        recurrence=Recurrence("FREQ=WEEKLY;COUNT=6;BYDAY=MO", tuple(exdates)),
    )
    e = event(
        start=first.astimezone(ZoneInfo("Europe/Helsinki")),
        end=first + timedelta(hours=1),
        recurrence=Recurrence(
            "RRULE:BYDAY=MO;FREQ=WEEKLY;COUNT=6", tuple(d.astimezone(ZoneInfo("Asia/Tokyo")) for d in shuffled)
        ),
    )
    assert fields_from_activity(a, CTX, ANN_EMAIL) == fields_from_event(e, CTX, ANN_EMAIL)


@given(activities())
def test_cal_13_the_snapshot_reads_back_from_json(a: Activity) -> None:
    fields = fields_from_activity(a, CTX, ANN_EMAIL)
    assert SyncedFields.from_json(fields.to_json()) == fields


def test_cal_13_calendar_changes_never_touch_psa_only_fields() -> None:
    a = activity(customer_guid="c-1", project_guid="p-1", phase_guid="ph-1", is_closed=True, type_guid=MEETING)
    changed = fields_from_event(
        event(summary="New", description="New notes", location="Elsewhere", start=datetime(2030, 4, 1, 8, tzinfo=UTC),
              end=datetime(2030, 4, 1, 9, tzinfo=UTC), attendees=(guest("x@outside.example"),)),
        CTX, ANN_EMAIL,
    )  # fmt: skip
    updated = apply_fields(a, changed, frozenset(FIELDS), CTX, ANN_EMAIL, frozenset()).activity
    assert (updated.name, updated.notes, updated.location) == ("New", "New notes", "Elsewhere")
    assert updated.start == datetime(2030, 4, 1, 8, tzinfo=UTC)
    kept = ("customer_guid", "project_guid", "phase_guid", "is_closed", "type_guid", "category", "owner_guid", "guid")
    assert {k: getattr(updated, k) for k in kept} == {k: getattr(a, k) for k in kept}


def test_cal_6_a_private_entry_becomes_a_personal_activity_and_back() -> None:
    fields = fields_from_event(event(private=True), CTX, ANN_EMAIL)
    adopted = new_activity(fields, guid=GUID_1, ctx=CTX, organiser=ANN_EMAIL)
    assert adopted.activity.type_guid == PERSONAL
    assert adopted.activity.category is ActivityCategory.PERSONAL
    assert adopted.warnings == ()
    personal = activity(type_guid=PERSONAL, category=ActivityCategory.PERSONAL)
    written = event_from_fields(fields_from_activity(personal, CTX, ANN_EMAIL), event_id="e1", ctx=CTX)
    assert written.private is True


def test_cal_6_without_a_personal_type_a_private_entry_gets_the_default_type_and_a_warning() -> None:
    ctx = context(personal_type_guid=None)
    fields = fields_from_event(event(private=True), ctx, ANN_EMAIL)
    adopted = new_activity(fields, guid=GUID_1, ctx=ctx, organiser=ANN_EMAIL)
    assert adopted.activity.type_guid == MEETING
    assert adopted.warnings == (WARN_PRIVATE_AS_DEFAULT,)


def test_cal_6_an_entry_made_public_leaves_the_personal_type() -> None:
    personal = activity(type_guid=PERSONAL, category=ActivityCategory.PERSONAL)
    public = replace(fields_from_activity(personal, CTX, ANN_EMAIL), private=False)
    updated = apply_fields(personal, public, frozenset({"private"}), CTX, ANN_EMAIL).activity
    assert (updated.type_guid, updated.category) == (MEETING, ActivityCategory.CALENDAR_ENTRY)


def test_cal_14_users_and_externals_become_attendees_contacts_and_resources_never_leave() -> None:
    a = activity(
        participants=(
            user(BOB, "BOB@example.com"),
            Participant(kind=ParticipantKind.USER, ref_guid=BOB, status=ParticipantStatus.ACCEPTED),
            external("jane@outside.example", "Jane Doe"),
            Participant(kind=ParticipantKind.CONTACT, email="buyer@customer.example", name="Buyer"),
            Participant(kind=ParticipantKind.RESOURCE, email="room@resources.example", name="Room"),
            Participant(kind=ParticipantKind.OTHER, name="No email"),
            user(ANN, ANN_EMAIL),
        )
    )
    written = event_from_fields(fields_from_activity(a, CTX, ANN_EMAIL), event_id="e1", ctx=CTX)
    assert [x.email for x in written.attendees] == ["bob@example.com", "jane@outside.example"]
    assert all(x.response_status is ResponseStatus.NEEDS_ACTION for x in written.attendees)


def test_cal_14_attendees_come_back_as_users_or_named_others() -> None:
    e = event(
        attendees=(
            Attendee("Bob@EXAMPLE.com", response_status=ResponseStatus.ACCEPTED),
            Attendee("jane@outside.example", display_name="Jane Doe", response_status=ResponseStatus.TENTATIVE),
            Attendee("nameless@outside.example"),
            Attendee("room-1@resource.calendar.google.com", resource=True),
            Attendee(ANN_EMAIL, organizer=True),
        )
    )
    made = new_activity(fields_from_event(e, CTX, ANN_EMAIL), guid=GUID_1, ctx=CTX, organiser=ANN_EMAIL).activity
    people = {(p.kind, p.email, p.name, p.ref_guid, p.status) for p in made.participants}
    assert people == {
        (ParticipantKind.USER, "bob@example.com", None, BOB, ParticipantStatus.ACCEPTED),
        (ParticipantKind.OTHER, "jane@outside.example", "Jane Doe", None, ParticipantStatus.TENTATIVE),
        (
            ParticipantKind.OTHER,
            "nameless@outside.example",
            "nameless@outside.example",
            None,
            ParticipantStatus.INVITED,
        ),
    }


@pytest.mark.parametrize(
    ("response", "status"),
    [
        (ResponseStatus.NEEDS_ACTION, ParticipantStatus.INVITED),
        (ResponseStatus.ACCEPTED, ParticipantStatus.ACCEPTED),
        (ResponseStatus.TENTATIVE, ParticipantStatus.TENTATIVE),
        (ResponseStatus.DECLINED, ParticipantStatus.DECLINED),
    ],
)
def test_cal_13_participation_status_flows_from_the_calendar(
    response: ResponseStatus, status: ParticipantStatus
) -> None:
    a = activity(participants=(user(BOB, BOB_EMAIL_LOWER),))
    fields = fields_from_event(event(attendees=(Attendee(BOB_EMAIL_LOWER, response_status=response),)), CTX, ANN_EMAIL)
    updated = apply_fields(a, fields, frozenset({"attendees"}), CTX, ANN_EMAIL, frozenset({BOB_EMAIL_LOWER})).activity
    assert [p.status for p in updated.participants] == [status]


def test_cal_14_an_external_attendee_who_declines_leaves_the_psa() -> None:
    a = activity(participants=(external("jane@outside.example", "Jane Doe"), user(BOB, BOB_EMAIL_LOWER)))
    declined = (
        Attendee("jane@outside.example", response_status=ResponseStatus.DECLINED),
        Attendee(BOB_EMAIL_LOWER, response_status=ResponseStatus.DECLINED),
    )
    fields = fields_from_event(event(attendees=declined), CTX, ANN_EMAIL)
    everyone = frozenset({"jane@outside.example", BOB_EMAIL_LOWER})
    updated = apply_fields(a, fields, frozenset({"attendees"}), CTX, ANN_EMAIL, everyone).activity
    assert [(p.email, p.status) for p in updated.participants] == [(BOB_EMAIL_LOWER, ParticipantStatus.DECLINED)]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"start": None}, "no start"),
        ({"end": datetime(2030, 3, 5, 7, tzinfo=UTC)}, "ends before it starts"),
        ({"start": datetime(2030, 3, 5, 8), "end": datetime(2030, 3, 5, 9)}, "no time zone"),
        ({"start": date(2030, 3, 5), "end": datetime(2030, 3, 5, 9, tzinfo=UTC)}, "not both dates"),
        ({"start": date(2030, 3, 5), "end": date(2030, 3, 5)}, "must end"),
        ({"recurrence": Recurrence("FREQ=SOMETIMES")}, "cannot be read"),
        ({"recurrence": Recurrence("COUNT=3")}, "no single FREQ"),
        ({"time_zone": "Mars/Olympus_Mons"}, "unknown time zone"),
    ],
)
def test_cal_17_an_entry_the_psa_cannot_hold_says_why(changes: dict[str, object], reason: str) -> None:
    with pytest.raises(Unrepresentable, match=reason):
        fields_from_event(event(**changes), CTX, ANN_EMAIL)


BOB_EMAIL_LOWER = "bob@example.com"
