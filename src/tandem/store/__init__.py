"""Database engine and sessions, the shared declarative base, sync-state tables."""
