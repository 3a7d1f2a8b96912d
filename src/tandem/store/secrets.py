"""Secrets at rest (calendar keys and passwords): encrypted with a key kept outside the
database, in a file only the server's user can read.

The key file is created on first use (mode 600). Losing it makes stored secrets
unreadable, which is the point: a copy of the database alone gives nothing away.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class SecretsUnreadable(Exception):
    """Stored secrets cannot be decrypted with this key (the key file changed)."""


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    def derive_key(self, purpose: str) -> bytes:
        """A key of its own for `purpose` (such as signing the web's session cookies), made
        from the key file: one file to keep, and no derived key tells anything of another."""
        return hmac.new(self._key, b"tandem derived key: " + purpose.encode(), hashlib.sha256).digest()

    @classmethod
    def from_file(cls, path: Path) -> SecretBox:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, secret: bytes) -> bytes:
        return self._fernet.encrypt(secret)

    def open(self, sealed: bytes) -> bytes:
        try:
            return self._fernet.decrypt(sealed)
        except InvalidToken:
            raise SecretsUnreadable("stored secrets cannot be decrypted with the current key file") from None

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"
