"""Integration tests: one adapter against its real server."""
