"""`GoogleCalendar`: the calendar port over the Google Calendar API v3.

One instance serves every user of the organisation: one pooled `httpx.AsyncClient`, one
`TokenSource` caching a token per user. `calendar_id` is the user's email; the adapter acts
as that user by domain-wide delegation and only ever addresses their primary calendar
(CAL-4). Errors are those of `tandem.domain.errors`, translated in `errors.translate`.

    changes   events.list, maxResults=2500, showDeleted, singleEvents=false; pages with
              pageToken, then follows nextSyncToken; 410 -> FullSyncRequired. Cancelled
              occurrences are folded into their series (`series`).
    get       events.get; 404 -> None; a deleted event comes back cancelled.
    insert    events.insert under the event's own id; 409 -> AlreadyExists.
    update    events.update with If-Match (1 quota unit) when the adapter holds the copy
              of the (plain, `default`-type) event with that etag (it keeps the last copies
              it read or wrote, `COPIES_KEPT`): that copy with Tandem's field groups put in, so what Tandem does
              not know (reminders, colours, conference data, attachments) goes back as it
              was. Without that copy it is read first (events.get, batched; 1 unit) and the
              update follows (2 units in all, two round trips), since a patch costs 3. The
              copy read is the event as Google has it now, so nothing Tandem does not own
              is lost, and the If-Match is the etag the write expects: a change made since
              is 412 either way. events.patch with If-Match (only the named field groups)
              stays for entries of other types and for a copy that cannot be read.
              A group Google keeps fixed on the event's type (a fromGmail entry's title or
              times: `events.WRITABLE_GROUPS`) is InvalidRequest, and nothing is sent.
    delete    events.delete with If-Match; already deleted (410) or missing (404) is success.
    batch     the same writes, up to 1000 per batch request, an outcome per write.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import replace
from types import TracebackType
from typing import TYPE_CHECKING, Any

import httpx

from tandem.connectors.google.client import ApiCall, GoogleApi
from tandem.connectors.google.credentials import ServiceAccountKey, load_key
from tandem.connectors.google.errors import Answer, Call, MappingError, Unreadable, translate
from tandem.connectors.google.events import event_from_json, insert_body, parse_timestamp, patch_body, updated_body
from tandem.connectors.google.retry import RetryPolicy
from tandem.connectors.google.series import (
    Seen,
    cancelled_originals,
    fold_full_read,
    is_cancelled_occurrence,
    is_live_series,
    to_restore,
    with_exdates,
)
from tandem.connectors.google.settings import Endpoints, GoogleSettings
from tandem.connectors.google.tokens import TokenSource
from tandem.connectors.tls import tls
from tandem.domain.calendar import CalendarEvent, SendUpdates
from tandem.domain.errors import TandemError
from tandem.ports.calendar import (
    CalendarChanges,
    CalendarPort,
    CallObserver,
    EventDelete,
    EventInsert,
    EventUpdate,
    EventWrite,
    WriteOutcome,
    unobserved,
)

log = logging.getLogger("tandem.connectors.google")
PAGE_SIZE = 2500
GONE_IS_DONE = (404, 410)


def default_http_client(max_connections: int = 10) -> httpx.AsyncClient:
    """The one client all users share: keep-alive connections to Google, sane timeouts.

    Ten connections, not one per concurrent run: httpcore's pool looks at each of its
    connections on every request (a socket call or two per idle connection), so 50 of them
    made one incremental `events.list` cost 4.3 ms of CPU instead of 1.0 ms, and finish
    later, not sooner (`bench/google_sync.py`, idle cycle floor). Requests beyond ten wait for
    a connection; at Google's ~100 ms per call that still carries ~100 calls a second."""
    return httpx.AsyncClient(
        verify=tls(),
        timeout=httpx.Timeout(30.0, connect=10.0),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        headers={"User-Agent": "tandem-calendar-sync (gzip)"},
    )


