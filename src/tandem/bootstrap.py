"""The one wiring point: reads settings and builds engines, adapters and stores.

Nothing in Tandem connects, reads configuration or creates an engine at import time;
everything is built here, from a `Settings`, when an entry point asks.

Start-up time: every CLI command builds a `Tandem`, most only to read or write the hub's
tables. So this module imports at its top only what that needs (SQLAlchemy, the settings,
the database, the hub's state); each method imports the adapters, the web app (FastAPI),
the runtime or the demo it builds when it is called. A database command then starts in a
fraction of the second that FastAPI, Alembic, httpx and google-auth took (issue 11, item 8;
`tests/e2e/test_cli_startup.py` keeps it so, `bench/cli_startup.py` measures it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Collection, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tandem import migrations
from tandem.config import Settings
from tandem.domain.errors import ConfigurationError
from tandem.hub.api.hub_context import HubContext
from tandem.hub.models.common import utcnow
from tandem.store.db import Database, make_engine, normalise_url

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from fastapi import FastAPI

    from tandem.connectors.caldav import CaldavSettings
    from tandem.connectors.google import GoogleSettings
    from tandem.demo.organisation import DemoSummary
    from tandem.demo.radicale import EmbeddedRadicale
    from tandem.domain.erp import ErpEntity, ErpRules, RunReport
    from tandem.emulators.google import EmulatorServer
    from tandem.hub.adapters.activities import HubPsa
    from tandem.hub.api.door import Limits
    from tandem.hub.services import retention
    from tandem.ports.calendar import CalendarPort
    from tandem.runtime.erp import ErpIntegration, SavedRules
    from tandem.runtime.logcontext import LogFormat
    from tandem.runtime.service import SyncRuntime
    from tandem.runtime.user_sync import UserSync
    from tandem.store.erp_state import SqlErpStateStore
    from tandem.store.secrets import SecretBox
    from tandem.store.syncstate import SqlSyncStateStore

log = logging.getLogger("tandem")


DEMO_ERP_SEED = 7


@dataclass(frozen=True)
class DemoErp:
    """What `Tandem.load_demo_erp` did: where the ERP is, whether it was made now, the first run."""

    url: str
    made: bool
    first_run: RunReport | None


@dataclass
class Tandem:
    settings: Settings
    db: Database
    hub: HubContext
    erp_engines: list[sa.Engine] = field(default_factory=list)

    def app(self) -> FastAPI:
        from tandem.hub.api.app import create_app

        return self.with_pages(create_app(self.hub, limits=self.limits()))

    def with_pages(self, app: FastAPI) -> FastAPI:
        """The web pages beside the API (`tandem.web`), their sessions signed with a key
        derived from the secret key file."""
        from tandem.web import app as web
        from tandem.web.context import ErpWiring

        web.install(
            app,
            self.hub,
            self.secrets().derive_key("web sessions"),
            secrets=self.secrets,
            calendar_settings=self.calendar_settings,
            caldav_settings=self.caldav_settings,
            erp_wiring=ErpWiring(self.settings.erp, self.erp_integration, self.erp_state, self.erp_rules_and_source),
            metrics_token=self.settings.metrics_token.get_secret_value() if self.settings.metrics_token else None,
        )
        return app

    def limits(self) -> Limits:
        from tandem.hub.api.door import Limits
        from tandem.web import calendar as web_calendar

        http = self.settings.http
        return Limits(
            body_bytes=http.max_body_bytes,
            body_timeout_s=http.body_timeout_s,
            too_large_pages={web_calendar.KEY_FORM: web_calendar.TOO_LARGE},
        )

    def secrets(self) -> SecretBox:
        from tandem.store.secrets import SecretBox

        return SecretBox.from_file(self.settings.secret_key_file)

    def upgrade(self) -> None:
        migrations.upgrade(self.db.engine)

    def load_demo(self, *, sync_on: bool = False) -> DemoSummary:
        from tandem.demo import organisation

        with self.db.write() as session:
            return organisation.load(session, utcnow().date(), sync_on=sync_on)

    def load_demo_erp(self) -> DemoErp:
        """`demo_erp`'s first start: the demo Visma Business company made in its (new) SQLite
        file, its PSA half loaded beside the demo organisation, the integration enabled and a
        first run done. A restart finds the file and the runs there and does nothing again."""
        from tandem.demo.psa_seed import load_psa_seed
        from tandem.demo.visma_business.data import DemoScale
        from tandem.demo.visma_business.database import create_demo_database

        scale = DemoScale(departments=8, products=30, employees=12, customers=60, projects=20, erp_invoices=10)
        url = self.settings.erp.database_url
        assert url is not None  # `with_demo_erp` set it
        made = False
        if not Path(sa.make_url(url).database or "").exists():
            created = create_demo_database(url, DEMO_ERP_SEED, scale=scale, plant_problems=False)
            load_psa_seed(self.db, created.psa_seed)
            made = True
        state = self.erp_state()
        if state.run_log(1):
            return DemoErp(url, made, None)
        integration = self.erp_integration()
        integration.enable(utcnow())
        return DemoErp(url, made, integration.run(utcnow()))

    def has_demo_users(self) -> bool:
        """The demo's admin and user are here, with the demo password (not yet changed)."""
        from tandem.demo import organisation
        from tandem.hub.models import User
        from tandem.hub.services import passwords

        with self.db.read() as session:
            for email in (organisation.DEMO_ADMIN, organisation.DEMO_USER):
                user = session.scalars(sa.select(User).where(User.email_key == email)).one_or_none()
                if user is None or not passwords.is_password(user, organisation.DEMO_PASSWORD):
                    return False
        return True

    def erp_state(self) -> SqlErpStateStore:
        """The ERP integration's state (links, runs, enabled flag) in the hub's database."""
        from tandem.store.erp_state import SqlErpStateStore

        return SqlErpStateStore(self.db)

    def erp_rules(self, *, only: Collection[ErpEntity] | None = None) -> ErpRules:
        """The rules every ERP run applies now: saved on Admin → ERP, else `[erp]`'s."""
        return self.erp_rules_and_source(only=only)[0]

    def erp_rules_and_source(self, *, only: Collection[ErpEntity] | None = None) -> tuple[ErpRules, SavedRules | None]:
        """The rules in force and, when they were saved on Admin → ERP, what was saved (who,
        when); None: tandem.toml's. One read of the saved rules for both."""
        from tandem.runtime.erp import SavedRules, rules_in_force

        erp = self.settings.erp
        saved = SavedRules.from_json(self.erp_state().saved_rules())
        return rules_in_force(erp, erp.visma.group_exclusions(), saved, only), saved

    def erp_integration(
        self,
        *,
        erp_url: str | None = None,
        entities: Collection[ErpEntity] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> ErpIntegration:
        """The ERP integration from `[erp]`: the Visma Business adapter on its own database,
        the hub as the PSA, the state in the hub's database, the hub's writes and links of
        `[erp] batch_size` records per transaction. `entities` limits runs to those (invoices
        only when `ErpEntity.INVOICE` is among them)."""
        from tandem.connectors.visma_business import VismaBusinessErp
        from tandem.hub.adapters.master_data import HubMasterData, ProjectDefaults
        from tandem.runtime.erp import ErpIntegration, ErpMirror, TwoDatabases
        from tandem.store.erp_state import ItemWrites, SqlErpStateStore

        erp = self.settings.erp
        url = erp_url or erp.database_url
        if not url:
            raise ConfigurationError("no ERP database: set [erp] database_url (TANDEM_ERP__DATABASE_URL) or --erp-url")
        engine = _erp_engine(url)
        self.erp_engines.append(engine)
        writes = ItemWrites(self.db, erp.batch_size)
        state = SqlErpStateStore(self.db, writes)
        visma = VismaBusinessErp(engine, erp.visma, clock=clock)

        def read_rules() -> ErpRules:
            return self.erp_rules(only=entities)

        return ErpIntegration(
            erp=visma,
            psa=HubMasterData(
                self.db, project_defaults=ProjectDefaults(erp.project_customer, erp.project_owner), writes=writes
            ),
            store=state,
            rules=read_rules(),
            read_rules=read_rules,
            mirror=ErpMirror(full_read_every=erp.full_read_every),
            clock=clock,
            grouping=TwoDatabases(writes, visma.writer),
        )

    # ------------------------------------------------------------------ calendar sync

    def calendar_settings(self) -> GoogleSettings | None:
        """The organisation's Google setup, unsealed; None before `tandem calendar configure`."""
        from tandem.connectors.google import Endpoints, GoogleSettings
        from tandem.hub.services import calendar_setup

        with self.db.read() as session:
            credentials = calendar_setup.load(session, self.secrets())
        if credentials is None:
            return None
        defaults = Endpoints()
        endpoints = Endpoints(
            token_uri=credentials.token_uri or defaults.token_uri,
            api_root=credentials.api_root or defaults.api_root,
            batch_uri=credentials.batch_uri,
        )
        return GoogleSettings(
            key_file=credentials.key,
            key_password=credentials.password,
            service_account_email=credentials.service_account_email,
            endpoints=endpoints,
        )

    def calendar_stamp(self) -> str | None:
        """Changes whenever the calendar connection is configured again."""
        from tandem.hub.services import caldav_sign_ins, calendar_setup

        with self.db.read() as session:
            stamp = calendar_setup.stamp(session)
            if stamp is None or calendar_setup.provider(session) != "caldav":
                return stamp
            return f"{stamp} {caldav_sign_ins.stamp(session)}"

    def caldav_settings(self) -> CaldavSettings | None:
        """The organisation's CalDAV server, unsealed; None unless CalDAV is configured."""
        from tandem.connectors.caldav import CaldavSettings, Credentials
        from tandem.hub.services import caldav_sign_ins, calendar_setup

        box = self.secrets()
        with self.db.read() as session:
            connection = calendar_setup.load_caldav(session, box)
            own = caldav_sign_ins.load(session, box) if connection is not None else {}
        if connection is None:
            return None
        credentials = (
            Credentials(connection.username, connection.password or "") if connection.username is not None else None
        )
        return CaldavSettings(
            calendar_url=None if connection.discover else connection.url,
            server_url=connection.url if connection.discover else None,
            credentials=credentials,
            user_credentials={email: Credentials(s.username, s.password) for email, s in own.items()},
            scheduling=connection.scheduling,
        )

    def calendar(self) -> CalendarPort | None:
        """The calendar port from the stored connection (Google or CalDAV); None when none is
        saved. A saved connection that cannot be used raises `ConfigurationError` (its key
        does not open) or `SecretsUnreadable`, saying why: the runtime records that reason on
        each run."""
        from tandem.connectors.caldav import CaldavCalendar
        from tandem.connectors.google import GoogleCalendar
        from tandem.runtime.metrics import calendar_observer

        caldav = self.caldav_settings()
        if caldav is not None:
            return CaldavCalendar(caldav, observe=calendar_observer("caldav"))
        settings = self.calendar_settings()
        if settings is None:
            return None
        return GoogleCalendar.from_settings(settings, observe=calendar_observer("google"))

    def sync_store(self) -> SqlSyncStateStore:
        from tandem.store.syncstate import SqlSyncStateStore

        return SqlSyncStateStore(self.db)

    def psa(self) -> HubPsa:
        from tandem.hub.adapters.activities import HubPsa

        return HubPsa(self.db)

    def user_sync(self, calendar: CalendarPort) -> UserSync:
        from tandem.runtime.user_sync import UserSync

        return UserSync(self.psa(), calendar, self.sync_store(), self.settings.sync)

    def sync_runtime(self) -> SyncRuntime:
        from tandem.hub.adapters.activities import HubPsa
        from tandem.runtime.service import SyncRuntime
        from tandem.store.schedule import SqlSchedule

        runtime = SyncRuntime(
            psa=HubPsa(self.db, setup_ttl_s=5.0),
            make_calendar=self.calendar,
            store=self.sync_store(),
            schedule=SqlSchedule(self.db),
            settings=self.settings.sync,
            calendar_stamp=self.calendar_stamp,
            reads_together=self.db.reads_together,
        )
        self.hub.on_activity_change.append(runtime.hub_changed)
        self.hub.on_user_active.append(runtime.user_active_threadsafe)
        return runtime

    @contextlib.contextmanager
    def demo_calendar(self) -> Iterator[EmulatorServer]:
        """The demo's Google: the emulator on `demo_calendar_port`, with the hub's users as
        its users and the demo users' own entries (`calendar_seed`), Tandem configured with
        its service account. Each user's own sync switch is left as it is (CAL-7): the demo
        organisation's people have it on from their creation when `make run` made them with
        the demo calendar (`load_demo(sync_on=True)`).
        Its calendars live in memory, so Tandem forgets its links to them at every start."""
        from tandem.demo import calendar_seed
        from tandem.emulators.google import EmulatorServer
        from tandem.hub.models import User
        from tandem.hub.services import calendar_setup

        with self.db.read() as session:
            emails = [e for e in session.scalars(sa.select(User.email).where(User.email.is_not(None))) if e]
        server = EmulatorServer(domain="example.com", users=emails, port=self.settings.demo_calendar_port)
        with server, tempfile.TemporaryDirectory() as keys:
            account = server.state.register_service_account(key_dir=Path(keys))
            with self.db.write() as session:
                calendar_setup.configure(
                    session,
                    self.secrets(),
                    key=(Path(keys) / "key.json").read_bytes(),
                    password=None,
                    service_account_email=account.email,
                    token_uri=server.token_uri,
                    api_root=server.api_root,
                    batch_uri=f"{server.base_url}/batch/calendar/v3",
                )
                calendar_setup.set_enabled(session, True)
            self.sync_store().forget_calendar()
            with self.db.read() as session:
                calendar_seed.seed_calendar(server.state, session, utcnow().date())
            log.info(
                "demo calendar (Google emulator) on %s: see %s/emulator/calendars/<email>",
                server.base_url,
                server.base_url,
            )
            yield server

    @contextlib.contextmanager
    def demo_caldav(self) -> Iterator[EmbeddedRadicale]:
        """The demo's calendars on a real CalDAV server: Radicale embedded on
        `demo_calendar_port`, its storage in radicale/ beside the hub's SQLite file (the
        working directory for PostgreSQL), every user with an email signing in with the demo
        password, Tandem configured with it. Unlike the emulator's, these calendars outlive a
        restart, so Tandem's links to them are kept: they are dropped only when the
        connection saved before pointed elsewhere (the emulator, another server)."""
        from tandem.demo import calendar_seed, organisation
        from tandem.demo.radicale import EmbeddedRadicale
        from tandem.hub.models import User
        from tandem.hub.services import calendar_setup

        with self.db.read() as session:
            emails = [e for e in session.scalars(sa.select(User.email).where(User.email.is_not(None))) if e]
            before = calendar_setup.load_caldav(session, self.secrets())
        users = dict.fromkeys(emails, organisation.DEMO_PASSWORD)
        with EmbeddedRadicale(
            demo_folder(self.settings) / "radicale", self.settings.demo_calendar_port, users
        ) as radicale:
            template = radicale.calendar_url_template
            if before is None or before.url != template or before.username != "{email}":
                with self.db.write() as session:
                    calendar_setup.configure_caldav(
                        session,
                        self.secrets(),
                        url=template,
                        discover=False,
                        username="{email}",
                        password=organisation.DEMO_PASSWORD,
                    )
                    calendar_setup.set_enabled(session, True)  # links to another calendar are forgotten
            if calendar_seed.OUT_OF_OFFICE_USER in radicale.made:
                radicale.put(
                    calendar_seed.OUT_OF_OFFICE_USER,
                    "demo-physiotherapy",
                    calendar_seed.caldav_entry(utcnow().date()),
                )
            log.info("demo calendar (Radicale, CalDAV) on %s", radicale.url)
            yield radicale

    def purge(self) -> retention.Purged:
        """Forget tombstones and change-log rows older than `tombstone_retention_days`."""
        from tandem.hub.services import retention

        with self.db.write() as session:
            return retention.purge(session, utcnow(), self.settings.tombstone_retention_days)

    def _demo_calendar_running(self) -> contextlib.AbstractContextManager[object]:
        """The demo calendar `demo_calendar_kind` names, while `tandem serve` runs (or nothing)."""
        if not self.settings.demo_calendar:
            return contextlib.nullcontext()
        return self.demo_caldav() if self.settings.demo_calendar_kind == "caldav" else self.demo_calendar()

    def serving_app(self) -> FastAPI:
        """The API with the workers beside it (`workers`), started and stopped with the
        server: in a child process by default (`Settings.workers`), so that neither waits
        for the other; "inline" runs them on the server's own event loop."""
        from tandem.hub.api.app import create_app
        from tandem.runtime.worker_process import WorkerProcess

        @asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            with self._demo_calendar_running():
                if self.settings.workers == "inline":
                    async with self.workers():
                        yield
                    return
                process = WorkerProcess(run_worker_process, (self.settings,), ready_timeout_s=WORKERS_READY_S)
                self.hub.on_activity_change.append(process.hub_changed)
                self.hub.on_user_active.append(process.user_active)
                async with process.running():
                    yield

        return self.with_pages(create_app(self.hub, lifespan, self.limits()))

    @asynccontextmanager
    async def workers(self) -> AsyncIterator[SyncRuntime]:
        """The calendar sync runtime, the hourly retention purge and (while that integration
        is enabled) the ERP runs, until the block ends; then they stop gracefully."""
        from tandem.runtime.erp.schedule import run_forever
        from tandem.runtime.housekeeping import every

        runtime = self.sync_runtime()
        await runtime.start()
        stop_erp = asyncio.Event()
        purging = asyncio.create_task(every(3600, self.purge, stop_erp, "retention"), name="retention")
        erp = self.settings.erp
        erp_runs = (
            asyncio.create_task(run_forever(self.erp_integration, erp.interval_s, stop_erp), name="erp-runs")
            if erp.enabled and erp.database_url
            else None
        )
        try:
            yield runtime
        finally:
            stop_erp.set()
            await purging
            if erp_runs is not None:
                await erp_runs
            try:
                await asyncio.wait_for(runtime.stop(), timeout=40)
            except TimeoutError:
                log.error("the calendar sync did not stop within 40 s; leaving it")

    async def serve_parent(self, connection: Connection) -> None:
        """The workers of a child process, until its parent says stop or is gone."""
        from concurrent.futures import ThreadPoolExecutor

        from tandem.runtime import worker_process

        loop = asyncio.get_running_loop()
        if self.db.is_sqlite:
            loop.set_default_executor(ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="sync"))
        stop = asyncio.Event()

        def stop_soon() -> None:
            loop.call_soon_threadsafe(stop.set)

        async with self.workers() as runtime:
            worker_process.announce_ready(connection)
            worker_process.listen(
                connection,
                worker_process.Hooks(
                    changed=runtime.hub_changed,
                    active=runtime.user_active_threadsafe,
                    stop=stop_soon,
                ),
            )
            await stop.wait()

    def close(self) -> None:
        for engine in self.erp_engines:
            engine.dispose()
        self.db.dispose()


