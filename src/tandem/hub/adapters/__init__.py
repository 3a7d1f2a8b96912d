"""The hub seen through the ports: the PSA side of Tandem's two integrations, in-process.

    activities   HubPsa          PsaPort: activities and participants, the change log,
                                 the organisation's calendar set-up (the calendar sync)
    master_data  HubMasterData   PsaMasterDataPort: customers, users, business units,
                                 products, projects, invoices (the ERP integration)
    errors       translated      the hub services' refusals and database failures as
                                 Tandem's errors: the one place both adapters translate

A Severa REST connector will implement the same two ports (`connectors/severa/`).
"""
