"""Finding a user's calendar from the server's root (RFC 6764 §6, RFC 5397, RFC 4791 §6.2.1),
and what a calendar URL holds (`describe`).

PROPFIND <server> depth 0   DAV:current-user-principal   -> the principal
PROPFIND <principal> depth 0  CALDAV:calendar-home-set   -> the calendar home
PROPFIND <home> depth 1     resourcetype, supported-calendar-component-set
                            -> the first calendar collection that holds VEVENTs
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tandem.connectors.caldav.client import CALDAV, DAV, DavClient, Item, absolute, qname
from tandem.domain.errors import ConfigurationError


def _href_in(items: list[Item], prop: str, what: str, url: str) -> str:
    for item in items:
        element = item.props.get(prop)
        href = element.findtext(qname(DAV, "href")) if element is not None else None
        if href:
            return absolute(url, href.strip())
    raise ConfigurationError(f"CalDAV discovery: {url} names no {what}")


def _holds_events(item: Item) -> bool:
    kinds = item.props.get(qname(DAV, "resourcetype"))
    if kinds is None or kinds.find(qname(CALDAV, "calendar")) is None:
        return False
    components = item.props.get(qname(CALDAV, "supported-calendar-component-set"))
    if components is None:
        return True
    return any(c.get("name", "").upper() == "VEVENT" for c in components)


async def discover_calendar(client: DavClient, server_url: str, auth: httpx.Auth | None) -> str:
    """The URL of the user's calendar, or ConfigurationError saying which step found nothing."""
    principal_prop = qname(DAV, "current-user-principal")
    principal = _href_in(
        await client.propfind(server_url, auth, [principal_prop], depth="0"),
        principal_prop,
        "current-user-principal",
        server_url,
    )
    home_prop = qname(CALDAV, "calendar-home-set")
    home = _href_in(
        await client.propfind(principal, auth, [home_prop], depth="0"), home_prop, "calendar-home-set", principal
    )
    listed = await client.propfind(
        home, auth, [qname(DAV, "resourcetype"), qname(CALDAV, "supported-calendar-component-set")], depth="1"
    )
    for item in listed:
        if _holds_events(item):
            url = absolute(home, item.href)
            return url if url.endswith("/") else url + "/"
    raise ConfigurationError(f"CalDAV discovery: no calendar of events in {home}")


@dataclass(frozen=True, slots=True)
class CalendarFacts:
    url: str
    is_calendar: bool
    """The URL is a calendar collection (CALDAV:calendar among its resource types)."""
    sync_collection: bool
    """The calendar lists DAV:sync-collection among its reports (RFC 6578 §3.1)."""


async def describe(client: DavClient, url: str, auth: httpx.Auth | None) -> CalendarFacts:
    """One PROPFIND depth 0 of the calendar's resource types and reports."""
    names = [qname(DAV, "resourcetype"), qname(DAV, "supported-report-set")]
    items = await client.propfind(url, auth, names, depth="0")
    kinds = next((i.props.get(names[0]) for i in items if names[0] in i.props), None)
    reports = next((i.props.get(names[1]) for i in items if names[1] in i.props), None)
    return CalendarFacts(
        url=url,
        is_calendar=kinds is not None and kinds.find(qname(CALDAV, "calendar")) is not None,
        sync_collection=reports is not None and reports.find(f".//{qname(DAV, 'sync-collection')}") is not None,
    )