def _erp_engine(url: str) -> sa.Engine:
    """An engine on the ERP's database, made as the hub's is (`make_engine`): SQLite (the
    demo's) usable from any thread with SQLAlchemy owning its transactions, so a batch's
    savepoints are savepoints and not a commit each; elsewhere a dropped connection is
    noticed before use. A run uses one connection at a time."""
    return make_engine(url, pool_size=2, max_overflow=4)


WORKERS_READY_S = 60.0
"""How long `tandem serve` waits for its workers' process to start before it serves anyway
(so that "Tandem is ready" comes after their start-up lines; a start takes about a second)."""

WORKER_THREADS = 32
"""Threads of the workers' process for database work on SQLite (asyncio's default is cores +
4): every run's store and hub calls go to a thread, and under load many of them wait their
turn at the file's write lock; with few threads, those waiting held up every other run's
reads. On PostgreSQL, which has no such lock, more threads only made more runs compete for
the CPU (change -> calendar p99 7.0 s with 32, 3.4 s with the default; bench/door_load.py)."""


def log_to_console(level: str, tag: str = "", fmt: LogFormat = "text") -> None:
    """`tandem serve`'s log lines on stderr at `level`, each process's marked by `tag`, as
    readable lines or JSON objects (`fmt`), with the user, run and job they are about
    (`runtime.logcontext`). httpx's line per request (and Alembic's per plugin) only at DEBUG:
    at INFO the first sync's dozens of them buried the server's own lines, "Tandem is ready
    on ..." among them."""
    from tandem.runtime.logcontext import handler

    logging.basicConfig(level=level, handlers=[handler(fmt, tag)], force=True)
    if logging.getLevelName(level.upper()) != logging.DEBUG:
        for chatty in ("httpx", "alembic.runtime.plugins"):  # a line per request; per plugin at each upgrade
            logging.getLogger(chatty).setLevel(logging.WARNING)


