"""`events.list` and `events.instances`: filters, paging, and incremental sync.

Full reads walk the calendar in creation order from the page token's position, so paging
is stable while events are added. An incremental read (`syncToken`) returns what changed
after the token's sequence number up to the sequence number seen on its first page (the
snapshot), oldest change first, deleted events included whatever `showDeleted` says;
`nextSyncToken` appears only on the last page and carries the snapshot, so nothing
changed while paging is lost. The parameters Google forbids beside `syncToken` are 400.

`eventTypes` (repeatable) narrows every read, full or incremental, to those types (no
`eventTypes`: every type). It is allowed beside `syncToken` and, like `singleEvents`, must
stay as in the full sync: a sync token from a read with other types is 410.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tandem.emulators.google import errors
from tandem.emulators.google.calendars import Calendar, EventRecord
from tandem.emulators.google.event_types import EVENT_TYPES
from tandem.emulators.google.instances import occurrences
from tandem.emulators.google.recurrence import last_start
from tandem.emulators.google.rendering import render_listed
from tandem.emulators.google.times import format_timestamp, parse_timestamp, parse_when
from tandem.emulators.google.tokens import (
    PageCursor,
    SyncShape,
    page_token,
    query_fingerprint,
    read_page_token,
    read_sync_token,
    sync_token,
)

DEFAULT_PAGE = 250
MAX_PAGE = 2500
SYNC_FORBIDDEN = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)

Item = tuple[datetime, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class ListQuery:
    params: Mapping[str, list[str]]
    max_results: int
    show_deleted: bool
    single_events: bool
    time_min: datetime | None
    time_max: datetime | None
    updated_min: datetime | None
    order_by: str | None
    text: str | None
    ical_uid: str | None
    private_filters: tuple[tuple[str, str], ...]
    shared_filters: tuple[tuple[str, str], ...]
    event_types: frozenset[str] | None

    def one(self, name: str) -> str | None:
        values = self.params.get(name)
        return values[-1] if values else None


def _last(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[-1] if values else None


def _flag(params: Mapping[str, list[str]], name: str) -> bool:
    values = params.get(name)
    if not values:
        return False
    value = values[-1].lower()
    if value not in ("true", "false"):
        raise errors.invalid(f"Invalid boolean value: '{values[-1]}'.", location=name)
    return value == "true"


def _max_results(params: Mapping[str, list[str]]) -> int:
    raw = params.get("maxResults")
    if not raw:
        return DEFAULT_PAGE
    try:
        value = int(raw[-1])
    except ValueError:
        raise errors.invalid(
            f"Invalid value '{raw[-1]}'. Values must match the following regular expression: '-?\\d+'",
            location="maxResults",
        ) from None
    if value < 1:
        raise errors.invalid("Invalid value for: maxResults", location="maxResults")
    return min(value, MAX_PAGE)


def _filters(params: Mapping[str, list[str]], name: str) -> tuple[tuple[str, str], ...]:
    found = []
    for raw in params.get(name, ()):
        key, sep, value = raw.partition("=")
        if not sep or not key:
            raise errors.invalid(f"Invalid value for: {name}", location=name)
        found.append((key, value))
    return tuple(found)


def _event_types(params: Mapping[str, list[str]]) -> frozenset[str] | None:
    values = params.get("eventTypes")
    if not values:
        return None
    for value in values:
        if value not in EVENT_TYPES:
            raise errors.invalid(f"Invalid value for: eventTypes: {value}", location="eventTypes")
    return frozenset(values)


def _timestamp(params: Mapping[str, list[str]], name: str) -> datetime | None:
    values = params.get(name)
    return parse_timestamp(values[-1], parameter=name) if values else None


def parse_query(params: Mapping[str, list[str]]) -> ListQuery:
    if params.get("syncToken"):
        for name in SYNC_FORBIDDEN:
            if params.get(name):
                raise errors.invalid(f"The parameter {name} cannot be used together with syncToken.", location=name)
    query = ListQuery(
        params=params,
        max_results=_max_results(params),
        show_deleted=_flag(params, "showDeleted"),
        single_events=_flag(params, "singleEvents"),
        time_min=_timestamp(params, "timeMin"),
        time_max=_timestamp(params, "timeMax"),
        updated_min=_timestamp(params, "updatedMin"),
        order_by=_last(params, "orderBy"),
        text=((params.get("q") or [""])[-1].strip().lower() or None),
        ical_uid=_last(params, "iCalUID"),
        private_filters=_filters(params, "privateExtendedProperty"),
        shared_filters=_filters(params, "sharedExtendedProperty"),
        event_types=_event_types(params),
    )
    if query.time_min and query.time_max and query.time_max <= query.time_min:
        raise errors.time_range_empty("timeMax")
    if query.order_by not in (None, "startTime", "updated"):
        raise errors.invalid("Invalid value for: orderBy", location="orderBy")
    if query.order_by == "startTime" and not query.single_events:
        raise errors.invalid("The requested ordering is not available for the particular query.", location="orderBy")
    return query


def _text_of(record: EventRecord) -> str:
    core = record.core
    parts = [str(core.get(n, "")) for n in ("summary", "description", "location")]
    parts += [f"{a.get('email', '')} {a.get('displayName', '')}" for a in core.get("attendees", ())]
    return " ".join(parts).lower()


def _matches_fields(record: EventRecord, query: ListQuery) -> bool:
    if query.updated_min is not None and record.updated < query.updated_min:
        return False
    if query.ical_uid is not None and record.core.get("iCalUID") != query.ical_uid:
        return False
    if query.text is not None and query.text not in _text_of(record):
        return False
    shared = record.core.get("shared", {})
    if any(record.private.get(k) != v for k, v in query.private_filters):
        return False
    return all(shared.get(k) == v for k, v in query.shared_filters)


def _visible_if_cancelled(record: EventRecord, calendar: Calendar, query: ListQuery) -> bool:
    """Google's showDeleted rules, plus: `updatedMin` always shows deletions since then."""
    if query.updated_min is not None or query.show_deleted:
        return not (query.single_events and record.recurring)
    if query.single_events or not record.master_id:
        return False
    master = calendar.events.get(record.master_id)
    return master is not None and not master.cancelled


