"""Tandem: PSA calendar activities in two-way sync with work calendars, and PSA <-> ERP."""

__version__ = "0.1.0"
