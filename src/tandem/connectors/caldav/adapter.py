"""`CaldavCalendar`: the calendar port over CalDAV (RFC 4791), tried against Radicale.

One instance serves every user: one pooled `httpx.AsyncClient`, each user's calendar URL
(settings template, or discovered once and kept) and credentials. Errors are those of
`tandem.domain.errors`, translated in `errors.translating`.

    changes   REPORT sync-collection (RFC 6578) with calendar-data; deleted resources
              (404 in the multistatus) come back cancelled. A refused token
              (valid-sync-token) is FullSyncRequired. A server without sync-collection:
              PROPFIND depth 1 of the etags and calendar-multiget of what differs from the
              etag map the cursor holds (`cursor`).
    get       GET `<calendar>/<series id>.ics`; None when missing (a deleted resource
              leaves no trace in CalDAV). An occurrence id finds its override in there.
    insert    PUT `<calendar>/<event id>.ics`, UID = the event id, If-None-Match: *;
              412 (taken) -> AlreadyExists, so a retried create never duplicates.
    update    GET (or the copy kept from the last read or write when `if_match` is its
              etag: `copies`), change the named field groups in the resource (unknown
              properties, alarms and other overrides kept), PUT with If-Match; a stale
              `if_match` -> PreconditionFailed. A moved or cancelled occurrence is written
              into its series' resource (RECURRENCE-ID override, or EXDATE). Cancelled:
              the resource is deleted. Missing and no `if_match`: created again.
    delete    DELETE with If-Match; missing -> success (also when If-Match met nothing).
    batch     the same writes, several at a time (`max_parallel_writes`), one resource's
              writes in their order; an outcome per write.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import httpx

from tandem.connectors.caldav import cursor as cursors
from tandem.connectors.caldav.client import DavClient, Item
from tandem.connectors.caldav.copies import Copies
from tandem.connectors.caldav.discovery import CalendarFacts, describe, discover_calendar
from tandem.connectors.caldav.errors import Call, DavError, translating
from tandem.connectors.caldav.ical import ALL_GROUPS
from tandem.connectors.caldav.resource import (
    events_of,
    load,
    new_calendar,
    occurrence_id,
    serialize,
    split_occurrence_id,
    write_occurrence,
    write_series,
)
from tandem.connectors.caldav.settings import CaldavSettings
from tandem.connectors.tls import tls
from tandem.domain.calendar import CalendarEvent, EventStatus, SendUpdates
from tandem.domain.errors import NotFound, PreconditionFailed, TandemError
from tandem.ports.calendar import (
    CalendarChanges,
    CallObserver,
    EventDelete,
    EventInsert,
    EventUpdate,
    EventWrite,
    WriteOutcome,
    unobserved,
)

NO_SYNC_COLLECTION = (400, 403, 405, 415, 501)
"""Statuses of a server that does not do sync-collection (RFC 6578 §3.1 asks for 403 with
DAV:supported-report; servers also answer 400, 405, 415 or 501)."""


def default_http_client(max_connections: int = 10) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=tls(),
        timeout=httpx.Timeout(30.0, connect=10.0),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers={"User-Agent": "tandem-calendar-sync"},
    )


def _resource_id(name: str) -> str:
    return name.removesuffix(".ics")


def _no_sync_collection(error: DavError) -> bool:
    return error.status in NO_SYNC_COLLECTION and not error.names("valid-sync-token")


class CaldavCalendar:
    """A CalDAV server as a `CalendarPort`, for every user of one organisation."""

    has_sync_token = True
    """Always a cursor: the server's sync token, or (without sync-collection) its etag map."""

    def __init__(
        self,
        settings: CaldavSettings,
        *,
        http: httpx.AsyncClient | None = None,
        max_parallel_writes: int = 8,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observe: CallObserver = unobserved,
    ) -> None:
        self.settings = settings
        self._owns_http = http is None
        self._dav = DavClient(http or default_http_client(), observe)
        self._parallel = max_parallel_writes
        self._clock = clock
        self._urls: dict[str, str] = {}
        self._copies = Copies()

    @property
    def fans_out_invitations(self) -> bool:
        return self.settings.scheduling

    async def aclose(self) -> None:
        if self._owns_http:
            await self._dav.http.aclose()

    async def __aenter__(self) -> CaldavCalendar:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------ where and who

    def _auth(self, calendar_id: str) -> httpx.Auth | None:
        credentials = self.settings.credentials_for(calendar_id)
        return httpx.BasicAuth(credentials.username, credentials.password) if credentials else None

    async def calendar_url(self, calendar_id: str) -> str:
        """The user's calendar: the settings' template, or discovered once and kept."""
        url = self._urls.get(calendar_id) or self.settings.calendar_url_for(calendar_id)
        if url is None:
            assert self.settings.server_url is not None  # CaldavSettings requires one of the two
            url = await discover_calendar(self._dav, self.settings.server_url, self._auth(calendar_id))
        self._urls[calendar_id] = url
        return url

    async def describe(self, calendar_id: str) -> CalendarFacts:
        """Where the user's calendar is, whether it is one, and whether it has sync-collection
        (for the admin's Test: `diagnose`)."""
        with translating(Call("describe", calendar_id, on_collection=True)):
            url = await self.calendar_url(calendar_id)
            return await describe(self._dav, url, self._auth(calendar_id))

    async def _href(self, calendar_id: str, resource_id: str) -> str:
        return await self.calendar_url(calendar_id) + quote(resource_id, safe="@") + ".ics"

    def _schedule_agent(self, send_updates: SendUpdates) -> str | None:
        """SCHEDULE-AGENT=CLIENT keeps a scheduling server from mailing attendees (RFC 6638
        §7.1) unless it fans out invitations and Tandem means them to be sent."""
        return None if self.fans_out_invitations and send_updates is not SendUpdates.NONE else "CLIENT"

    # ------------------------------------------------------------ reads

    async def changes(self, calendar_id: str, cursor: str | None) -> CalendarChanges:
        with translating(Call("changes", calendar_id, on_collection=True)):
            url = await self.calendar_url(calendar_id)
            token = cursors.token_of(cursor)
            if token is None:
                assert cursor is not None
                return await self._by_etags(calendar_id, url, cursors.etags_of(cursor))
            try:
                return await self._by_sync_token(calendar_id, url, token)
            except DavError as error:
                if token or not _no_sync_collection(error):
                    raise
            return await self._by_etags(calendar_id, url, None)

    async def _by_sync_token(self, calendar_id: str, url: str, token: str) -> CalendarChanges:
        auth = self._auth(calendar_id)
        items: dict[str, Item] = {}
        full = token == ""
        while True:
            answer = await self._dav.sync_collection(url, auth, token)
            items.update((item.name, item) for item in answer.items)
            token = answer.token
            if not answer.truncated:
                break
        return CalendarChanges(
            events=await self._events(calendar_id, url, list(items.values()), full=full),
            next_cursor=cursors.of_token(token),
            full=full,
        )

    async def _by_etags(self, calendar_id: str, url: str, previous: dict[str, str] | None) -> CalendarChanges:
        etags = await self._dav.etags(url, self._auth(calendar_id))
        changed = [name for name, etag in etags.items() if previous is None or previous.get(name) != etag]
        gone = [Item(href=name, status=404) for name in (previous or {}) if name not in etags]
        fetched = await self._fetch(calendar_id, url, changed)
        etags.update((item.name, item.etag) for item in fetched if item.etag)
        events = await self._events(calendar_id, url, fetched + gone, full=previous is None)
        return CalendarChanges(events=events, next_cursor=cursors.of_etags(etags), full=previous is None)

    async def _fetch(self, calendar_id: str, url: str, names: list[str]) -> list[Item]:
        if not names:
            return []
        path = urlsplit(url).path
        return await self._dav.multiget(url, self._auth(calendar_id), [path + quote(n, safe="@") for n in names])

    async def _events(self, calendar_id: str, url: str, items: list[Item], *, full: bool) -> tuple[CalendarEvent, ...]:
        """Items of a multistatus as events: deleted ones cancelled, those that came without
        their data fetched in one multiget."""
        missing = [i.name for i in items if i.status // 100 == 2 and (i.calendar_data is None or i.etag is None)]
        complete = [i for i in items if i.status == 404 or (i.calendar_data is not None and i.etag is not None)]
        events: list[CalendarEvent] = []
        for item in complete + await self._fetch(calendar_id, url, missing):
            resource_id = _resource_id(item.name)
            if item.status == 404:
                events.append(self._deleted(resource_id))
            elif item.calendar_data is not None and item.etag is not None:
                known = self._copies.events_at(calendar_id, resource_id, item.etag)
                if known is None:
                    known = tuple(
                        events_of(item.calendar_data, resource_id=resource_id, etag=item.etag, owner=calendar_id)
                    )
                    self._copies.keep(calendar_id, resource_id, item.calendar_data, item.etag, known)
                events.extend(known)
        return tuple(e for e in events if not (full and e.cancelled))

    def _deleted(self, resource_id: str) -> CalendarEvent:
        return CalendarEvent(id=resource_id, status=EventStatus.CANCELLED, updated=self._clock())

    async def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        with translating(Call("get", calendar_id)):
            occurrence = split_occurrence_id(event_id)
            resource_id = occurrence[0] if occurrence else event_id
            found = await self._read(calendar_id, resource_id)
            if found is None:
                return None
            text, etag = found
            events = events_of(text, resource_id=resource_id, etag=etag, owner=calendar_id)
            return next((e for e in events if e.id == event_id), None)

    async def _read(self, calendar_id: str, resource_id: str) -> tuple[str, str] | None:
        href = await self._href(calendar_id, resource_id)
        found = await self._dav.get(href, self._auth(calendar_id))
        if found is None:
            return None
        text, etag = found
        if etag is None:  # a server may leave ETag out of GET; PROPFIND has it
            listed = await self._dav.propfind(href, self._auth(calendar_id), ["{DAV:}getetag"], depth="0")
            etag = next((i.etag for i in listed if i.etag), None)
        if etag is None:
            raise DavError("GET", href, 502, "no etag for the resource")
        self._copies.keep(calendar_id, resource_id, text, etag)
        return text, etag

    # ------------------------------------------------------------ writes

    async def insert(self, calendar_id: str, event: CalendarEvent, *, send_updates: SendUpdates) -> CalendarEvent:
        if event.recurring_event_id is not None and event.original_start is not None:
            return await self.update(calendar_id, event, if_match=None, send_updates=send_updates)
        with translating(Call("insert", calendar_id, create=True)):
            calendar = new_calendar()
            write_series(
                calendar, event, ALL_GROUPS, schedule_agent=self._schedule_agent(send_updates), now=self._clock()
            )
            return await self._put(calendar_id, event.id, event.id, serialize(calendar), if_match=None)

    async def _put(
        self, calendar_id: str, resource_id: str, event_id: str, ics: bytes, *, if_match: str | None
    ) -> CalendarEvent:
        """PUT the resource (create when no `if_match`) and read the event back from what
        was sent, or from the server when it did not give the new etag."""
        href = await self._href(calendar_id, resource_id)
        self._copies.forget(calendar_id, resource_id)
        etag = await self._dav.put(href, self._auth(calendar_id), ics, if_match=if_match, create=if_match is None)
        if etag is not None:  # then the server stored what was sent (RFC 4791 §5.3.4)
            text = ics.decode("utf-8")
        else:
            found = await self._read(calendar_id, resource_id)
            if found is None:
                raise NotFound(f"{href} was gone right after it was written")
            text, etag = found
        events = events_of(text, resource_id=resource_id, etag=etag, owner=calendar_id)
        self._copies.keep(calendar_id, resource_id, text, etag, events)  # what the next read meets
        written = next((e for e in events if e.id == event_id), None)
        if written is None:
            raise NotFound(f"{href} does not hold {event_id} after it was written")
        return written

    async def update(
        self,
        calendar_id: str,
        event: CalendarEvent,
        *,
        if_match: str | None,
        send_updates: SendUpdates,
        fields: frozenset[str] | None = None,
    ) -> CalendarEvent:
        with translating(Call("update", calendar_id)):
            try:
                return await self._rewrite(calendar_id, event, if_match, send_updates, fields)
            except DavError as error:
                # Someone wrote between our read and our write. Without an etag of the
                # caller's to keep, read again and put the same field groups in once more.
                if error.status != 412 or if_match is not None:
                    raise
            return await self._rewrite(calendar_id, event, if_match, send_updates, fields)

    async def _rewrite(
        self,
        calendar_id: str,
        event: CalendarEvent,
        if_match: str | None,
        send_updates: SendUpdates,
        fields: frozenset[str] | None,
    ) -> CalendarEvent:
        """One read-modify-write of the event's resource (see the module docstring)."""
        series_id = event.recurring_event_id if event.original_start is not None else None
        resource_id = series_id or event.id
        found = self._copies.at(calendar_id, resource_id, if_match) or await self._read(calendar_id, resource_id)
        if found is None and (series_id or if_match is not None):
            raise NotFound(f"update for {calendar_id}: {resource_id}.ics is not in the calendar")
        if found is not None and if_match is not None and found[1] != if_match:
            raise PreconditionFailed(f"update for {calendar_id}: {event.id} changed since {if_match}")
        if event.cancelled and series_id is None:
            if found is not None:
                href = await self._href(calendar_id, resource_id)
                self._copies.forget(calendar_id, resource_id)
                await self._dav.delete(href, self._auth(calendar_id), if_match=found[1])
            return replace(event, etag=None, updated=self._clock())
        calendar = load(found[0]) if found is not None else new_calendar()
        write = write_occurrence if series_id else write_series
        groups = ALL_GROUPS if fields is None else fields
        write(calendar, event, groups, schedule_agent=self._schedule_agent(send_updates), now=self._clock())
        etag = found[1] if found is not None else None
        if event.cancelled:  # an occurrence: now an exdate of its series
            series = await self._put(calendar_id, resource_id, resource_id, serialize(calendar), if_match=etag)
            return replace(event, etag=series.etag, updated=series.updated)
        event_id = occurrence_id(resource_id, event.original_start) if series_id and event.original_start else event.id
        return await self._put(calendar_id, resource_id, event_id, serialize(calendar), if_match=etag)

    async def delete(self, calendar_id: str, event_id: str, *, if_match: str | None, send_updates: SendUpdates) -> None:
        occurrence = split_occurrence_id(event_id)
        if occurrence is not None:
            series_id, original_start = occurrence
            cancelled = CalendarEvent(
                id=event_id, status=EventStatus.CANCELLED, recurring_event_id=series_id, original_start=original_start
            )
            try:
                await self.update(calendar_id, cancelled, if_match=if_match, send_updates=send_updates)
            except NotFound:
                return
            return
        with translating(Call("delete", calendar_id)):
            href = await self._href(calendar_id, event_id)
            self._copies.forget(calendar_id, event_id)
            try:
                await self._dav.delete(href, self._auth(calendar_id), if_match=if_match)
            except DavError as error:
                # If-Match on a resource that is gone is 412 too: that delete is done.
                if error.status != 412 or await self._dav.get(href, self._auth(calendar_id)) is not None:
                    raise

    async def batch(self, calendar_id: str, writes: Sequence[EventWrite]) -> Sequence[WriteOutcome]:
        outcomes: list[WriteOutcome] = [None] * len(writes)
        by_resource: dict[str, list[int]] = {}
        for index, write in enumerate(writes):
            by_resource.setdefault(_resource_of(write), []).append(index)
        gate = asyncio.Semaphore(self._parallel)

        async def run(indexes: list[int]) -> None:
            async with gate:
                for index in indexes:
                    outcomes[index] = await self._outcome(calendar_id, writes[index])

        await asyncio.gather(*(run(indexes) for indexes in by_resource.values()))
        return outcomes

    async def _outcome(self, calendar_id: str, write: EventWrite) -> WriteOutcome:
        try:
            if isinstance(write, EventInsert):
                return await self.insert(calendar_id, write.event, send_updates=write.send_updates)
            if isinstance(write, EventUpdate):
                return await self.update(
                    calendar_id,
                    write.event,
                    if_match=write.if_match,
                    send_updates=write.send_updates,
                    fields=write.fields,
                )
            await self.delete(calendar_id, write.event_id, if_match=write.if_match, send_updates=write.send_updates)
            return None
        except TandemError as error:
            return error


def _resource_of(write: EventWrite) -> str:
    """The resource a write changes: an occurrence's is its series'."""
    if isinstance(write, EventDelete):
        occurrence = split_occurrence_id(write.event_id)
        return occurrence[0] if occurrence else write.event_id
    return write.event.recurring_event_id or write.event.id


if TYPE_CHECKING:
    from tandem.ports.calendar import CalendarPort

    def _conforms(adapter: CaldavCalendar) -> CalendarPort:
        """mypy proves here that the adapter is a `CalendarPort`."""
        return adapter
