"""The organisation's own settings that are not number series (those are `counters`): its
time zone, which a new user gets unless one is given (`tandem users add`, Admin → Users, the
API, users imported from the ERP), so that an organisation in Helsinki does not get UTC users.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tandem.domain import limits
from tandem.hub.services import counters
from tandem.hub.services.errors import FieldProblem, ValidationFailed


def time_zone(session: Session) -> str:
    """The organisation's IANA time zone (UTC until an admin sets one)."""
    return counters.settings(session).time_zone or "UTC"


def set_time_zone(session: Session, zone: str) -> None:
    """Set it; users already there keep theirs. Refuses a name that is not an IANA zone."""
    if not limits.is_time_zone(zone):
        raise ValidationFailed(
            FieldProblem("timeZone", f"{zone!r} is not an IANA time zone name (such as Europe/Helsinki)")
        )
    counters.settings(session, for_update=True).time_zone = zone
