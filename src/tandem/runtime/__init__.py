"""Scheduler and workers: runs plans against the ports."""
