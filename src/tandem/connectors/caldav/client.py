"""The WebDAV/CalDAV requests the adapter makes, over one shared `httpx.AsyncClient`.

Chosen over the `caldav` library: the adapter needs async I/O (the runtime syncs many
users on one event loop), raw etags and sync tokens, and exact control of the conditional
headers (`If-None-Match: *`, `If-Match`) and of each status; the `caldav` library is
synchronous and hides those. It stays a test dependency: the tests edit calendars through
it as a calendar app would.

    get            GET one resource: (iCalendar text, etag), or None on 404
    put            PUT with If-None-Match: * (create) or If-Match (update): the new etag
    delete         DELETE with If-Match; False when it was not there (404)
    sync_collection REPORT sync-collection (RFC 6578) with calendar-data
    etags          PROPFIND depth 1 getetag: every resource of the calendar and its etag
    multiget       REPORT calendar-multiget (RFC 4791 §7.9) of some hrefs
    propfind       PROPFIND of some properties, for discovery

Anything but 2xx raises `errors.DavError`; unreadable XML raises `errors.Unreadable`.
Both are turned into Tandem's errors by `errors.translating`, never here.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from tandem.connectors.caldav.errors import DavError, Unreadable
from tandem.ports.calendar import CallObserver, unobserved

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
ICS_TYPE = "text/calendar; charset=utf-8"
_XML_TYPE = "application/xml; charset=utf-8"
ET.register_namespace("D", DAV)
ET.register_namespace("C", CALDAV)


def qname(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


@dataclass(frozen=True, slots=True)
class Item:
    """One `DAV:response` of a multistatus: an href, its status and the properties found."""

    href: str
    status: int
    props: dict[str, ET.Element] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        element = self.props.get(qname(DAV, "getetag"))
        return element.text if element is not None and element.text else None

    @property
    def calendar_data(self) -> str | None:
        element = self.props.get(qname(CALDAV, "calendar-data"))
        return element.text if element is not None and element.text else None

    @property
    def name(self) -> str:
        """The resource's name in its collection, `<event id>.ics` for Tandem's writes."""
        return unquote(self.href.rstrip("/").rsplit("/", 1)[-1])


@dataclass(frozen=True, slots=True)
class SyncAnswer:
    items: tuple[Item, ...]
    token: str
    truncated: bool
    """The server sent only part of the changes (507 on the collection, RFC 6578 §3.6)."""


def _status(text: str | None) -> int:
    """`HTTP/1.1 404 Not Found` -> 404."""
    try:
        return int((text or "").split()[1])
    except (IndexError, ValueError) as error:
        raise Unreadable(f"a multistatus status line {text!r}") from error


def _parse_xml(body: bytes) -> ET.Element:
    # Python's expat fetches no external entity and (expat >= 2.4.1) limits entity
    # expansion, so the server's XML cannot reach files or blow up memory.
    try:
        return ET.fromstring(body)  # noqa: S314 - see above
    except ET.ParseError as error:
        raise Unreadable(f"XML the server sent ({error})") from error


def _item(response: ET.Element) -> Item:
    href = response.findtext(qname(DAV, "href"))
    if not href:
        raise Unreadable("a multistatus response without an href")
    direct = response.find(qname(DAV, "status"))
    props: dict[str, ET.Element] = {}
    status = _status(direct.text) if direct is not None else 200
    for propstat in response.findall(qname(DAV, "propstat")):
        if _status(propstat.findtext(qname(DAV, "status"))) // 100 != 2:
            continue
        prop = propstat.find(qname(DAV, "prop"))
        props.update({child.tag: child for child in (prop if prop is not None else ())})
    return Item(href=href.strip(), status=status, props=props)


def multistatus(body: bytes) -> tuple[list[Item], ET.Element]:
    root = _parse_xml(body)
    if root.tag != qname(DAV, "multistatus"):
        raise Unreadable(f"a {root.tag} where a DAV:multistatus was expected")
    return [_item(response) for response in root.findall(qname(DAV, "response"))], root


def _document(tag: str, *children: ET.Element) -> bytes:
    root = ET.Element(tag)
    root.extend(children)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _prop(*names: str) -> ET.Element:
    prop = ET.Element(qname(DAV, "prop"))
    prop.extend(ET.Element(name) for name in names)
    return prop


def _with_text(tag: str, text: str) -> ET.Element:
    element = ET.Element(tag)
    element.text = text
    return element


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _check(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    request = response.request
    raise DavError(request.method, str(request.url), response.status_code, response.text, _retry_after(response))


class DavClient:
    """The requests, one per method; `auth` is the user's (httpx.BasicAuth) on every call."""

    def __init__(self, http: httpx.AsyncClient, observe: CallObserver = unobserved) -> None:
        self.http = http
        self.observe = observe

    async def _request(
        self,
        method: str,
        url: str,
        auth: httpx.Auth | None,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if body is not None:
            sent.setdefault("Content-Type", _XML_TYPE)
        try:
            response = await self.http.request(
                method, url, content=body, headers=sent, auth=auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.HTTPError:
            self.observe(method, 0, "transport")
            raise
        self.observe(method, 0, None if response.is_success else str(response.status_code))
        return response

    async def get(self, url: str, auth: httpx.Auth | None) -> tuple[str, str | None] | None:
        response = await self._request("GET", url, auth)
        if response.status_code == 404:
            return None
        _check(response)
        return response.text, response.headers.get("ETag")

    async def put(
        self, url: str, auth: httpx.Auth | None, ics: bytes, *, if_match: str | None, create: bool
    ) -> str | None:
        """Write the resource; its new etag when the server says it (RFC 4791 §5.3.4 lets
        a server that changed what it stored leave it out)."""
        headers = {"Content-Type": ICS_TYPE}
        if create:
            headers["If-None-Match"] = "*"
        elif if_match is not None:
            headers["If-Match"] = if_match
        response = _check(await self._request("PUT", url, auth, body=ics, headers=headers))
        etag: str | None = response.headers.get("ETag")
        return etag

    async def delete(self, url: str, auth: httpx.Auth | None, *, if_match: str | None) -> bool:
        headers = {"If-Match": if_match} if if_match is not None else {}
        response = await self._request("DELETE", url, auth, headers=headers)
        if response.status_code == 404:
            return False
        _check(response)
        return True

    async def sync_collection(self, url: str, auth: httpx.Auth | None, token: str) -> SyncAnswer:
        body = _document(
            qname(DAV, "sync-collection"),
            _with_text(qname(DAV, "sync-token"), token),
            _with_text(qname(DAV, "sync-level"), "1"),
            _prop(qname(DAV, "getetag"), qname(CALDAV, "calendar-data")),
        )
        response = _check(await self._request("REPORT", url, auth, body=body, headers={"Depth": "0"}))
        items, root = multistatus(response.content)
        new_token = root.findtext(qname(DAV, "sync-token"))
        if not new_token:
            raise Unreadable("a sync-collection answer without a sync-token")
        collection = urlsplit(url).path.rstrip("/")
        truncated = any(i.status == 507 and unquote(i.href).rstrip("/") == unquote(collection) for i in items)
        kept = tuple(i for i in items if i.href.endswith(".ics") or not i.href.endswith("/"))
        return SyncAnswer(items=kept, token=new_token.strip(), truncated=truncated)

    async def etags(self, url: str, auth: httpx.Auth | None) -> dict[str, str]:
        """Resource name -> etag of every item of the calendar (PROPFIND depth 1)."""
        items = await self.propfind(url, auth, [qname(DAV, "getetag"), qname(DAV, "resourcetype")], depth="1")
        return {i.name: i.etag for i in items if i.etag and not i.href.endswith("/")}

    async def multiget(self, url: str, auth: httpx.Auth | None, hrefs: Iterable[str]) -> list[Item]:
        body = _document(
            qname(CALDAV, "calendar-multiget"),
            _prop(qname(DAV, "getetag"), qname(CALDAV, "calendar-data")),
            *(_with_text(qname(DAV, "href"), href) for href in hrefs),
        )
        response = _check(await self._request("REPORT", url, auth, body=body, headers={"Depth": "1"}))
        return multistatus(response.content)[0]

    async def propfind(self, url: str, auth: httpx.Auth | None, names: Sequence[str], *, depth: str) -> list[Item]:
        body = _document(qname(DAV, "propfind"), _prop(*names))
        response = _check(await self._request("PROPFIND", url, auth, body=body, headers={"Depth": depth}))
        return multistatus(response.content)[0]

    async def mkcalendar(self, url: str, auth: httpx.Auth | None) -> None:
        _check(await self._request("MKCALENDAR", url, auth))


def absolute(base: str, href: str) -> str:
    """An href of a multistatus (usually a path) as a URL on the server of `base`."""
    return urljoin(base, href)
