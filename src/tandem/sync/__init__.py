"""The calendar sync core: pure planning (no I/O, ORM, HTTP, event loop or clock)."""
