"""The demo's CalDAV server: Radicale embedded in `tandem serve` (`demo_calendar_kind =
"caldav"`), its calendars on disk beside the hub's database, so they outlive a restart.

    with EmbeddedRadicale(folder, port, {"ben.berg@example.com": "tandem-demo"}) as radicale:
        radicale.calendar_url("ben.berg@example.com")   # http://127.0.0.1:<port>/ben.berg@example.com/calendar/

Radicale's WSGI application on a threaded loopback server of the standard library, in a
thread of the serving process; every user signs in with their email and password (plain
htpasswd: a demo's, on loopback only), sees only their own calendars (`owner_only`), and has
one calendar, `calendar/`, made when missing. A calendar app (Thunderbird, GNOME Calendar,
DAVx5) on the same machine adds that URL with the same sign-in.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from urllib.parse import quote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

log = logging.getLogger(__name__)

CALENDAR = "calendar"
"""Each user's one calendar: `<email>/calendar/`."""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("radicale: " + format, *args)


class EmbeddedRadicale:
    def __init__(self, folder: Path, port: int, users: Mapping[str, str]) -> None:
        self.folder = folder
        self.port = port
        self.users = dict(users)
        self.url = f"http://127.0.0.1:{port}"
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.made: set[str] = set()
        """The users whose calendar this start made (the others' were on disk already)."""

    def calendar_url(self, email: str) -> str:
        return f"{self.url}/{quote(email, safe='@')}/{CALENDAR}/"

    @property
    def calendar_url_template(self) -> str:
        """For Tandem's connection: `{email}` for each user's email."""
        return f"{self.url}/{{email}}/{CALENDAR}/"

    def __enter__(self) -> EmbeddedRadicale:
        from radicale import config
        from radicale.app import Application

        (self.folder / "collections" / "collection-root").mkdir(parents=True, exist_ok=True, mode=0o700)
        # Radicale says at INFO what it was configured with and each request it answers:
        # the demo's console keeps its warnings (a calendar app's failed sign-in) only.
        logging.getLogger("radicale").setLevel(max(logging.WARNING, logging.getLogger("radicale").level))
        users = self.folder / "users"
        descriptor = os.open(users, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write("".join(f"{email}:{password}\n" for email, password in self.users.items()))
        configuration = config.load()
        configuration.update(
            {
                "auth": {
                    "type": "htpasswd",
                    "htpasswd_filename": str(users),
                    "htpasswd_encryption": "plain",
                    "delay": "0",
                },
                "rights": {"type": "owner_only"},
                "storage": {"filesystem_folder": str(self.folder / "collections")},
                "web": {"type": "none"},
                "logging": {"mask_passwords": "True"},
            },
            "tandem demo",
        )
        self._server = make_server(
            "127.0.0.1", self.port, Application(configuration), server_class=_Server, handler_class=_QuietHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="radicale", daemon=True)
        self._thread.start()
        self._make_calendars()
        return self

    def _make_calendars(self) -> None:
        with httpx.Client(timeout=10) as client:
            for email, password in self.users.items():
                url = self.calendar_url(email)
                found = client.request("PROPFIND", url, auth=(email, password), headers={"Depth": "0"})
                if found.status_code == 404:
                    made = client.request("MKCALENDAR", url, auth=(email, password))
                    made.raise_for_status()
                    self.made.add(email)

    def put(self, email: str, name: str, ics: str) -> None:
        """An iCalendar object into the user's calendar as a calendar app writes one (never
        over one already there)."""
        with httpx.Client(timeout=10) as client:
            answer = client.put(
                f"{self.calendar_url(email)}{quote(name)}.ics",
                content=ics.encode(),
                headers={"Content-Type": "text/calendar; charset=utf-8", "If-None-Match": "*"},
                auth=(email, self.users[email]),
            )
            if answer.status_code != 412:
                answer.raise_for_status()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
