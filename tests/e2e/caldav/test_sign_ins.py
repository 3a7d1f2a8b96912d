"""Users who sign in to the CalDAV server with a password of their own (BEY-1): an app password
on iCloud or Fastmail, a Nextcloud without an admin account. On a real Radicale where Alice's
password is the one the connection holds and Bob's is his alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tandem import bootstrap
from tandem.hub.models import User
from tandem.hub.services import caldav_sign_ins, calendar_setup
from tandem.sync.ids import event_id_for
from tests.e2e.calendar.conftest import ALICE, BOB
from tests.support.calendar_world import HubSide, organisation
from tests.support.radicale import RadicaleServer

CONNECTION_PASSWORD = "the-connection-pa55"
BOBS_OWN = "bobs-own-app-pa55"
BOBS_OTHER = "robert@example.com"
"""A second account of Bob's on the server, with a calendar of its own."""


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[RadicaleServer]:
    folder = tmp_path / "radicale"
    folder.mkdir()
    own = {ALICE: CONNECTION_PASSWORD, BOB: BOBS_OWN, BOBS_OTHER: BOBS_OWN}
    with RadicaleServer(folder, users=own) as server:
        for email, password in own.items():
            made = httpx.request("MKCALENDAR", f"{server.url}/{email}/calendar/", auth=(email, password))
            assert made.status_code == 201, made.text
        yield server


def _calendar(radicale: RadicaleServer, email: str, password: str) -> list[str]:
    """The names of the resources in the user's calendar, as their calendar app would list them."""
    listed = httpx.request(
        "PROPFIND", f"{radicale.url}/{email}/calendar/", headers={"Depth": "1"}, auth=(email, password)
    )
    assert listed.status_code == 207, listed.text
    return sorted(href.rsplit("/", 1)[-1] for href in _hrefs(listed.text) if href.endswith(".ics"))


def _hrefs(multistatus: str) -> list[str]:
    import xml.etree.ElementTree as ET

    return [h.text or "" for h in ET.fromstring(multistatus).iter("{DAV:}href")]


def _sign_in(tandem: bootstrap.Tandem, email: str, username: str | None, password: str | None = None) -> None:
    with tandem.db.write() as session:
        user = session.scalars(sa.select(User).where(User.email_key == email)).one()
        if username is None:
            caldav_sign_ins.forget(session, user)
        else:
            caldav_sign_ins.save(session, tandem.secrets(), user, username, password)


def test_bey_1_a_user_with_a_caldav_password_of_their_own_is_synced_with_it(
    tandem: bootstrap.Tandem, radicale: RadicaleServer, hub_database_url: str
) -> None:
    with tandem.db.write() as session:
        calendar_setup.configure_caldav(
            session,
            tandem.secrets(),
            url=f"{radicale.url}/{{email}}/calendar/",
            discover=False,
            username="{email}",
            password=CONNECTION_PASSWORD,
        )
    users, types = organisation(tandem, (ALICE, BOB))
    world = HubSide(tandem, users, types)
    start = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=2)
    alices = world.create(ALICE, "Alice's planning", start)
    bobs = world.create(BOB, "Bob's review", start)

    alice, refused = world.sync(ALICE), world.sync(BOB)
    assert alice.record.error is None
    assert refused.record.error is not None
    assert BOB in refused.record.error  # whose calendar, and why
    assert "refused the user name or password" in refused.record.error

    _sign_in(tandem, BOB, BOB, BOBS_OWN)
    synced = world.sync(BOB)

    assert synced.record.error is None
    assert _calendar(radicale, BOB, BOBS_OWN) == [f"{event_id_for(bobs)}.ics"]
    assert _calendar(radicale, ALICE, CONNECTION_PASSWORD) == [f"{event_id_for(alices)}.ics"]
    if hub_database_url.startswith("sqlite"):
        stored = Path(sa.make_url(hub_database_url).database or "").read_bytes()
        assert BOBS_OWN.encode() not in stored  # sealed at rest

    _sign_in(tandem, BOB, None)  # back to the connection's sign-in, which the server refuses for Bob
    assert world.sync(BOB).record.error is not None


def test_bey_1_a_new_sign_in_on_a_discovering_connection_pairs_that_users_calendar_again(
    tandem: bootstrap.Tandem, radicale: RadicaleServer
) -> None:
    """Where each calendar is found from the signed-in account, another account may find another
    calendar: the user's links are forgotten with the new sign-in, so the next run pairs what both
    sides hold instead of reading the old calendar's events as deleted (and deleting the
    activities). The other users' links stay."""
    with tandem.db.write() as session:
        calendar_setup.configure_caldav(
            session, tandem.secrets(), url=radicale.url, discover=True, username="{email}", password=CONNECTION_PASSWORD
        )
    users, types = organisation(tandem, (ALICE, BOB))
    world = HubSide(tandem, users, types)
    start = datetime.now().astimezone().replace(microsecond=0) + timedelta(days=2)
    alices = world.create(ALICE, "Alice's planning", start)
    bobs = world.create(BOB, "Bob's review", start)
    _sign_in(tandem, BOB, BOB, BOBS_OWN)
    world.sync(ALICE, BOB)
    assert [r.record.error for r in world.reports] == [None, None]

    # Bob signs in with his other account: discovery finds that account's calendar
    _sign_in(tandem, BOB, BOBS_OTHER)  # the stored password is kept
    world.sync(BOB, ALICE)

    assert [a.name for a in world.activities()] == ["Alice's planning", "Bob's review"]
    assert [r.record.error for r in world.reports[-2:]] == [None, None]
    assert _calendar(radicale, BOBS_OTHER, BOBS_OWN) == [f"{event_id_for(bobs)}.ics"]  # paired into it
    assert _calendar(radicale, BOB, BOBS_OWN) == [f"{event_id_for(bobs)}.ics"]  # the first is left as it was
    assert _calendar(radicale, ALICE, CONNECTION_PASSWORD) == [f"{event_id_for(alices)}.ics"]
