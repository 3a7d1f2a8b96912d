"""The calendar sync core: pure planning (no I/O, ORM, HTTP, event loop or clock).

    ids           deterministic event ids and activity guids (BEY-3)
    context       SyncContext: the organisation's rules for one user's run
    mapping       Activity <-> CalendarEvent through SyncedFields (CAL-13, CAL-6)
    participants  participants <-> attendees, response status (CAL-14)
    series        recurrence: canonical rules, "still happening after?" (CAL-9/10/11)
    rules         type filter, past items, tasks, windows, notifications (CAL-5/10/11/12/16)
    merge         field-level three-way merge (BEY-2)
    table         the decision table, as data (and drawn for the docs)
    observe       one item as the planner sees it: ids, role, side states
    outcomes      what each decision becomes, as actions
    initial       initial matching (CAL-10)
    pairing       what was read, paired into items: by link, by id, by matching
    actions       the frozen actions a plan is made of
    plan          plan_item / plan_user: the entry points (and the breaker, BEY-3)

The runtime reads both sides, calls `plan.plan_user`, executes the actions against the
ports and commits per item; see `plan` and `actions` for what it must do.
"""
