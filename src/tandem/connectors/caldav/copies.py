"""The last text of the resources the adapter read or wrote, with their etags, so that an
update of an event just read (the sync's usual way: a read of changes, then a write with
that etag) is one PUT with If-Match instead of a GET and a PUT.

A copy is used only when the caller's `if_match` is its etag; if the server has moved on
since, the PUT's If-Match fails (412) and the caller hears PreconditionFailed, as it would
have after a GET. The oldest copies go first beyond `size`.

A copy may also hold the events read from its text, so that a read of changes that meets
the same etag again (the first read after an initial sync meets every write of it) reuses
them instead of parsing the resource once more: the same etag is the same resource.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from tandem.domain.calendar import CalendarEvent

COPIES_KEPT = 2000


class Copies:
    def __init__(self, size: int = COPIES_KEPT) -> None:
        self._size = size
        self._texts: OrderedDict[tuple[str, str], tuple[str, str, tuple[CalendarEvent, ...] | None]] = OrderedDict()

    def keep(
        self, calendar_id: str, resource_id: str, text: str, etag: str, events: Sequence[CalendarEvent] | None = None
    ) -> None:
        key = (calendar_id, resource_id)
        self._texts[key] = (text, etag, None if events is None else tuple(events))
        self._texts.move_to_end(key)
        while len(self._texts) > self._size:
            self._texts.popitem(last=False)

    def at(self, calendar_id: str, resource_id: str, etag: str | None) -> tuple[str, str] | None:
        """The kept (text, etag) when its etag is `etag`."""
        kept = self._texts.get((calendar_id, resource_id))
        return (kept[0], kept[1]) if kept is not None and etag is not None and kept[1] == etag else None

    def events_at(self, calendar_id: str, resource_id: str, etag: str) -> tuple[CalendarEvent, ...] | None:
        """The events read from the kept text when its etag is `etag` (and they were kept)."""
        kept = self._texts.get((calendar_id, resource_id))
        return kept[2] if kept is not None and kept[1] == etag else None

    def forget(self, calendar_id: str, resource_id: str) -> None:
        self._texts.pop((calendar_id, resource_id), None)