def _span(record: EventRecord, calendar: Calendar) -> tuple[datetime, datetime | None]:
    """Start and end for window tests; a series ends with its last occurrence (None: never),
    a cancelled occurrence sits at its original start."""
    zone = calendar.time_zone
    start, end = record.start().utc(zone), record.end().utc(zone)
    duration = end - start
    original = record.original_start() if record.cancelled else None
    if original is not None:
        start = original.utc(zone)
    if record.recurring:
        last = last_start(record.series(), zone)
        return start, None if last is None else last + duration
    return start, start + duration


def _in_window(record: EventRecord, calendar: Calendar, query: ListQuery) -> bool:
    start, end = _span(record, calendar)
    if query.time_max is not None and start >= query.time_max:
        return False
    return query.time_min is None or end is None or end > query.time_min


def items_for(record: EventRecord, calendar: Calendar, query: ListQuery, *, incremental: bool) -> list[Item]:
    """What one stored record contributes to a list (none, itself, or its occurrences)."""
    if query.event_types is not None and record.core.get("eventType", "default") not in query.event_types:
        return []  # an occurrence or exception has its series' type
    start = record.start().utc(calendar.time_zone)
    expand = query.single_events and record.recurring and not record.cancelled
    if incremental:
        if expand:
            return [(start, i) for i in occurrences(calendar, record, after=None, before=None, show_deleted=True)]
        return [(start, render_listed(record, calendar))]
    if not _matches_fields(record, query) or (query.single_events and record.recurring and record.cancelled):
        return []
    if expand:
        found = occurrences(
            calendar, record, after=query.time_min, before=query.time_max, show_deleted=query.show_deleted
        )
        return [(start, item) for item in found]
    if query.single_events and record.master_id and record.master_id in calendar.events:
        return []  # an exception shows among its master's occurrences
    if record.cancelled and not _visible_if_cancelled(record, calendar, query):
        return []
    if not _in_window(record, calendar, query):
        return []
    return [(start, render_listed(record, calendar))]


def _envelope(calendar: Calendar, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "calendar#events",
        "etag": f'"p{calendar.seq:016d}"',
        "summary": calendar.owner,
        "description": "",
        "updated": format_timestamp(calendar.updated),
        "timeZone": calendar.time_zone,
        "accessRole": "owner",
        "defaultReminders": [{"method": "popup", "minutes": 10}],
        "items": items,
    }


def _fill(
    records: Callable[[int], tuple[int, EventRecord] | None],
    cursor: PageCursor,
    query: ListQuery,
    make: Callable[[EventRecord], list[Item]],
) -> tuple[list[dict[str, Any]], PageCursor | None]:
    """Fill one page from `records(position)`; the cursor says where the next page starts."""
    page: list[dict[str, Any]] = []
    position, sub = cursor.position, cursor.sub
    while (found := records(position)) is not None:
        key, record = found
        produced = make(record)
        while sub < len(produced) and len(page) < query.max_results:
            page.append(produced[sub][1])
            sub += 1
        if sub < len(produced):
            return page, PageCursor(cursor.fingerprint, position, sub, cursor.snapshot, cursor.base)
        position, sub = key, 0
        if len(page) >= query.max_results:
            return page, (
                PageCursor(cursor.fingerprint, position, 0, cursor.snapshot, cursor.base) if records(position) else None
            )
    return page, None


