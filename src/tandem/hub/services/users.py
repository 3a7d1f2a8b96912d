"""What a user changes about themselves (the CLI and the web share it)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tandem.hub.models import User
from tandem.hub.services import lookup


def set_calendar_sync(session: Session, guid: str, on: bool) -> User:
    """CAL-7: the user's own switch. Off: no reads or writes for them; on again resumes
    from the saved sync state (nothing of it is dropped here)."""
    user = lookup.get(session, User, guid, "user")
    user.calendar_sync_enabled = on
    return user
