"""The seams between the cores and the outside world, as `typing.Protocol`s.

Every adapter implements one of these; cores and the runtime are typed against them,
never against a concrete class. Capabilities are plain attributes
(`fans_out_invitations`, `has_sync_token`). One module per side:

- `ports.psa`: the PSA side of the calendar sync (`PsaPort`)
- `ports.calendar`: a calendar backend (`CalendarPort`)
- `ports.state`: the sync state (`SyncStateStore`)
- `ports.erp`: the ERP and the PSA's master data (`ErpPort`, `PsaMasterDataPort`)
"""
