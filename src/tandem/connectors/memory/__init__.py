"""In-memory adapters: every port over plain dictionaries.

They are real adapters in every way but storage: each passes the same contract suite as
the adapter it stands in for (the Google adapter against the emulator, the SQL stores
on SQLite and PostgreSQL, the hub, the Visma Business tables), keeps the guards the real
systems keep (versions, etags, ids that stay taken after a delete, sync tokens), and
raises only `tandem.domain.errors`. The sync state machine drives the real runtime over
them, and unit tests of the runtime use them instead of a mocking library (vdirsyncer's
`MemoryStorage` is the model).

    calendar     MemoryCalendar        CalendarPort (one or many calendars by id)
    psa          MemoryPsa             PsaPort (activities, change log, users, types)
    state        MemorySyncStateStore  SyncStateStore
    erp          MemoryErp             ErpPort with its ErpWriter
    master_data  MemoryPsaMasterData   PsaMasterDataPort, and MemoryErpStateStore
"""
