"""connectors/caldav: a CalDAV server (Radicale, Nextcloud, Fastmail, iCloud) as Tandem's
`CalendarPort` (SPEC BEY-1).

    CaldavCalendar   the port (adapter.py), one instance for all users of an organisation
    CaldavSettings   each user's calendar URL (template or discovery) and credentials
    Credentials      a user name and password (HTTP Basic)
    diagnose         `await diagnose.check_calendar(settings, user_email) -> list[Finding]`

Modules: client (WebDAV requests over httpx, multistatus XML), cursor (sync token or etag
map), discovery (principal -> calendar home -> calendar), ical (one VEVENT <->
CalendarEvent), resource (a series and its overrides in one resource), errors (the one
place where failures become `tandem.domain.errors`). See docs/caldav.md.
"""

from typing import TYPE_CHECKING

from tandem import lazy

if TYPE_CHECKING:
    from tandem.connectors.caldav.adapter import CaldavCalendar
    from tandem.connectors.caldav.settings import CaldavSettings, Credentials
else:  # imported when first used (`tandem.lazy`): the settings without httpx and icalendar
    __getattr__ = lazy.exports(
        __name__, {"CaldavCalendar": "adapter", "CaldavSettings": "settings", "Credentials": "settings"}
    )

__all__ = ["CaldavCalendar", "CaldavSettings", "Credentials"]
