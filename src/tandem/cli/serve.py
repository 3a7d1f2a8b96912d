"""`tandem serve` and `tandem demo-data`: the app's own commands (no group), registered on
the app by `tandem.cli.main`."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tandem.cli.common import console, fail, tandem

if TYPE_CHECKING:
    from tandem.bootstrap import Tandem
    from tandem.config import Settings

READY = "Tandem is ready on"
"""The last line `tandem serve` prints as it starts: after the server's and the workers' own."""


def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Run Tandem: migrate the database, then serve the API (and the workers)."""
    import faulthandler
    import os
    import signal
    import tempfile

    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 <pid>` prints every thread's stack
    with tempfile.TemporaryDirectory(prefix="tandem-metrics-") as folder:
        # prometheus-client's multiprocess mode (runtime.metrics): the server and its worker
        # process write their figures here. Set before prometheus-client is first imported.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        _serve(host, port)


def _serve(host: str | None, port: int | None) -> None:
    from tandem import bootstrap
    from tandem.demo import organisation
    from tandem.hub.api import server

    overrides: dict[str, Any] = {}
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    with tandem(create=True, **overrides) as t:
        _ports_free(t.settings)
        bootstrap.log_to_console(t.settings.log_level, fmt=t.settings.log_format)
        t.upgrade()
        if t.settings.demo_on_first_start:
            summary = t.load_demo(sync_on=t.settings.demo_calendar)
            if not summary.skipped:
                console.print(f"Loaded the demo organisation: {summary.users} users, {summary.activities} activities.")
        if t.settings.demo_erp:
            _demo_erp(t)
        address = f"http://{t.settings.host}:{t.settings.port}"
        console.print(f"Starting Tandem on {address}  (database: {t.db.engine.url!r})")
        if t.settings.demo_on_first_start and t.has_demo_users():
            password = organisation.DEMO_PASSWORD
            console.print(
                f"First open {address}/sign-in and sign in (docs/web.md):\n"
                f"  demo admin  {organisation.DEMO_ADMIN}  password {password}\n"
                f"  demo user   {organisation.DEMO_USER}  password {password}",
                highlight=False,
                soft_wrap=True,
            )
        if t.settings.demo_calendar and t.settings.demo_calendar_kind == "caldav":
            _caldav_urls(t)
        server.serve(
            t.serving_app(),
            t.settings.host,
            t.settings.port,
            t.settings.log_level.lower(),
            head_timeout_s=t.settings.http.head_timeout_s,
            on_ready=lambda: console.print(f"{READY} {address}  (Ctrl-C stops it)", highlight=False, soft_wrap=True),
        )


def _caldav_urls(t: Tandem) -> None:
    """Each demo user's calendar, to add in Thunderbird, GNOME Calendar or DAVx5."""
    import sqlalchemy as sa

    from tandem.demo import organisation
    from tandem.hub.models import User

    with t.db.read() as session:
        emails = [e for e in session.scalars(sa.select(User.email).where(User.calendar_sync_enabled)) if e]
    base = f"http://127.0.0.1:{t.settings.demo_calendar_port}"
    lines = [f"  {email}  {base}/{email}/calendar/" for email in sorted(emails)]
    console.print(
        f"The demo calendars (CalDAV, Radicale): add one in a calendar app, signing in with its email and the "
        f"password {organisation.DEMO_PASSWORD}:\n" + "\n".join(lines),
        highlight=False,
        soft_wrap=True,
    )


def _demo_erp(t: Tandem) -> None:
    """The demo's ERP on first start (`demo_erp`), said in a line or two."""
    from tandem.runtime.erp.text import shown_url

    done = t.load_demo_erp()
    where = shown_url(done.url)
    if done.first_run is None:
        console.print(f"The demo ERP (Visma Business) is {where}; see Admin → ERP.", highlight=False, soft_wrap=True)
        return
    counts = [entity.counts() for entity in done.first_run.entities]
    created, linked = sum(c["created"] for c in counts), sum(c["linked"] for c in counts)
    made = "Made the demo ERP (Visma Business)" if done.made else "The demo ERP (Visma Business)"
    console.print(
        f"{made} in {where}: the integration is enabled, and its first run created {created} and linked "
        f"{linked} records; it runs every {t.settings.erp.interval_s:g} s. See Admin → ERP.",
        highlight=False,
        soft_wrap=True,
    )


def _ports_free(settings: Settings) -> None:
    """Fail in one line, before anything starts, when a port Tandem listens on is taken
    (most often: Tandem already runs, say a second `make run`)."""
    wanted = [(settings.port, "the API and the web pages", "--port or TANDEM_PORT")]
    if settings.demo_calendar:
        wanted.append((settings.demo_calendar_port, "the demo calendar", "TANDEM_DEMO_CALENDAR_PORT"))
    for port, what, change in wanted:
        if port == 0:
            continue
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((settings.host, port))
            except OSError as error:
                raise fail(
                    f"Port {port} on {settings.host} ({what}) is taken: {error.strerror}. Is Tandem already "
                    f"running? Stop it, or choose another port ({change})."
                ) from None


def demo_data() -> None:
    """Load a small realistic organisation (into an empty database); its five people start
    with their calendar sync on."""
    with tandem(create=True) as t:
        t.upgrade()
        summary = t.load_demo(sync_on=True)
    if summary.skipped:
        raise fail("The database already has users; the demo organisation goes only into an empty one.")
    console.print(f"Demo organisation loaded: {summary.users} users, {summary.activities} activities.")
