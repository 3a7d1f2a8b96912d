"""My profile's sync facts (BEY-4, CAL-17): the user's last sync, when it last went through,
why it failed if it did, and their items set aside, read by the one function `tandem sync
status` and Admin → Users read them with (`tandem.runtime.status.user_status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tandem.hub.models import Activity, User
from tandem.hub.services import caldav_sign_ins, calendar_setup, lookup
from tandem.runtime import status as sync_health
from tandem.web import week_view
from tandem.web.context import WebContext


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
    last_success: str | None
    failure: str | None
    set_aside: tuple[SetAside, ...]
    caldav: CaldavSignInShown | None = None
    """Where the calendars are on a CalDAV server: how this user's is signed in to."""


@dataclass(frozen=True, slots=True)
class CaldavSignInShown:
    own_username: str | None
    """The user name of the user's own sign-in; None: the connection's is used."""


def my_sync(context: WebContext, user_guid: str) -> MySync:
    with context.hub.db.read() as session:
        user = lookup.get(session, User, user_guid, "user")
        email, zone = user.email, ZoneInfo(user.time_zone or "UTC")
    health = sync_health.user_status(context.sync_state(), context.schedule().get(user_guid), user_guid, email)
    items = []
    with context.hub.db.read() as session:
        viewer = lookup.get(session, User, user_guid, "user")
        on_caldav = calendar_setup.provider(session) == "caldav"
        caldav = CaldavSignInShown(caldav_sign_ins.username_of(session, viewer)) if on_caldav else None
        for q in health.set_aside:
            activity = lookup.find(session, Activity, q.activity_guid) if q.activity_guid else None
            if activity is not None:
                what = activity.name if week_view.shows_details(activity, viewer.id) else week_view.BUSY
            else:
                what = "A calendar entry" if q.event_id else "An activity"
            items.append(SetAside(what, q.reason, q.attempts, _shown(q.retry_at, zone)))
    finished = health.last_run.finished_at if health.last_run is not None else None
    return MySync(
        last_sync=_shown(finished, zone) if finished else None,
        last_success=_shown(health.last_success, zone) if health.last_success else None,
        failure=health.last_error,
        set_aside=tuple(items),
        caldav=caldav,
    )


def _shown(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%a %d %b %Y %H:%M} ({zone.key})"
