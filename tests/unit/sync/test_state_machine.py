"""Random edits on both sides, random syncs (some of them crashing mid-plan), and after
every complete sync: both sides agree, a second plan is empty, nothing is duplicated and
no edit is lost (the last edit of a field survives unless a conflict record explains it).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tandem.domain.activity import Activity, ActivityCategory, Participant, ParticipantKind
from tandem.domain.calendar import Attendee, CalendarEvent
from tandem.sync.ids import activity_guid_for_event, event_id_for
from tandem.sync.plan import UserPlan

from .builders import ANN, ANN_EMAIL, MEETING, NOW, PERSONAL, context
from .fakes import Clock, Crash, FakeCalendar, FakePsa, FakeStore, TinyRuntime

PSA, CAL = "psa", "calendar"
TEXT_FIELDS = ("summary", "description", "location")
FIELDS = (*TEXT_FIELDS, "timing")
PSA_NAMES = {"summary": "name", "description": "notes", "location": "location"}
DAY = datetime(2030, 6, 1, 8, 0, tzinfo=NOW.tzinfo)


@dataclass
class Model:
    """What users did, per item: every field edit and attendee change, and deletions."""

    guid: str
    event_id: str
    edits: dict[str, list[tuple[datetime, str, Any]]] = field(default_factory=dict)
    attendees: dict[str, list[tuple[datetime, str, bool]]] = field(default_factory=dict)
    deleted: dict[str, datetime] = field(default_factory=dict)

    def edit(self, t: datetime, side: str, name: str, value: Any) -> None:
        self.edits.setdefault(name, []).append((t, side, value))

    def expected(self, name: str) -> Any:
        """The field's last edit, on whichever side it was made."""
        return max(self.edits[name], key=lambda e: e[0])[2]

    def ever(self, name: str) -> set[Any]:
        return {value for _, _, value in self.edits[name]}

    def expected_presence(self, email: str) -> bool:
        return max(self.attendees[email], key=lambda e: e[0])[2]

    def must_survive(self) -> bool:
        """Edited on one side after the other side deleted it: the edit wins (BEY-2)."""
        for side, deleted_at in self.deleted.items():
            other = CAL if side == PSA else PSA
            last_other = max((t for edits in self.edits.values() for t, s, _ in edits if s == other), default=None)
            own_delete = self.deleted.get(other)
            if last_other is not None and last_other > deleted_at and (own_delete is None or own_delete < last_other):
                return True
        return False


def _timing(n: int) -> tuple[datetime, datetime]:
    start = DAY + timedelta(minutes=37 * n)
    return start, start + timedelta(hours=1)


def _psa_value(activity: Activity, name: str) -> Any:
    if name == "timing":
        return (activity.start, activity.end)
    return getattr(activity, PSA_NAMES[name])


def _cal_value(event: CalendarEvent, name: str) -> Any:
    if name == "timing":
        return (event.start, event.end)
    return getattr(event, name)


def _psa_attendees(activity: Activity) -> set[str]:
    return {p.email for p in activity.participants if p.email}


