"""`SyncStateStore` over dictionaries, keeping the rules `SqlSyncStateStore` keeps.

The keys are the Protocol's: a link is unique per (user, calendar, activity) and per
(user, calendar, event), so linking an item drops any other link of its event; a
quarantined item is keyed by (user, calendar, activity, event); a cursor by (user,
calendar); a conflict by its id. Committing or removing an item clears its quarantine,
as the SQL store does in the same transaction. Every method is one step (`record_items`
many records in one), so a crash between two calls leaves the same states the database would.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from tandem.domain.syncstate import (
    BaseSnapshot,
    Conflict,
    Cursor,
    Intent,
    ItemRecord,
    Link,
    LinkedItem,
    QuarantinedItem,
    RemovedItem,
    RunRecord,
    SavedIntent,
    SavedItem,
    is_stand_in,
)

_Scope = tuple[str, str]
_QuarantineKey = tuple[str, str, str | None, str | None]


class MemorySyncStateStore:
    """The calendar sync's state for any number of users, in memory."""

    keep_runs: int = 200
    """Run records kept per user, as the SQL store keeps them."""

    def __init__(self) -> None:
        self._links: dict[_Scope, dict[str, LinkedItem]] = {}
        self._conflicts: dict[str, Conflict] = {}
        self._quarantine: dict[_QuarantineKey, QuarantinedItem] = {}
        self._cursors: dict[_Scope, Cursor] = {}
        self._runs: dict[str, list[RunRecord]] = {}

    # ------------------------------------------------------------------ links + base

    def _scope(self, user_guid: str, calendar_id: str) -> dict[str, LinkedItem]:
        return self._links.setdefault((user_guid, calendar_id), {})

    def links_by_activity(
        self, user_guid: str, calendar_id: str, activity_guids: Collection[str]
    ) -> Mapping[str, LinkedItem]:
        links = self._scope(user_guid, calendar_id)
        return {guid: links[guid] for guid in set(activity_guids) if guid in links}

    def links_by_event(self, user_guid: str, calendar_id: str, event_ids: Collection[str]) -> Mapping[str, LinkedItem]:
        wanted = set(event_ids)
        links = self._scope(user_guid, calendar_id)
        return {item.link.event_id: item for item in links.values() if item.link.event_id in wanted}

    def all_links(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        return list(self._scope(user_guid, calendar_id).values())

    def count_links(self, user_guid: str, calendar_id: str) -> int:
        return len(self._scope(user_guid, calendar_id))

    def stand_ins(self, user_guid: str, calendar_id: str) -> Sequence[LinkedItem]:
        return [item for item in self._scope(user_guid, calendar_id).values() if is_stand_in(item.link.event_id)]

    def holders(self, activity_guids: Collection[str]) -> Mapping[str, frozenset[tuple[str, str]]]:
        wanted = set(activity_guids)
        found: dict[str, set[tuple[str, str]]] = {}
        for (user, _), links in self._links.items():
            for guid, item in links.items():
                if guid in wanted and item.link.organiser_email is None:
                    found.setdefault(guid, set()).add((user, item.link.event_id))
        return {guid: frozenset(held) for guid, held in found.items()}

    def hosting_users(self, user_guids: Collection[str]) -> frozenset[str]:
        wanted = set(user_guids)
        done = {c.user_guid for c in self._cursors.values() if c.user_guid in wanted and c.initial_done_at}
        return frozenset(done | {u for u in wanted if not self._runs.get(u)})

    def _claim(self, link: Link) -> LinkedItem | None:
        """This link's current item (by activity), other links of its event dropped: an
        item is linked to exactly one counterpart."""
        links = self._scope(link.user_guid, link.calendar_id)
        for guid, item in list(links.items()):
            if item.link.event_id == link.event_id and guid != link.activity_guid:
                del links[guid]
        return links.get(link.activity_guid)

    def save_intent(self, link: Link, intent: Intent) -> None:
        mine = self._claim(link)
        base = mine.base if mine is not None else None
        self._scope(link.user_guid, link.calendar_id)[link.activity_guid] = LinkedItem(link, base, intent)

    def save_item(self, link: Link, base: BaseSnapshot) -> None:
        self._claim(link)
        self._scope(link.user_guid, link.calendar_id)[link.activity_guid] = LinkedItem(link, base)
        self._unquarantine(link)

    def record_items(
        self, records: Sequence[ItemRecord], run: RunRecord | None = None, advance: Cursor | None = None
    ) -> None:
        for record in records:
            match record:
                case SavedIntent(link=link, intent=intent):
                    self.save_intent(link, intent)
                case SavedItem(link=link, base=base):
                    self.save_item(link, base)
                case RemovedItem(link=link):
                    self.remove_item(link)
        if run is not None:
            self.record_run(run, advance)
        elif advance is not None:
            self.save_cursor(advance)

    def remove_item(self, link: Link) -> None:
        links = self._scope(link.user_guid, link.calendar_id)
        for guid, item in list(links.items()):
            if guid == link.activity_guid or item.link.event_id == link.event_id:
                del links[guid]
        self._unquarantine(link)

    def _unquarantine(self, link: Link) -> None:
        scope = (link.user_guid, link.calendar_id)
        for activity_guid, event_id in (
            (link.activity_guid, link.event_id),
            (link.activity_guid, None),
            (None, link.event_id),
        ):
            self._quarantine.pop((*scope, activity_guid, event_id), None)

    # ------------------------------------------------------------------ for the admin

    def record_conflict(self, conflict: Conflict) -> None:
        self._conflicts[conflict.id] = conflict

    def conflicts(self, user_guid: str, limit: int = 100) -> Sequence[Conflict]:
        mine = [c for c in self._conflicts.values() if c.user_guid == user_guid]
        return sorted(mine, key=lambda c: c.detected_at, reverse=True)[:limit]

    def quarantine(self, item: QuarantinedItem) -> None:
        key = (item.user_guid, item.calendar_id, item.activity_guid, item.event_id)
        known = self._quarantine.get(key)
        if known is not None:
            item = replace(
                known, side=item.side, reason=item.reason, retry_at=item.retry_at, attempts=known.attempts + 1
            )
        self._quarantine[key] = item

    def _quarantined(self, user_guid: str, calendar_id: str, due: datetime | None = None) -> Sequence[QuarantinedItem]:
        mine = [
            q
            for q in self._quarantine.values()
            if (q.user_guid, q.calendar_id) == (user_guid, calendar_id) and (due is None or q.retry_at <= due)
        ]
        return sorted(mine, key=lambda q: q.retry_at)

    def quarantined(self, user_guid: str, calendar_id: str) -> Sequence[QuarantinedItem]:
        return self._quarantined(user_guid, calendar_id)

    def due_for_retry(self, user_guid: str, calendar_id: str, now: datetime) -> Sequence[QuarantinedItem]:
        return self._quarantined(user_guid, calendar_id, now)

    def retry_now(
        self, user_guid: str, calendar_id: str, activity_guid: str | None, event_id: str | None, now: datetime
    ) -> bool:
        key = (user_guid, calendar_id, activity_guid, event_id)
        known = self._quarantine.get(key)
        if known is None:
            return False
        self._quarantine[key] = replace(known, retry_at=now)
        return True

    # ------------------------------------------------------------------ progress

    def cursor(self, user_guid: str, calendar_id: str) -> Cursor | None:
        return self._cursors.get((user_guid, calendar_id))

    def save_cursor(self, cursor: Cursor) -> None:
        self._cursors[(cursor.user_guid, cursor.calendar_id)] = cursor

    def lowest_hub_seq(self, user_guids: Collection[str]) -> int | None:
        wanted = set(user_guids)
        return min((c.hub_seq for (user, _), c in self._cursors.items() if user in wanted), default=None)

    def record_run(self, run: RunRecord, advance: Cursor | None = None) -> None:
        if advance is not None:
            self.save_cursor(advance)
        runs = self._runs.setdefault(run.user_guid, [])
        runs.append(run)
        del runs[: -self.keep_runs]

    def last_runs(self, user_guid: str, limit: int = 20) -> Sequence[RunRecord]:
        return list(reversed(self._runs.get(user_guid, [])))[:limit]

    def runs_since(self, since: datetime, limit: int = 10_000) -> Sequence[RunRecord]:
        recent = [r for runs in self._runs.values() for r in runs if r.started_at >= since]
        return sorted(recent, key=lambda r: r.started_at, reverse=True)[:limit]
