"""Settings: a TOML file plus `TANDEM_*` environment variables.

Precedence, highest first: explicit arguments, environment (`TANDEM_DATABASE_URL`,
nested with `__`: `TANDEM_SYNC__POLL_INTERVAL_S`), the TOML file (`--config`,
`TANDEM_CONFIG`, or `./tandem.toml` when present), then the defaults below.
Nothing here connects to anything; `bootstrap.build` does that.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import typing
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tandem.connectors.visma_business.settings import VismaBusinessSettings
from tandem.runtime.erp.settings import ErpSyncSettings

DEFAULT_CONFIG_FILE = Path("tandem.toml")
_config_file: ContextVar[Path | None] = ContextVar("tandem_config_file", default=None)


class SyncSettings(BaseModel):
    poll_interval_s: float = Field(30.0, gt=0, description="Calendar-side polling cycle per user (CAL-8).")
    push_debounce_s: float = Field(0.2, ge=0, description="Wait this long after a hub change before pushing.")
    activity_debounce_s: float = Field(5.0, ge=0, description="Debounce of login/activity triggers.")
    max_delete_share: float = Field(
        0.5, gt=0, le=1, description="A run deleting more than this share of a user's items stops and asks (BEY-3)."
    )
    max_delete_min_items: int = Field(10, ge=0, description="The breaker ignores runs that delete fewer items.")
    initial_cutoff_days: int = Field(30, ge=0, description="CAL-10: entries that ended longer ago are left alone.")
    workers: int = Field(50, ge=1, description="User syncs run at once in one process.")


class HttpSettings(BaseModel):
    """`[http]`: what the server takes from a client before it stops waiting (BEY-11)."""

    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="The largest request body (413 past it).")
    body_timeout_s: float = Field(30.0, gt=0, description="A request's whole body must arrive within this (408).")
    head_timeout_s: float = Field(10.0, gt=0, description="A request's line and headers must arrive within this.")


class ErpSettings(ErpSyncSettings):
    """`[erp]`: the ERP integration (ERP-1..ERP-7), see docs/erp.md.

    Inherited from `ErpSyncSettings`: `[erp.entities.<entity>]` (`transfer`, `master`,
    `create_in_psa`, `create_in_erp`), `transfer_invoices`, `full_read_every`. The Visma
    Business mapping (tables, columns, Group-field exclusions) is `[erp.visma]`.
    """

    enabled: bool = Field(
        False,
        description="`tandem serve` runs the ERP schedule in this process. Each run still happens only while "
        "the integration is enabled for the organisation (`tandem erp enable`, guarded by the preflight).",
    )
    database_url: str | None = Field(None, description="The Visma Business database (an SQLAlchemy URL).")
    interval_s: float = Field(600.0, gt=0, description="ERP-7: run every 10 minutes by default.")
    visma: VismaBusinessSettings = Field(default_factory=VismaBusinessSettings)
    project_customer: int | None = Field(
        None, description="Customer number of projects that come from the ERP (default: the internal customer)."
    )
    project_owner: str | None = Field(
        None, description="User code of the owner of projects that come from the ERP (default: the first admin)."
    )
    batch_size: int = Field(
        200, ge=1, description="Records whose hub writes share one transaction (each in its own savepoint)."
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TANDEM_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    database_url: str = "sqlite:///./tandem.db"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    secret_key_file: Path = Field(
        Path("tandem.key"), description="Key that encrypts secrets at rest; created (mode 600) when missing."
    )
    demo_on_first_start: bool = Field(False, description="Load the demo organisation into an empty database.")
    demo_calendar: bool = Field(
        False,
        description="Run a demo calendar server beside Tandem (demo_calendar_kind) and sync the demo users to it.",
    )
    demo_calendar_port: int = Field(8765, ge=0, le=65535)
    demo_calendar_kind: Literal["google", "caldav"] = Field(
        "caldav",
        description="The demo calendar (with demo_calendar): an embedded Radicale (CalDAV), its calendars in "
        "radicale/ beside the hub's SQLite file; or the Google Calendar emulator, in memory.",
    )
    demo_erp: bool = Field(
        False,
        description="A demo Visma Business company as the ERP (visma.db beside the hub's SQLite file) when "
        "[erp] database_url is not set: made on first start, the integration enabled, a first run done.",
    )
    tombstone_retention_days: int = Field(90, ge=1, description="Deleted activities are kept this long.")
    access_token_lifetime_s: int = Field(3600, ge=60)
    refresh_token_lifetime_s: int = Field(30 * 24 * 3600, ge=60)
    log_level: str = "INFO"
    metrics_token: SecretStr | None = Field(
        None, description="The bearer token a Prometheus scraper of /metrics shows; unset: /metrics is off."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="tandem serve's log lines: readable text, or one JSON object per line."
    )
    workers: Literal["process", "inline"] = Field(
        "process",
        description="Where `tandem serve` runs the workers (calendar sync, retention, ERP runs): a child "
        "process of their own, so the API never waits for them, or `inline` on the server's event loop.",
    )
    sync: SyncSettings = SyncSettings()
    http: HttpSettings = HttpSettings()
    erp: ErpSettings = ErpSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _config_file.get()
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)


class SettingsError(Exception):
    """Settings that cannot be used, said in one line that names the file and the setting."""


def load_settings(
    config_file: Path | None = None, *, warn: Callable[[str], None] | None = None, **overrides: Any
) -> Settings:
    """Read settings; `config_file` wins over `TANDEM_CONFIG` and `./tandem.toml`. A file
    that is missing, not TOML, or holds a value that is not allowed raises `SettingsError`;
    a key the settings do not have (a misspelling, most likely) goes to `warn`."""
    path, named_by = config_file, "--config"
    if path is None and os.environ.get("TANDEM_CONFIG"):
        path, named_by = Path(os.environ["TANDEM_CONFIG"]), "TANDEM_CONFIG"
    if path is None and DEFAULT_CONFIG_FILE.exists():
        path = DEFAULT_CONFIG_FILE
    if path is not None:
        if not path.is_file():
            raise SettingsError(f"The configuration file {path} (named by {named_by}) does not exist.")
        data = _read_toml(path)
        if warn is not None:
            for key in unknown_keys(data, Settings):
                warn(f"{path}: {key} is not a setting; it is ignored{_did_you_mean(key)}")
    token = _config_file.set(path)
    try:
        return Settings(**overrides)
    except ValidationError as invalid:
        where = f"{path}: " if path is not None else ""
        problems = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in invalid.errors())
        raise SettingsError(f"{where}{problems} (a setting from the file or a TANDEM_* variable)") from None
    finally:
        _config_file.reset(token)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"The configuration file {path} is not valid TOML: {error}.") from None
    except OSError as error:
        raise SettingsError(f"The configuration file {path} cannot be read: {error.strerror}.") from None


def _location(loc: tuple[int | str, ...]) -> str:
    *sections, key = [str(part) for part in loc] or ["?"]
    return f"[{'.'.join(sections)}] {key}" if sections else key


def unknown_keys(data: Mapping[str, Any], model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """The keys of a settings file that `model` does not have, as `[section] key`."""
    for key, value in data.items():
        field = model.model_fields.get(key)
        if field is None:
            yield f"[{prefix}] {key}" if prefix else key
            continue
        where = f"{prefix}.{key}" if prefix else key
        inner, keyed = _section(field.annotation)
        if inner is None or not isinstance(value, Mapping):
            continue
        if not keyed:
            yield from unknown_keys(value, inner, where)
            continue
        for name, each in value.items():
            if isinstance(each, Mapping):
                yield from unknown_keys(each, inner, f"{where}.{name}")


def _section(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The settings model of a field that is a section (`[sync]`), or of each entry of a
    field that is a table of sections (`[erp.entities.<entity>]`: True)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is dict and len(args) == 2:
        inner, _ = _section(args[1])
        return inner, inner is not None
    return None, False


def _did_you_mean(key: str) -> str:
    section, _, name = key.rpartition("] ")
    model: type[BaseModel] | None = Settings
    parts = section.strip("[").split(".") if section else []
    skip = False
    for part in parts:
        if skip or model is None:
            skip = False
            continue
        field = model.model_fields.get(part)
        model, skip = _section(field.annotation) if field is not None else (None, False)
    if model is None:
        return ""
    close = difflib.get_close_matches(name, list(model.model_fields), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
