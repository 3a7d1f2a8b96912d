"""Deterministic ids (BEY-3): an activity's event id, and the guid of an event first seen."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from tandem.sync.ids import (
    activity_guid_for_event,
    event_id_for,
    event_id_of,
    guid_from_event_id,
    occurrence_event_id,
    series_event_id_of,
)

from .builders import GUID_1, GUID_2, activity, at

GOOGLE_ID = re.compile(r"^[0-9a-v]{5,1024}$")


@given(st.uuids())
def test_bey_3_event_id_is_the_guid_in_base32hex_and_decodes_back(guid: uuid.UUID) -> None:
    event_id = event_id_for(str(guid))
    assert len(event_id) == 26
    assert GOOGLE_ID.match(event_id)
    assert guid_from_event_id(event_id) == str(guid)
    assert event_id_for(str(guid).upper()) == event_id


def test_bey_3_a_known_guid_has_a_known_event_id() -> None:
    # 128 zero bits but the last: "0" * 25 then the final 3 bits (001) shifted left by 2 -> "4".
    assert event_id_for("00000000-0000-0000-0000-000000000001") == "0" * 25 + "4"
    assert event_id_for("ffffffff-ffff-ffff-ffff-ffffffffffff") == "v" * 25 + "s"


@given(st.text(alphabet="0123456789abcdefghijklmnopqrstuvwxyz_", min_size=0, max_size=40))
def test_bey_3_only_canonical_26_character_ids_are_ours(event_id: str) -> None:
    guid = guid_from_event_id(event_id)
    if guid is not None:
        assert event_id_for(guid) == event_id
    else:
        assert guid_from_event_id(event_id) is None


def test_bey_3_ids_that_are_not_ours() -> None:
    assert guid_from_event_id("abc") is None
    assert guid_from_event_id("0" * 25 + "1") is None  # the two spare bits are not zero
    assert guid_from_event_id("w" * 26) is None  # outside base32hex
    assert guid_from_event_id(event_id_for(str(uuid.UUID(int=7))) + "_20300101") is None


def test_bey_3_an_attendee_copy_of_our_event_is_the_same_activity() -> None:
    guid = "0f6a3c1e-5b7d-4e2a-9c8b-1d2e3f4a5b6c"
    event_id = event_id_for(guid)
    assert activity_guid_for_event(event_id, "bob@example.com") == guid
    assert activity_guid_for_event(event_id, "ann@example.com") == guid


def test_bey_3_an_event_first_seen_gets_the_same_guid_from_every_attendee() -> None:
    ann_sees = activity_guid_for_event("m0sfp3kq9h", "Organiser@Example.com")
    bob_sees = activity_guid_for_event("m0sfp3kq9h", "organiser@example.com ")
    assert ann_sees == bob_sees
    assert uuid.UUID(ann_sees).version == 5
    assert activity_guid_for_event("m0sfp3kq9h", "someone@else.example") != ann_sees
    assert activity_guid_for_event("m0sfp3kq9i", "organiser@example.com") != ann_sees


def test_cal_9_occurrence_ids_follow_googles_form() -> None:
    series = event_id_for("0f6a3c1e-5b7d-4e2a-9c8b-1d2e3f4a5b6c")
    moved = occurrence_event_id(series, datetime(2030, 3, 5, 10, 0, tzinfo=UTC))
    assert moved == f"{series}_20300305T100000Z"
    assert occurrence_event_id(series, date(2030, 3, 5)) == f"{series}_20300305"


def test_bey_3_an_activity_outside_a_series_is_written_under_its_own_guid() -> None:
    assert event_id_of(activity(GUID_2)) == event_id_for(GUID_2)
    assert event_id_of(activity(GUID_2), "series-from-a-link") == event_id_for(GUID_2)


def test_cal_9_an_occurrence_is_written_under_its_series_id_and_original_start() -> None:
    moved = activity(GUID_2, recurrence_parent_guid=GUID_1, original_start=at(7, 8))
    assert event_id_of(moved) == "1tl3o7irfl72l74b3kn3uiirdg_20300307T080000Z"  # event_id_for(GUID_1)
    # A series first seen in Google keeps Google's id: the occurrence follows its link.
    assert event_id_of(moved, "m0sfp3kq9h") == "m0sfp3kq9h_20300307T080000Z"


def test_cal_9_an_occurrence_id_names_its_series() -> None:
    series = event_id_for(GUID_1)
    assert series_event_id_of(occurrence_event_id(series, date(2030, 3, 5))) == series
    assert series_event_id_of("google_made_id_20300305T100000Z") == "google_made_id"
