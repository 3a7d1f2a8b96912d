"""Which user, run and job a log line is about (BEY-4), and the two ways lines are written.

    with bound(user=user_guid, run=new_run_id()):
        ...   # every line logged in here, in threads and tasks started from here too, says so

The ids live in context variables, so `asyncio.to_thread` and new tasks carry them; `Ids`, a
logging filter on the handler, puts them on each record (`record.ids`). `text` lines are
the readable default, the ids after the level: `2026-12-04 10:00:00 INFO tandem.runtime
[user=… run=…] message`; `json` lines are one object each, for a log collector: `time`,
`level`, `logger`, `message`, the ids that are set, and `error` with the traceback.

What is logged never carries a secret (docs/security.md): the adapters log no header and
no body, and httpx's own line per request (a URL, never its Authorization) only at DEBUG.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal

LogFormat = Literal["text", "json"]
NAMES = ("user", "run", "job")

_ids: ContextVar[dict[str, str] | None] = ContextVar("tandem_log_ids", default=None)


def new_run_id() -> str:
    """A short id for one run, unique enough to find its lines among a day's."""
    return uuid.uuid4().hex[:12]


@contextlib.contextmanager
def bound(**ids: str | None) -> Iterator[None]:
    """The lines logged inside the block carry these ids (beside those bound outside it)."""
    current = _ids.get() or {}
    token = _ids.set(current | {name: value for name, value in ids.items() if value})
    try:
        yield
    finally:
        _ids.reset(token)


def current() -> dict[str, str]:
    return dict(_ids.get() or {})


class Ids(logging.Filter):
    """Puts the bound ids on every record it sees (`record.ids`, and `record.id_text` for text
    lines); filters nothing out."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids = current()
        record.ids = ids
        shown = " ".join(f"{name}={ids[name]}" for name in NAMES if name in ids)
        record.id_text = f"[{shown}] " if shown else ""
        return True


def text_formatter(tag: str = "") -> logging.Formatter:
    return logging.Formatter(f"%(asctime)s %(levelname)s %(name)s {tag}%(id_text)s%(message)s")


class JsonFormatter(logging.Formatter):
    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.process:
            line["process"] = self.process
        line |= getattr(record, "ids", {})
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def handler(fmt: LogFormat, tag: str = "") -> logging.Handler:
    """A stderr handler writing `fmt` lines with the bound ids; `tag` names the process."""
    out = logging.StreamHandler()
    out.addFilter(Ids())
    out.setFormatter(JsonFormatter(tag.strip(" []")) if fmt == "json" else text_formatter(tag))
    return out
