"""Hub services: the only way anything (API, web, sync, ERP, CLI) changes hub data.

They validate references and business rules, write the change log for activities in
the same transaction, and raise the errors of `hub.services.errors`.
"""
