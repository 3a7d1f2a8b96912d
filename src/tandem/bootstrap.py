"""The one wiring point: reads settings and builds engines, adapters and stores.

Nothing in Tandem connects, reads configuration or creates an engine at import time;
everything is built here, from a `Settings`, when an entry point asks.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from tandem import migrations
from tandem.config import Settings
from tandem.hub import demo
from tandem.hub.api.app import create_app
from tandem.hub.api.context import HubContext
from tandem.hub.demo import DemoSummary
from tandem.hub.models.common import utcnow
from tandem.store.db import Database
from tandem.store.secrets import SecretBox


@dataclass
class Tandem:
    settings: Settings
    db: Database
    hub: HubContext

    def app(self) -> FastAPI:
        return create_app(self.hub)

    def secrets(self) -> SecretBox:
        return SecretBox.from_file(self.settings.secret_key_file)

    def upgrade(self) -> None:
        migrations.upgrade(self.db.engine)

    def load_demo(self) -> DemoSummary:
        with self.db.write() as session:
            return demo.load(session, utcnow().date())

    def close(self) -> None:
        self.db.dispose()


def build(settings: Settings) -> Tandem:
    db = Database.from_url(settings.database_url)
    hub = HubContext(
        db=db,
        access_token_lifetime_s=settings.access_token_lifetime_s,
        refresh_token_lifetime_s=settings.refresh_token_lifetime_s,
    )
    return Tandem(settings=settings, db=db, hub=hub)
