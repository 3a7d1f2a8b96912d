"""The cursor `changes` hands out: a sync token, or the calendar's etag map.

    sync:<token>     the server's RFC 6578 sync token, as it gave it
    etags:<blob>     for a server without sync-collection: the etag of every resource at
                     the last read (JSON, zlib, base64url); the next read lists the etags
                     again (PROPFIND depth 1) and fetches only what differs. Nothing is
                     ever made up from content: an etag is the server's.

Any other text (a cursor from another backend, or damaged) is `FullSyncRequired`.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib

from tandem.domain.errors import FullSyncRequired

SYNC = "sync:"
ETAGS = "etags:"


def of_token(token: str) -> str:
    return SYNC + token


def of_etags(etags: dict[str, str]) -> str:
    packed = zlib.compress(json.dumps(etags, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return ETAGS + base64.urlsafe_b64encode(packed).decode("ascii")


def token_of(cursor: str | None) -> str | None:
    """The sync token inside a cursor; "" for none (a full read); None for an etag cursor."""
    if cursor is None:
        return ""
    if cursor.startswith(SYNC):
        return cursor[len(SYNC) :]
    if cursor.startswith(ETAGS):
        return None
    raise FullSyncRequired(f"a cursor this CalDAV adapter did not make ({cursor[:20]!r}…)")


def etags_of(cursor: str) -> dict[str, str]:
    try:
        loaded = json.loads(zlib.decompress(base64.urlsafe_b64decode(cursor[len(ETAGS) :])))
    except (ValueError, zlib.error, binascii.Error) as error:
        raise FullSyncRequired("a damaged etag cursor") from error
    if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
        raise FullSyncRequired("a damaged etag cursor")
    return {str(k): v for k, v in loaded.items()}