def _cal_attendees(event: CalendarEvent) -> set[str]:
    return {a.email for a in event.attendees}


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.psa = FakePsa(self.clock)
        self.cal = FakeCalendar(self.clock)
        self.store = FakeStore()
        self.runtime = TinyRuntime(self.psa, self.cal, self.store, context(), NOW)
        self.models: dict[str, Model] = {}
        self.counter = 0
        self.clean = False

    def fresh(self) -> int:
        self.counter += 1
        return self.counter

    # ---------------------------------------------------------------- creating
    def _new_activity(self, name: str, notes: str, n: int) -> None:
        start, end = _timing(n)
        guid = f"00000000-0000-4000-8000-{n:012d}"
        made = self.psa.user_create(
            Activity(
                guid=guid, name=name, notes=notes, location=f"L{n}", start=start, end=end,
                time_zone="Europe/Helsinki", type_guid=MEETING, category=ActivityCategory.CALENDAR_ENTRY,
                owner_guid=ANN,
            )
        )  # fmt: skip
        model = self.models[guid] = Model(guid, event_id_for(guid))
        for name_ in FIELDS:
            model.edit(made.updated_at or NOW, PSA, name_, _psa_value(made, name_))

    def _new_event(self, name: str, notes: str, n: int) -> None:
        start, end = _timing(n)
        event_id = f"ev{n:04d}"
        made = self.cal.user_create(
            CalendarEvent(
                id=event_id, summary=name, description=notes, location=f"L{n}", start=start, end=end,
                time_zone="Europe/Helsinki", organizer_email=ANN_EMAIL,
            )
        )  # fmt: skip
        guid = activity_guid_for_event(event_id, ANN_EMAIL)
        model = self.models[guid] = Model(guid, event_id)
        for name_ in FIELDS:
            model.edit(made.updated or NOW, CAL, name_, _cal_value(made, name_))

    @initialize(on_psa=st.integers(0, 2), on_calendar=st.integers(0, 2), twins=st.integers(0, 1))
    def existing(self, on_psa: int, on_calendar: int, twins: int) -> None:
        """Before the first (initial) sync, both sides already hold entries; twins match."""
        for _ in range(on_psa):
            n = self.fresh()
            self._new_activity(f"A{n}", f"notes {n}", n)
        for _ in range(on_calendar):
            n = self.fresh()
            self._new_event(f"E{n}", f"notes {n}", n)
        for _ in range(twins):
            n = self.fresh()
            self._new_activity(f"T{n}", "psa notes", n)
            start, end = _timing(n)
            self.cal.user_create(
                CalendarEvent(
                    id=f"tw{n:04d}", summary=f"T{n}", description="calendar notes", location=f"L{n}",
                    start=start, end=end, time_zone="Europe/Helsinki", organizer_email=ANN_EMAIL,
                )
            )  # fmt: skip
            model = self.models[f"00000000-0000-4000-8000-{n:012d}"]
            event_id, t = f"tw{n:04d}", self.clock.now
            model.event_id = event_id
            model.edit(t, CAL, "description", "calendar notes")
            for name_ in ("summary", "location", "timing"):
                model.edit(t, CAL, name_, model.edits[name_][-1][2])
        # The initial sync (CAL-10) runs before anyone edits again: twins pair up there.
        self.sync()

    @rule()
    def create_in_psa(self) -> None:
        n = self.fresh()
        self._new_activity(f"A{n}", f"notes {n}", n)
        self.clean = False

    @rule()
    def create_in_calendar(self) -> None:
        n = self.fresh()
        self._new_event(f"E{n}", f"notes {n}", n)
        self.clean = False

    # ---------------------------------------------------------------- editing
    def _pick(self, side: str, pick: int) -> Model | None:
        if side == PSA:
            live = sorted(a.guid for a in self.psa.live())
            return self.models[live[pick % len(live)]] if live else None
        ids = sorted(e.id for e in self.cal.live())
        if not ids:
            return None
        event_id = ids[pick % len(ids)]
        return next(m for m in self.models.values() if m.event_id == event_id)

    @rule(side=st.sampled_from([PSA, CAL]), pick=st.integers(0, 50), name=st.sampled_from(FIELDS))
    def edit(self, side: str, pick: int, name: str) -> None:
        model = self._pick(side, pick)
        if model is None:
            return
        n = self.fresh()
        value: Any = _timing(n) if name == "timing" else f"{name[:3]}-{side[:1]}{n}"
        if side == PSA:
            changes = {"start": value[0], "end": value[1]} if name == "timing" else {PSA_NAMES[name]: value}
            self.psa.user_edit(model.guid, **changes)
        else:
            changes = {"start": value[0], "end": value[1]} if name == "timing" else {name: value}
            self.cal.user_edit(model.event_id, **changes)
        model.edit(self.clock.now, side, name, value)
        self.clean = False

    @rule(side=st.sampled_from([PSA, CAL]), pick=st.integers(0, 50))
    def toggle_private(self, side: str, pick: int) -> None:
        model = self._pick(side, pick)
        if model is None:
            return
        if side == PSA:
            a = self.psa.activities[model.guid]
            personal = a.category is ActivityCategory.PERSONAL
            kind = (MEETING, ActivityCategory.CALENDAR_ENTRY) if personal else (PERSONAL, ActivityCategory.PERSONAL)
            self.psa.user_edit(model.guid, type_guid=kind[0], category=kind[1])
        else:
            self.cal.user_edit(model.event_id, private=not self.cal.events[model.event_id].private)
        self.clean = False

    @rule(side=st.sampled_from([PSA, CAL]), pick=st.integers(0, 50))
    def invite(self, side: str, pick: int) -> None:
        model = self._pick(side, pick)
        if model is None:
            return
        email = f"guest{self.fresh()}@outside.example"
        if side == PSA:
            a = self.psa.activities[model.guid]
            guest = Participant(kind=ParticipantKind.OTHER, email=email, name=email)
            self.psa.user_edit(model.guid, participants=(*a.participants, guest))
        else:
            e = self.cal.events[model.event_id]
            self.cal.user_edit(model.event_id, attendees=(*e.attendees, Attendee(email=email)))
        model.attendees.setdefault(email, []).append((self.clock.now, side, True))
        self.clean = False

    @rule(side=st.sampled_from([PSA, CAL]), pick=st.integers(0, 50), which=st.integers(0, 10))
    def uninvite(self, side: str, pick: int, which: int) -> None:
        model = self._pick(side, pick)
        if model is None:
            return
        if side == PSA:
            a = self.psa.activities[model.guid]
            if not a.participants:
                return
            gone = a.participants[which % len(a.participants)]
            email = gone.email or ""
            self.psa.user_edit(model.guid, participants=tuple(p for p in a.participants if p != gone))
        else:
            e = self.cal.events[model.event_id]
            if not e.attendees:
                return
            email = e.attendees[which % len(e.attendees)].email
            self.cal.user_edit(model.event_id, attendees=tuple(x for x in e.attendees if x.email != email))
        model.attendees.setdefault(email, []).append((self.clock.now, side, False))
        self.clean = False

    @rule(side=st.sampled_from([PSA, CAL]), pick=st.integers(0, 50))
    def delete(self, side: str, pick: int) -> None:
        model = self._pick(side, pick)
        if model is None:
            return
        if side == PSA:
            self.psa.user_delete(model.guid)
        else:
            self.cal.user_delete(model.event_id)
        model.deleted[side] = self.clock.now
        self.clean = False

    # ---------------------------------------------------------------- syncing
    @rule(crash_after=st.integers(0, 8))
    def sync_and_crash(self, crash_after: int) -> None:
        try:
            self.runtime.sync(crash_after=crash_after)
        except Crash:
            self.clean = False

    @rule()
    def sync(self) -> None:
        plan = self.runtime.sync()
        assert plan.halt is None
        self.check_after_sync()
        self.clean = True

    @invariant()
    def quiet_after_a_complete_sync(self) -> None:
        if self.clean:
            second, _, _ = self.runtime.read_and_plan()
            assert second.is_empty, _effects(second)

    # ---------------------------------------------------------------- the checks
    def check_after_sync(self) -> None:
        activities = {a.guid: a for a in self.psa.live()}
        events = {e.id: e for e in self.cal.live()}
        links = self.store.links
        # (c) no duplicates: every live thing is in exactly one link, one to one.
        assert set(activities) == set(links), set(activities) ^ set(links)
        assert set(events) == {li.link.event_id for li in links.values()}
        assert set(activities) <= set(self.models)
        for guid, linked in links.items():
            model, activity, event = self.models[guid], activities[guid], events[linked.link.event_id]
            assert linked.link.event_id == model.event_id
            self.check_agree(activity, event)
            self.check_no_edit_lost(model, activity)
        for model in self.models.values():
            if model.must_survive():
                assert model.guid in activities, f"{model.guid} was edited after a deletion and is gone"

    def check_agree(self, activity: Activity, event: CalendarEvent) -> None:
        """(a) both sides hold the same value of every synced field."""
        for name in FIELDS:
            assert _psa_value(activity, name) == _cal_value(event, name), name
        assert activity.is_private == event.private
        assert _psa_attendees(activity) == _cal_attendees(event)

    def check_no_edit_lost(self, model: Model, activity: Activity) -> None:
        """(d) each field holds the last edit made to it, or a conflict record says why not.

        An item that one side deleted and the other side's edit brought back holds that
        side's version: the deleting side's later edits went with its deletion. There we
        only ask that every value is one a user once wrote.
        """
        conflicts = {f for c in self.store.conflicts.values() if c.activity_guid == model.guid for f in c.fields}
        present = _psa_attendees(activity)
        for name in FIELDS:
            value = _psa_value(activity, name)
            if model.deleted:
                assert value in model.ever(name), (name, value, model.edits[name])
            else:
                assert value == model.expected(name) or name in conflicts, (name, value, model.edits[name])
        if not model.deleted:
            for email in model.attendees:
                assert (email in present) == model.expected_presence(email), (email, model.attendees[email])


def _effects(plan: UserPlan) -> list[object]:
    return [a for item in plan.items for a in item.effects]


SyncMachine.TestCase.settings = settings(
    max_examples=150, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestSyncConverges = SyncMachine.TestCase


def test_bey_3_a_crash_after_any_action_converges_without_duplicates() -> None:
    """New items and edits on both sides, a sync killed after each possible action, then a
    complete sync: every item once on each side, both sides equal, nothing left to do."""
    for crash_after in range(12):
        machine = SyncMachine()
        machine.existing(on_psa=1, on_calendar=1, twins=1)
        machine.create_in_psa()
        machine.create_in_calendar()
        machine.edit(PSA, 0, "summary")
        machine.edit(CAL, 1, "description")
        machine.invite(CAL, 2)
        with contextlib.suppress(Crash):
            machine.runtime.sync(crash_after=crash_after)
        machine.uninvite(PSA, 2, 0)
        machine.sync()
        second, _, _ = machine.runtime.read_and_plan()
        assert second.is_empty
        assert len(machine.psa.live()) == len(machine.cal.live()) == 5
        machine.teardown()
