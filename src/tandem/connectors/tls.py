"""One TLS context for every HTTP client the adapters make.

httpx builds a context for each client it makes (reading the CA bundle: ~10 ms of CPU), and
the runtime, `tandem sync` and `calendar test` make an adapter, so a client, each time the
connection is configured again or a command runs. The context holds no per-connection state:
one per process serves them all.
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def tls() -> ssl.SSLContext:
    """httpx's own default (certificates verified against its CA bundle), made once."""
    return httpx.create_ssl_context()
