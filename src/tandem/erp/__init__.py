"""The ERP integration core: pure matching, preflight and plans."""