class GoogleCalendar:
    """The Google Calendar API v3 as a `CalendarPort`, for every user of one organisation."""

    def __init__(
        self,
        key: ServiceAccountKey,
        *,
        endpoints: Endpoints | None = None,
        http: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        page_size: int = PAGE_SIZE,
        max_batch_parts: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        observe: CallObserver = unobserved,
    ) -> None:
        self._endpoints = endpoints or Endpoints()
        self._owns_http = http is None
        self._http = http or default_http_client()
        self._retry = retry or RetryPolicy()
        self.tokens = TokenSource(
            key, self._http, token_uri=self._endpoints.token_uri, retry=self._retry, clock=clock, wall_clock=wall_clock
        )
        self._api = GoogleApi(self._http, self.tokens, self._endpoints, self._retry, observe)
        self._page_size = page_size
        self._max_parts = max_batch_parts
        self._copies: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: GoogleSettings, **options: Any) -> GoogleCalendar:
        """Load the key (ConfigurationError with the reason when it cannot be) and build."""
        key = load_key(
            settings.key_file, password=settings.key_password, service_account_email=settings.service_account_email
        )
        return cls(key, endpoints=settings.endpoints, **options)

    def __repr__(self) -> str:
        return f"GoogleCalendar(account={self.tokens.service_account!r}, api_root={self._endpoints.api_root!r})"

    @property
    def fans_out_invitations(self) -> bool:
        return True

    @property
    def has_sync_token(self) -> bool:
        return True

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> GoogleCalendar:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ reads

    async def changes(self, calendar_id: str, cursor: str | None) -> CalendarChanges:
        params = [("maxResults", str(self._page_size)), ("showDeleted", "true"), ("singleEvents", "false")]
        if cursor is not None:
            params.append(("syncToken", cursor))
        seen, next_cursor = await self._list(calendar_id, params)
        if cursor is None:
            events = fold_full_read([s.event for s in seen])
        else:
            events = await self._fold_incremental(calendar_id, seen)
        return CalendarChanges(tuple(events), next_cursor, full=cursor is None)

    async def get(self, calendar_id: str, event_id: str) -> CalendarEvent | None:
        seen = await self._get_seen(calendar_id, event_id)
        if seen is None:
            return None
        return await self._complete(calendar_id, seen) if is_live_series(seen.event) else seen.event

    async def _list(self, user: str, params: list[tuple[str, str]]) -> tuple[list[Seen], str | None]:
        """Every page of one list query, and the nextSyncToken of its last page."""
        seen: list[Seen] = []
        page_token: str | None = None
        while True:
            query = [*params, ("pageToken", page_token)] if page_token else params
            call = ApiCall("events.list", "GET", ApiCall.events_path(), tuple(query))
            page = self._decode(await self._api.send(user, call), call, user)
            page_token = page.get("nextPageToken") if isinstance(page.get("nextPageToken"), str) else None
            seen.extend(self._decode_items(page, call, user))
            if page_token is None:
                token = page.get("nextSyncToken")
                return seen, token if isinstance(token, str) else None

    async def _fold_incremental(self, user: str, seen: list[Seen]) -> list[CalendarEvent]:
        """Changes with cancelled occurrences folded: a series that changed or lost an
        occurrence is completed from its whole series; an occurrence of a deleted series goes."""
        kept = [s for s in seen if not is_cancelled_occurrence(s.event)]
        present = {s.event.id for s in kept}
        orphans = sorted(
            {
                s.event.recurring_event_id
                for s in seen
                if s.event.recurring_event_id and is_cancelled_occurrence(s.event)
            }
            - present
        )
        for master_id in orphans:
            master = await self._get_seen(user, master_id)
            if master is not None and is_live_series(master.event):
                kept.append(master)
        return [await self._complete(user, s) if is_live_series(s.event) else s.event for s in kept]

    async def _get_seen(self, user: str, event_id: str) -> Seen | None:
        """The event as Google has it (a deleted one cancelled); None when it never was."""
        call = ApiCall("events.get", "GET", ApiCall.events_path(event_id))
        answer = await self._api.answer(user, call)
        if answer.status in GONE_IS_DONE:
            return None
        if not answer.ok:
            raise translate(answer, self._call(call, user))
        return self._seen(answer, call, user)

    async def _series_members(self, user: str, master: Seen) -> list[CalendarEvent]:
        """The master's exceptions (cancelled ones included), found by its iCalUID."""
        params = [("iCalUID", master.series_uid), ("showDeleted", "true"), ("singleEvents", "false")]
        params.append(("maxResults", str(self._page_size)))
        members, _ = await self._list(user, params)
        return [m.event for m in members if m.event.recurring_event_id == master.event.id]

    async def _complete(
        self, user: str, master: Seen, written: EventWrite | None = None, send_updates: SendUpdates = SendUpdates.NONE
    ) -> CalendarEvent:
        """The series with all its cancelled occurrences among its exdates. After a write of
        its recurrence, cancelled occurrences the written exdates dropped are brought back."""
        members = await self._series_members(user, master)
        wanted = written.event.recurrence if isinstance(written, EventUpdate) else None
        if wanted is not None:
            back = to_restore(master.event, wanted, members)
            for exception in back:
                await self._restore_occurrence(user, exception, send_updates)
            members = [m for m in members if m not in back]
        originals = [e.original_start for e in cancelled_originals(master.event.id, members) if e.original_start]
        return with_exdates(master.event, originals)

    async def _restore_occurrence(self, user: str, exception: CalendarEvent, send_updates: SendUpdates) -> None:
        call = ApiCall(
            "events.patch",
            "PATCH",
            ApiCall.events_path(exception.id),
            (("sendUpdates", send_updates.value),),
            {"status": "confirmed"},
        )
        await self._api.send(user, call)

    # ------------------------------------------------------------------ writes

    async def insert(self, calendar_id: str, event: CalendarEvent, *, send_updates: SendUpdates) -> CalendarEvent:
        write = EventInsert(event, send_updates)
        call = self._write_call(write, calendar_id)
        answer = await self._api.answer(calendar_id, call)
        if _status_type_refused(write, answer):
            return await self._insert_as_default(calendar_id, write)
        if not answer.ok:
            raise translate(answer, self._call(call, calendar_id))
        return self._seen(answer, call, calendar_id).event

    async def _insert_as_default(self, calendar_id: str, write: EventInsert) -> CalendarEvent:
        """BEY-10: Google would not take the entry as an out-of-office (the account may not
        have status events): the same entry as a default, busy event."""
        log.info("%s: Google refused an out-of-office entry; writing it as a busy event", calendar_id)
        return await self.insert(
            calendar_id, replace(write.event, event_type="default"), send_updates=write.send_updates
        )

    async def update(
        self,
        calendar_id: str,
        event: CalendarEvent,
        *,
        if_match: str | None,
        send_updates: SendUpdates,
        fields: frozenset[str] | None = None,
    ) -> CalendarEvent:
        write = EventUpdate(event, if_match, send_updates, fields)
        await self._fetch_copies(calendar_id, [write])
        call = self._write_call(write, calendar_id)
        seen = self._seen(await self._api.send(calendar_id, call), call, calendar_id)
        return await self._settle(calendar_id, seen, write)

    async def delete(self, calendar_id: str, event_id: str, *, if_match: str | None, send_updates: SendUpdates) -> None:
        call = self._write_call(EventDelete(event_id, if_match, send_updates), calendar_id)
        answer = await self._api.answer(calendar_id, call)
        if not answer.ok and answer.status not in GONE_IS_DONE:
            raise translate(answer, self._call(call, calendar_id))

    async def batch(self, calendar_id: str, writes: Sequence[EventWrite]) -> Sequence[WriteOutcome]:
        """Each write's outcome, in order; failures are outcomes, never raised, so one bad
        write never hides the others' results (CAL-17)."""
        outcomes: list[WriteOutcome] = [None] * len(writes)
        await self._fetch_copies(calendar_id, writes)
        calls: list[tuple[int, ApiCall]] = []
        for index, write in enumerate(writes):
            try:
                calls.append((index, self._write_call(write, calendar_id)))
            except TandemError as error:
                outcomes[index] = error
        answers = await self._api.batch(calendar_id, [c for _, c in calls], self._max_parts) if calls else []
        for (index, call), answer in zip(calls, answers, strict=True):
            outcomes[index] = await self._outcome(calendar_id, writes[index], call, answer)
        return outcomes

    async def _outcome(self, user: str, write: EventWrite, call: ApiCall, answer: Answer | TandemError) -> WriteOutcome:
        if isinstance(answer, TandemError):
            return answer
        if isinstance(write, EventDelete):
            return None if answer.ok or answer.status in GONE_IS_DONE else translate(answer, self._call(call, user))
        if isinstance(write, EventInsert) and _status_type_refused(write, answer):
            try:
                return await self._insert_as_default(user, write)
            except TandemError as error:
                return error
        if not answer.ok:
            return translate(answer, self._call(call, user))
        try:
            seen = self._seen(answer, call, user)
            return await self._settle(user, seen, write) if isinstance(write, EventUpdate) else seen.event
        except TandemError as error:
            return error

    async def _settle(self, user: str, seen: Seen, write: EventUpdate) -> CalendarEvent:
        """A written series, completed (and its brought-back occurrences restored)."""
        if not is_live_series(seen.event):
            return seen.event
        recurrence_written = write.fields is None or "recurrence" in write.fields
        return await self._complete(user, seen, write if recurrence_written else None, write.send_updates)

    async def _fetch_copies(self, user: str, writes: Sequence[EventWrite]) -> None:
        """The copies the updates lack, read first (one `events.get` each, batched): a get and
        an update cost 2 quota units where a patch costs 3. Only plain events guarded by an
        etag: other types take a patch anyway, and an unguarded update keeps the patch, which
        cannot overwrite a change it did not see. A get that fails leaves the patch."""
        wanted = sorted(
            {
                w.event.id
                for w in writes
                if isinstance(w, EventUpdate)
                and w.if_match is not None
                and w.event.event_type == "default"
                and not _updatable(self._copies.get((user, w.event.id)), w.if_match)
            }
        )
        if not wanted:
            return
        calls = [ApiCall("events.get", "GET", ApiCall.events_path(event_id)) for event_id in wanted]
        try:
            answers = await self._api.batch(user, calls, self._max_parts)
        except TandemError:  # the writes meet it too, and report it as theirs
            return
        for answer in answers:
            if isinstance(answer, Answer) and answer.ok:
                with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
                    body = answer.json()
                    if isinstance(body, dict):
                        self._keep(user, body)

    def _write_call(self, write: EventWrite, user: str) -> ApiCall:
        """The API call of one write (InvalidRequest when the event cannot be expressed)."""
        try:
            if isinstance(write, EventInsert):
                query = (("sendUpdates", write.send_updates.value),)
                return ApiCall("events.insert", "POST", ApiCall.events_path(), query, insert_body(write.event))
            if isinstance(write, EventUpdate):
                query = (("sendUpdates", write.send_updates.value),)
                body = patch_body(write.event, write.fields)
                path = ApiCall.events_path(write.event.id)
                copy = self._copies.get((user, write.event.id))
                if _updatable(copy, write.if_match):
                    assert copy is not None
                    keep = (*query, ("conferenceDataVersion", "1"), ("supportsAttachments", "true"))
                    return ApiCall("events.update", "PUT", path, keep, updated_body(copy, body), write.if_match)
                return ApiCall("events.patch", "PATCH", path, query, body, write.if_match)
            query = (("sendUpdates", write.send_updates.value),)
            return ApiCall("events.delete", "DELETE", ApiCall.events_path(write.event_id), query, None, write.if_match)
        except MappingError as exc:
            raise translate(exc, Call(_operation(write), user)) from exc

    # ------------------------------------------------------------------ decoding

    def _call(self, call: ApiCall, user: str) -> Call:
        return Call(call.operation, user, self.tokens.service_account, self.tokens.client_id)

    def _decode(self, answer: Answer, call: ApiCall, user: str) -> dict[str, Any]:
        try:
            body = answer.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise translate(exc, self._call(call, user)) from exc
        if not isinstance(body, dict):
            raise translate(Unreadable("the answer is not a JSON object"), self._call(call, user))
        return body

    def _decode_items(self, page: dict[str, Any], call: ApiCall, user: str) -> list[Seen]:
        items = page.get("items") or []
        fallback = parse_timestamp(page.get("updated"))
        try:
            if not isinstance(items, list):
                raise Unreadable("the list's items are not a list")
            seen = [Seen(event_from_json(i, fallback_updated=fallback), _uid(i)) for i in items]
        except MappingError as exc:
            raise translate(exc, self._call(call, user)) from exc
        for item in items:
            self._keep(user, item)
        return seen

    def _seen(self, answer: Answer, call: ApiCall, user: str) -> Seen:
        body = self._decode(answer, call, user)
        try:
            seen = Seen(event_from_json(body), _uid(body))
        except MappingError as exc:
            raise translate(exc, self._call(call, user)) from exc
        self._keep(user, body)
        return seen

    def _keep(self, user: str, item: dict[str, Any]) -> None:
        """The copy of an event as Google last showed it, for an update with its etag."""
        event_id, etag = item.get("id"), item.get("etag")
        if not isinstance(event_id, str) or not isinstance(etag, str):
            return
        key = (user, event_id)
        if item.get("status") == "cancelled":
            self._copies.pop(key, None)
            return
        self._copies[key] = item
        self._copies.move_to_end(key)
        while len(self._copies) > COPIES_KEPT:
            self._copies.popitem(last=False)


