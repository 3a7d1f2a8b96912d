"""The last text of the resources the adapter read or wrote, with their etags, so that an
update of an event just read (the sync's usual way: a read of changes, then a write with
that etag) is one PUT with If-Match instead of a GET and a PUT.

A copy is used only when the caller's `if_match` is its etag; if the server has moved on
since, the PUT's If-Match fails (412) and the caller hears PreconditionFailed, as it would
have after a GET. The oldest copies go first beyond `size`.
"""

from __future__ import annotations

from collections import OrderedDict

COPIES_KEPT = 2000


class Copies:
    def __init__(self, size: int = COPIES_KEPT) -> None:
        self._size = size
        self._texts: OrderedDict[tuple[str, str], tuple[str, str]] = OrderedDict()

    def keep(self, calendar_id: str, resource_id: str, text: str, etag: str) -> None:
        key = (calendar_id, resource_id)
        self._texts[key] = (text, etag)
        self._texts.move_to_end(key)
        while len(self._texts) > self._size:
            self._texts.popitem(last=False)

    def at(self, calendar_id: str, resource_id: str, etag: str | None) -> tuple[str, str] | None:
        """The kept (text, etag) when its etag is `etag`."""
        kept = self._texts.get((calendar_id, resource_id))
        return kept if kept is not None and etag is not None and kept[1] == etag else None

    def forget(self, calendar_id: str, resource_id: str) -> None:
        self._texts.pop((calendar_id, resource_id), None)
