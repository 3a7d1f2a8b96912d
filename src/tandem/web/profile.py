"""My profile's sync facts (BEY-4, CAL-17): the user's last sync, why it failed if it did,
and their items set aside, read with the same store calls and rules as `tandem sync status`
(`tandem.runtime.status`), never a second reading of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tandem.hub.models import Activity, User
from tandem.hub.services import lookup
from tandem.runtime import status as sync_health
from tandem.store.db import Database
from tandem.store.schedule import SqlSchedule
from tandem.store.syncstate import SqlSyncStateStore
from tandem.web import week_view


@dataclass(frozen=True, slots=True)
class SetAside:
    what: str
    """The activity's name, "Busy" for someone else's Personal one (CAL-6), or the calendar entry."""
    reason: str
    attempts: int
    retry_at: str


@dataclass(frozen=True, slots=True)
class MySync:
    last_sync: str | None
    """When the user's latest (real) sync finished, in their time zone; None: never."""
    failure: str | None
    set_aside: tuple[SetAside, ...]


def my_sync(db: Database, user_guid: str) -> MySync:
    store, schedule = SqlSyncStateStore(db), SqlSchedule(db)
    last = sync_health.latest_run(store.last_runs(user_guid, sync_health.RUNS_LOOKED_AT))
    failure = sync_health.latest_failure(last, schedule.get(user_guid))
    with db.read() as session:
        user = lookup.get(session, User, user_guid, "user")
        zone = ZoneInfo(user.time_zone or "UTC")
        items = []
        for q in store.quarantined(user_guid, (user.email or "").lower()):
            activity = lookup.find(session, Activity, q.activity_guid) if q.activity_guid else None
            if activity is not None:
                what = activity.name if week_view.shows_details(activity, user.id) else week_view.BUSY
            else:
                what = "A calendar entry" if q.event_id else "An activity"
            items.append(SetAside(what, q.reason, q.attempts, _shown(q.retry_at, zone)))
    finished = last.finished_at if last is not None else None
    return MySync(_shown(finished, zone) if finished else None, failure, tuple(items))


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %Y %H:%M} ({zone.key})"