def _status_type_refused(write: EventInsert, answer: Answer) -> bool:
    """Google answered 400 about the event type of an out-of-office entry Tandem made."""
    if write.event.event_type != "outOfOffice" or answer.status != 400:
        return False
    try:
        body = answer.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    problems = body.get("error", {}).get("errors", []) if isinstance(body, dict) else []
    return any(isinstance(p, dict) and p.get("location") == "eventType" for p in problems)


def _uid(item: Any) -> str | None:
    value = item.get("iCalUID") if isinstance(item, dict) else None
    return value if isinstance(value, str) and value else None


def _updatable(copy: dict[str, Any] | None, if_match: str | None) -> bool:
    """An update can send back this copy: it is the version the write expects, and of a
    plain event (entries of other types let only some fields change, and take a patch)."""
    if copy is None or if_match is None or copy.get("etag") != if_match:
        return False
    return bool(copy.get("eventType", "default") == "default")


COPIES_KEPT = 5000
"""Copies of events kept for updates (about 2 kB each): the ones last read or written,
across users. An update whose copy went reads it again first (`_fetch_copies`)."""


def _operation(write: EventWrite) -> str:
    if isinstance(write, EventInsert):
        return "events.insert"
    return "events.patch" if isinstance(write, EventUpdate) else "events.delete"


if TYPE_CHECKING:

    def _conforms(adapter: GoogleCalendar) -> CalendarPort:
        """mypy proves here that the adapter is a `CalendarPort`."""
        return adapter
