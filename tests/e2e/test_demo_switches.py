"""A restart of the demo (`make run` again) leaves every user's own calendar-sync switch as
that user or an admin last set it (CAL-7): the demo organisation's people start with it on,
and nothing turns it on again."""

from __future__ import annotations

import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.models import User
from tandem.hub.services import entities, masters, users
from tests.support.processes import free_port

BEN, CARLA = "ben.berg@example.com", "carla.campos@example.com"
IMPORTED = "imported.from.erp@example.com"


def _switches(tandem: bootstrap.Tandem) -> dict[str, bool]:
    with tandem.db.read() as session:
        return {u.email: u.calendar_sync_enabled for u in session.scalars(sa.select(User)) if u.email}


def test_cal_7_restarting_the_demo_keeps_each_users_own_sync_switch(tandem: bootstrap.Tandem) -> None:
    tandem.settings.demo_calendar_port = free_port()
    assert not tandem.load_demo(sync_on=True).skipped  # as `make run` does
    with tandem.demo_calendar():
        pass
    assert _switches(tandem)[BEN] is True  # the demo's people start with their sync on
    with tandem.db.write() as session:
        ben = session.scalars(sa.select(User).where(User.email_key == BEN)).one()
        users.set_calendar_sync(session, ben.guid, on=False)
        masters.save(session, entities.USERS, None, {"first_name": "Ida", "last_name": "Imported", "email": IMPORTED})
    with tandem.demo_calendar():  # the next start
        pass
    after = _switches(tandem)
    assert after[BEN] is False
    assert after[IMPORTED] is False
    assert after[CARLA] is True
