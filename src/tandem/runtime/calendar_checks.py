"""The admin's Test of a CalDAV connection, reported as the Google one is (`Check`s), so
`tandem calendar test` and Admin → Calendar show either backend's checks the same way."""

from __future__ import annotations

from tandem.connectors.caldav import CaldavSettings
from tandem.connectors.caldav import diagnose as caldav_diagnose
from tandem.connectors.google.diagnose import Check, CheckStatus

STATUS = {True: CheckStatus.PASSED, False: CheckStatus.FAILED, None: CheckStatus.SKIPPED}


async def caldav_checks(settings: CaldavSettings, email: str) -> list[Check]:
    """Is there a calendar at the user's URL (reachable, signed in), and how changes will be read."""
    findings = await caldav_diagnose.check_calendar(settings, email)
    return [Check(f.check, STATUS[f.ok], f.message) for f in findings]
