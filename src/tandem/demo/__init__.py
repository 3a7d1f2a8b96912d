"""Demo data, in one place: what `tandem demo-data`, `make run` and `tandem erp demo-db` load.

organisation    load(session, today): a small realistic organisation in the hub (`tandem
                demo-data`, `demo_on_first_start`), written through the hub's services
calendar_seed   seed_calendar(emulator, session, today): the demo users' own Google entries
                (an out-of-office), put into the demo calendar before the first sync
psa_seed        load_psa_seed(db, seed): the ERP demo's PSA half loaded into the hub
visma_business  create_demo_database(url, seed=…) → DemoManifest: a Visma Business demo
                company with planted problems, and its PSA half as a `PsaSeed`

Demo code sits above the hub and the adapters it fills and below the entry points
(`bootstrap`, `cli`) that load it; the cores, the hub, the adapters and the runtime never
import it (an import-linter contract says so). Nothing here runs at import time.
"""