def list_events(
    calendar: Calendar, params: Mapping[str, list[str]], *, now: datetime, sync_ttl: float | None
) -> dict[str, Any]:
    query = parse_query(params)
    fingerprint = query_fingerprint(params)
    token = query.one("pageToken")
    if token:
        cursor = read_page_token(token, fingerprint)
    else:
        sync = query.one("syncToken")
        base = read_sync_token(sync, calendar, _token_shape(query), now, sync_ttl) if sync else None
        cursor = PageCursor(fingerprint, base or 0, 0, calendar.seq, base)
    if query.order_by is not None:
        return _ordered(calendar, query, cursor)
    if cursor.base is not None:
        changed = calendar.changed_between(cursor.position, cursor.snapshot)
        order = [r.seq for r in changed]

        def records(position: int) -> tuple[int, EventRecord] | None:
            index = bisect_right(order, position)
            return None if index >= len(order) else (order[index], changed[index])

        page, after = _fill(records, cursor, query, lambda r: items_for(r, calendar, query, incremental=True))
    else:

        def records(position: int) -> tuple[int, EventRecord] | None:
            if position >= len(calendar.creation):
                return None
            return position + 1, calendar.events[calendar.creation[position]]

        page, after = _fill(records, cursor, query, lambda r: items_for(r, calendar, query, incremental=False))
    response = _envelope(calendar, page)
    if after is not None:
        response["nextPageToken"] = page_token(after)
    else:
        response["nextSyncToken"] = sync_token(calendar, cursor.snapshot, _token_shape(query), now)
    return response


def _token_shape(query: ListQuery) -> SyncShape:
    """What a sync token is bound to: the parameters that must stay as in the full sync."""
    types = None if query.event_types is None else tuple(sorted(query.event_types))
    return SyncShape(query.single_events, types)


def _ordered(calendar: Calendar, query: ListQuery, cursor: PageCursor) -> dict[str, Any]:
    """orderBy: everything sorted, then offset paging (Google gives no sync token here)."""
    items: list[Item] = []
    for event_id in calendar.creation:
        items.extend(items_for(calendar.events[event_id], calendar, query, incremental=False))
    if query.order_by == "updated":
        items.sort(key=lambda pair: str(pair[1].get("updated", "")))
    else:
        items.sort(key=lambda pair: _start_key(pair, calendar))
    offset = cursor.position
    page = [item for _, item in items[offset : offset + query.max_results]]
    response = _envelope(calendar, page)
    if offset + query.max_results < len(items):
        response["nextPageToken"] = page_token(
            PageCursor(cursor.fingerprint, offset + query.max_results, 0, cursor.snapshot, None)
        )
    return response


def _start_key(pair: Item, calendar: Calendar) -> datetime:
    start = pair[1].get("start")
    return parse_when(start, field="start").utc(calendar.time_zone) if start else pair[0]


def list_instances(calendar: Calendar, record: EventRecord, params: Mapping[str, list[str]]) -> dict[str, Any]:
    """`events.instances`: the occurrences of one series in the window, offset-paged."""
    max_results = _max_results(params)
    show_deleted = _flag(params, "showDeleted")
    after, before = _timestamp(params, "timeMin"), _timestamp(params, "timeMax")
    if after and before and before <= after:
        raise errors.time_range_empty("timeMax")
    fingerprint = query_fingerprint(params)
    token = _last(params, "pageToken")
    offset = read_page_token(token, fingerprint).position if token else 0
    if record.recurring:
        found = occurrences(calendar, record, after=after, before=before, show_deleted=show_deleted)
    else:
        found = [render_listed(record, calendar)]
    original = _last(params, "originalStart")
    if original:
        moment = parse_timestamp(original, parameter="originalStart")
        found = [i for i in found if _original_matches(i, moment, calendar)]
    response = _envelope(calendar, found[offset : offset + max_results])
    if offset + max_results < len(found):
        response["nextPageToken"] = page_token(PageCursor(fingerprint, offset + max_results, 0, calendar.seq, None))
    return response


def _original_matches(item: dict[str, Any], moment: datetime, calendar: Calendar) -> bool:
    original = item.get("originalStartTime")
    return original is not None and parse_when(original, field="originalStartTime").utc(calendar.time_zone) == moment