def run_worker_process(settings: Settings, connection: Connection) -> None:
    """The child process of `tandem serve` that runs the workers (`Tandem.workers`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the server stops us in order
    log_to_console(settings.log_level, "[worker] ", settings.log_format)
    t = build(settings)
    try:
        asyncio.run(t.serve_parent(connection))
    finally:
        t.close()


def build(settings: Settings) -> Tandem:
    settings = with_demo_erp(settings)
    db = Database.from_url(settings.database_url)
    hub = HubContext(
        db=db,
        access_token_lifetime_s=settings.access_token_lifetime_s,
        refresh_token_lifetime_s=settings.refresh_token_lifetime_s,
    )
    return Tandem(settings=settings, db=db, hub=hub)


DEMO_ERP_FILE = "visma.db"


def demo_folder(settings: Settings) -> Path:
    """Where the demo keeps its files (the demo ERP, the demo calendars): beside the hub's
    SQLite file; the working directory for PostgreSQL."""
    database = sa.make_url(normalise_url(settings.database_url)).database
    if database and settings.database_url.startswith("sqlite") and database != ":memory:":
        return Path(database).resolve().parent
    return Path.cwd()


def with_demo_erp(settings: Settings) -> Settings:
    """`settings` with the demo's ERP (`demo_erp`): `[erp]` pointing at visma.db beside the
    hub's SQLite file (in the working directory for PostgreSQL), the demo's Group-field
    exclusions, its schedule on. Settings that name an ERP database are left as they are."""
    if not settings.demo_erp or settings.erp.database_url:
        return settings
    from tandem.demo.visma_business.database import demo_settings

    erp = settings.erp.model_copy(
        update={
            "database_url": f"sqlite:///{demo_folder(settings) / DEMO_ERP_FILE}",
            "enabled": True,
            "visma": demo_settings(settings.erp.visma),
        }
    )
    return settings.model_copy(update={"erp": erp})
