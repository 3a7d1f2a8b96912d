"""The Visma Business demo database: a seeded company for the ERP integration.

database   create_demo_database(url, seed=…) → DemoManifest (settings, planted problems,
           excluded keys, the PSA half as a `PsaSeed`); build_demo, demo_psa_seed
data       DemoBuilder: the data set, generated without touching a database
plants     the planted problems the preflight must find, one or a few of each
names      word pools, each of distinct words, that every demo name is built from

It writes the adapter's tables (`tandem.connectors.visma_business.tables`), so it depends on
the adapter; the adapter does not depend on it.
"""
