"""The one place where database failures become Tandem's errors (`tandem.domain.errors`).

    sqlalchemy OperationalError, InterfaceError, TimeoutError → Unavailable (retry later)
    IntegrityError (unique/duplicate)                          → AlreadyExists
    IntegrityError (other), DataError                          → InvalidRequest (we sent it)
    ProgrammingError, NoSuchTableError, NoSuchColumnError      → ConfigurationError (the
                                                                 mapping names something the
                                                                 database does not have)
    any other SQLAlchemyError                                  → Unavailable

Messages carry the driver's own message, never the connection URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from tandem.domain.errors import AlreadyExists, ConfigurationError, InvalidRequest, Unavailable


def _message(exc: sa.exc.SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    text = str(original) if original is not None else str(exc).split("\n", 1)[0]
    return f"Visma Business database: {text.strip()}"


@contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as exc:
        text = _message(exc)
        if "no such table" in text or "no such column" in text:  # SQLite says so as an OperationalError
            raise ConfigurationError(f"{text} (check the [erp.visma] table and column names)") from exc
        raise Unavailable(text) from exc
    except sa.exc.IntegrityError as exc:
        text = _message(exc)
        lowered = text.lower()
        if "unique" in lowered or "duplicate" in lowered:
            raise AlreadyExists(text) from exc
        raise InvalidRequest(text) from exc
    except sa.exc.DataError as exc:
        raise InvalidRequest(_message(exc)) from exc
    except (sa.exc.ProgrammingError, sa.exc.NoSuchTableError, sa.exc.NoSuchColumnError) as exc:
        raise ConfigurationError(f"{_message(exc)} (check the [erp.visma] table and column names)") from exc
    except sa.exc.SQLAlchemyError as exc:
        raise Unavailable(_message(exc)) from exc
