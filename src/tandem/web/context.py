"""What every page handler needs: the hub, the session signer, the sign-in guard, the templates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import anyio
import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from tandem.config import ErpSettings
from tandem.connectors.caldav import CaldavSettings
from tandem.connectors.google import GoogleSettings
from tandem.domain.erp import ErpRules
from tandem.hub.api.context import HubContext
from tandem.hub.services.calendar_setup import Sealer
from tandem.ports.state import ScheduleStore, SyncStateStore
from tandem.runtime.erp import ErpIntegration, SavedRules
from tandem.store.erp_state import RunEntry
from tandem.store.schedule import SqlSchedule
from tandem.store.syncstate import SqlSyncStateStore
from tandem.web.erp_work import ErpWork
from tandem.web.lockout import SignInGuard
from tandem.web.sessions import SessionSigner

HERE = Path(__file__).parent
PASSWORD_CHECKS = 2
"""Passwords checked at once (each argon2 check takes ~64 MiB and a core for a fraction of
a second); further sign-ins wait their turn on the event loop, holding no thread."""


def _templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["when"] = when
    return Jinja2Templates(env=environment)


class ErpHistory(Protocol):
    """What the Admin → ERP page reads and writes of the ERP state store (`SqlErpStateStore`)."""

    def is_enabled(self) -> bool: ...
    def set_enabled(self, enabled: bool) -> None: ...
    def run_log(self, limit: int = 20) -> Sequence[RunEntry]: ...
    def saved_rules(self) -> str | None: ...
    def save_rules(self, rules: str | None) -> None: ...


@dataclass(frozen=True)
class ErpWiring:
    """The ERP integration as `bootstrap` builds it for `tandem erp` (the page does what the CLI does)."""

    settings: ErpSettings
    integration: Callable[[], ErpIntegration]
    state: Callable[[], ErpHistory]
    rules: Callable[[], tuple[ErpRules, SavedRules | None]]
    """The rules runs apply now and what was saved on the page (`Tandem.erp_rules_and_source`;
    None: tandem.toml's rules)."""


def when(moment: datetime | None, unit: bool = True) -> str:
    """A time as the admin pages show it: UTC, to the second ("-" for none). `unit=False`
    leaves out " UTC", for a table whose caption says it."""
    if moment is None:
        return "-"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC" if unit else "%Y-%m-%d %H:%M:%S")


@dataclass
class WebContext:
    hub: HubContext
    signer: SessionSigner
    secrets: Callable[[], Sealer] | None = None
    """The server's secret box, which seals the calendar key (the admin's calendar page)."""
    calendar_settings: Callable[[], GoogleSettings | None] | None = None
    """The saved calendar connection, unsealed, for the page's Test (as `tandem calendar test`)."""
    caldav_settings: Callable[[], CaldavSettings | None] | None = None
    """The saved CalDAV connection (when that is the backend), unsealed, for the same Test."""
    erp: ErpWiring | None = None
    """The ERP integration, for Admin → ERP."""
    metrics_token: str | None = field(default=None, repr=False)
    """What a scraper of /metrics shows as its bearer token; None: /metrics is off."""
    erp_work: ErpWork | None = None
    """The one piece of ERP work the page may have going (built by `app.install`)."""
    guard: SignInGuard = field(default_factory=SignInGuard)
    templates: Jinja2Templates = field(default_factory=_templates)
    _checks: tuple[asyncio.AbstractEventLoop, anyio.CapacityLimiter] | None = field(default=None, repr=False)

    def sync_state(self) -> SyncStateStore:
        """The calendar sync's state (runs, items set aside, conflicts), as `tandem sync status` reads it."""
        return SqlSyncStateStore(self.hub.db)

    def schedule(self) -> ScheduleStore:
        """The calendar sync's schedule (next run, failures, pauses)."""
        return SqlSchedule(self.hub.db)

    def password_checks(self) -> anyio.CapacityLimiter:
        """This event loop's limiter of concurrent password checks."""
        loop = asyncio.get_running_loop()
        if self._checks is None or self._checks[0] is not loop:
            self._checks = (loop, anyio.CapacityLimiter(PASSWORD_CHECKS))
        return self._checks[1]


def web(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context
