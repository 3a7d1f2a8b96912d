"""The hub side of an organisation that syncs its calendars, for the end-to-end tests of every
calendar backend (tests/e2e/calendar on the Google emulator, tests/e2e/caldav on Radicale):
activity types and users made through the hub's services, one sync run per user as the
runtime would do it, and the activities as the PSA holds them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from tandem import bootstrap
from tandem.domain.activity import Activity
from tandem.hub.adapters.activities import HubPsa
from tandem.hub.models import Activity as Row
from tandem.hub.models import ActivityType, User
from tandem.hub.services import activities, calendar_setup, counters, entities, lookup, masters
from tandem.hub.services.drafts import draft_of
from tandem.runtime.user_sync import RunReport
from tests.support import factories


def organisation(tandem: bootstrap.Tandem, emails: Iterable[str]) -> tuple[dict[str, User], dict[str, ActivityType]]:
    """Calendar sync on for the organisation; its activity types (Meeting the default, Personal,
    a Sales call type that is not synced, Task) and a user with sync on for each email:
    (users by email, types by short name)."""
    types = {
        "Meeting": factories.activity_type(tandem, "Meeting", "CalendarEntry", is_default=True, calendar_sync=True),
        "Personal": factories.activity_type(tandem, "Personal", "Personal", calendar_sync=True),
        "Sales": factories.activity_type(tandem, "Sales call", "SalesEvent", calendar_sync=False),
        "Task": factories.activity_type(tandem, "Task", "Task", calendar_sync=True),
    }
    users = {
        email: factories.user(
            tandem,
            email=email,
            first_name=email.split("@")[0].title(),
            last_name="Example",
            calendar_sync_enabled=True,
            time_zone="Europe/Helsinki",
        )
        for email in emails
    }
    with tandem.db.write() as session:
        calendar_setup.set_enabled(session, True)
        counters.settings(session)
    return users, types


@dataclass
class HubSide:
    """The hub and the sync runs of an organisation; each backend's world adds its calendars."""

    tandem: bootstrap.Tandem
    users: dict[str, User]
    types: dict[str, ActivityType]
    reports: list[RunReport] = field(default_factory=list)

    def sync(self, *emails: str, **options: Any) -> RunReport:
        """One sync run per user, as the runtime would do it; returns the last report."""

        async def run() -> RunReport:
            calendar = self.tandem.calendar()
            assert calendar is not None
            async with calendar:
                report = None
                for email in emails:
                    report = await self.tandem.user_sync(calendar).run(self.users[email].guid, **options)
                    self.reports.append(report)
                assert report is not None
                return report

        return asyncio.run(run())

    def activities(self) -> list[Activity]:
        psa = HubPsa(self.tandem.db)
        with self.tandem.db.read() as session:
            guids = list(session.scalars(sa.select(Row.guid).where(Row.is_deleted.is_(False))))
        return sorted(psa.get_activities(guids).values(), key=lambda a: (a.name, a.guid))

    def activity(self, name: str) -> Activity:
        found = [a for a in self.activities() if a.name == name]
        assert len(found) == 1, [a.name for a in self.activities()]
        return found[0]

    def create(
        self, email: str, name: str, start: datetime | date, hours: float = 1, kind: str = "Meeting", **kw: Any
    ) -> str:
        """An activity made in the PSA (through the services); `end` defaults to `hours` later."""
        end = kw.pop("end", None) or start + timedelta(hours=hours)
        return factories.activity(self.tandem, self.users[email], self.types[kind], start, end, name=name, **kw)

    def change_activity(self, guid: str, **changes: Any) -> None:
        """Change an activity through the hub's services (as the PSA's API would)."""
        with self.tandem.db.write() as session:
            row = lookup.get(session, Row, guid, "activity")
            activities.update(session, row, draft_of(row, **changes), factories.ACTOR)

    def move_through_the_api(self, guid: str, start: datetime, hours: float = 1) -> None:
        """Move an activity to `start`, lasting `hours`, as an API client of the PSA would."""
        from tests.support.hub import authorised

        with authorised(self.tandem) as api:
            moved = api.patch(
                f"/v1/activities/{guid}",
                json=[
                    {"op": "replace", "path": "/startDateTime", "value": start.isoformat()},
                    {"op": "replace", "path": "/endDateTime", "value": (start + timedelta(hours=hours)).isoformat()},
                ],
            )
            assert moved.status_code == 200, moved.text

    def change_user(self, who: str, /, **values: Any) -> None:
        """Change a user through the hub's services (as the API or the admin would)."""
        with self.tandem.db.write() as session:
            row = lookup.get(session, User, self.users[who].guid)
            masters.save(session, entities.USERS, row, values)
