"""The service account's key, from the P12 file and its password or from the JSON key file.

Google hands an admin either file (CAL-2; the seed's setup uses the P12 and its password).
google-auth reads only the JSON form, so the P12 is opened with `cryptography` and its key
wrapped in `google.auth.crypt.RSASigner`, as GOOGLE_NOTES.md describes. Every way the
admin's upload can be wrong has its own `ConfigurationError`, because "the key does not
work" is useless to someone who picked the wrong file:

    the P12 password is wrong           the P12 file is not a PKCS#12 file (or is damaged)
    the P12 holds no key                 the key is not RSA (Google's keys always are)
    the JSON is not JSON                 the JSON is not a service-account key
    the JSON misses fields               the JSON's private_key cannot be read
    no / a different account email       the P12 was given without its password
    an encryption or key type this server's cryptography library cannot open

`tandem calendar configure` saves nothing that does not open here (`load_key`), so the
connection in use is never replaced by one that cannot work.

Key material and the password never appear in a repr, a log line or an error message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from google.auth import crypt

from tandem.domain.errors import ConfigurationError

JSON_REQUIRED = ("client_email", "private_key")
_KEY_KINDS: tuple[tuple[str, type], ...] = (
    ("an elliptic-curve (EC)", ec.EllipticCurvePrivateKey),
    ("a DSA", dsa.DSAPrivateKey),
    ("an Ed25519", ed25519.Ed25519PrivateKey),
    ("an Ed448", ed448.Ed448PrivateKey),
)
_PKCS7_DATA_OID = bytes.fromhex("06092a864886f70d010701")  # DER of OID 1.2.840.113549.1.7.1


@dataclass(frozen=True, slots=True)
class ServiceAccountKey:
    """A loaded key, ready to sign JWT-bearer assertions. The signer never shows in `repr`."""

    email: str
    signer: Any = field(repr=False, compare=False)
    """A `google.auth.crypt.RSASigner`."""
    key_id: str | None = None
    client_id: str | None = None
    """The OAuth client id the Admin console's delegation entry names (from the JSON key, or
    the P12 certificate's subject); only for messages."""
    source: str = "p12"
    key_bits: int = 0


@lru_cache(maxsize=8)
def load_key(
    data: bytes, *, password: str | None = None, service_account_email: str | None = None
) -> ServiceAccountKey:
    """Load either kind of key file: JSON when it starts like JSON, PKCS#12 otherwise.

    Kept for the process (a few keys): opening an RSA key checks it, ~25 ms of CPU, and an
    adapter is made from the stored key whenever the connection is configured again, and by
    each command. A key that does not open raises each time (errors are not kept)."""
    if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{":  # JSON, maybe behind a BOM
        return load_json_key(data, service_account_email=service_account_email)
    return load_p12_key(data, password=password, service_account_email=service_account_email)


def load_p12_key(data: bytes, *, password: str | None, service_account_email: str | None) -> ServiceAccountKey:
    """The key of a P12 file. The file does not name its account: the admin gives the email."""
    email = _account_email(service_account_email)
    try:
        secret = None if password is None else password.encode("utf-8")
        key, certificate, _others = pkcs12.load_key_and_certificates(data, secret)
    except UnsupportedAlgorithm:
        raise ConfigurationError(
            "the P12 file is encrypted in a way this server cannot open: upload the service account's JSON key "
            "instead (or a P12 file Google Cloud console created)"
        ) from None
    except ValueError:
        if not _looks_like_pkcs12(data):
            raise ConfigurationError(
                "the private key file is not a PKCS#12 (.p12) file, or it is damaged: upload the P12 file "
                "Google Cloud console created for the service account (or its JSON key)"
            ) from None
        if not password:
            raise ConfigurationError(
                "the P12 file needs its password: give it with the file (Google shows it when it creates the "
                "key; it is 'notasecret' unless the console showed another)"
            ) from None
        raise ConfigurationError(
            "the P12 file did not open with the given password: the password is wrong (Google shows it "
            "when it creates the key; it is 'notasecret' unless the console showed another)"
        ) from None
    if key is None:
        raise ConfigurationError("the P12 file holds no private key (only certificates): upload the key file itself")
    signer_key = _rsa_only(key, "the P12 file")
    return ServiceAccountKey(
        email=email,
        signer=crypt.RSASigner(signer_key),  # type: ignore[no-untyped-call]
        key_id=None,
        client_id=_client_id_of(certificate),
        source="p12",
        key_bits=signer_key.key_size,
    )


def load_json_key(data: bytes, *, service_account_email: str | None = None) -> ServiceAccountKey:
    """The key of a JSON key file (`"type": "service_account"`)."""
    try:
        info = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise ConfigurationError("the key file is not valid JSON: upload the JSON key or the P12 file") from None
    if not isinstance(info, dict):
        raise ConfigurationError("the key file is JSON but not a service-account key (not an object)")
    kind = info.get("type")
    if kind != "service_account":
        raise ConfigurationError(
            f"the JSON file is not a service-account key (its type is {kind!r}, not 'service_account'): "
            "create a key for the service account in the Google Cloud console"
        )
    missing = [name for name in JSON_REQUIRED if not isinstance(info.get(name), str) or not info[name].strip()]
    if missing:
        raise ConfigurationError(f"the JSON key misses the field(s) {', '.join(missing)}: download the key again")
    email = str(info["client_email"]).strip()
    if service_account_email and service_account_email.strip().lower() != email.lower():
        raise ConfigurationError(
            f"the JSON key belongs to {email}, but the settings name the service account "
            f"{service_account_email.strip()}: fix one of them"
        )
    try:
        key = serialization.load_pem_private_key(str(info["private_key"]).encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigurationError("the JSON key's private_key cannot be read: download the key again") from None
    signer_key = _rsa_only(key, "the JSON key")
    key_id = info.get("private_key_id")
    client_id = info.get("client_id")
    return ServiceAccountKey(
        email=email,
        signer=crypt.RSASigner(signer_key, key_id=str(key_id) if key_id else None),  # type: ignore[no-untyped-call]
        key_id=str(key_id) if key_id else None,
        client_id=str(client_id) if client_id else None,
        source="json",
        key_bits=signer_key.key_size,
    )


def _account_email(value: str | None) -> str:
    email = (value or "").strip()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise ConfigurationError(
            "the service-account email is missing or not an email address: enter the account's email "
            "(name@project.iam.gserviceaccount.com) beside the P12 file"
        )
    return email


def _rsa_only(key: object, where: str) -> rsa.RSAPrivateKey:
    if not isinstance(key, rsa.RSAPrivateKey):
        kind = next((name for name, cls in _KEY_KINDS if isinstance(key, cls)), "a non-RSA")
        raise ConfigurationError(f"{where} holds {kind} key, not an RSA key: Google service-account keys are RSA")
    return key


def _client_id_of(certificate: x509.Certificate | None) -> str | None:
    """Google's P12 certificates name the account's numeric client id as subject CN (when so)."""
    if certificate is None:
        return None
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    value = str(names[0].value) if names else ""
    return value if value.isdigit() else None


def _der_length(data: bytes, at: int) -> tuple[int | None, int] | None:
    """(length, offset of the content) of the element whose length octets start at `at`;
    length None for BER's indefinite form."""
    if at >= len(data):
        return None
    first = data[at]
    if first < 0x80:
        return first, at + 1
    if first == 0x80:
        return None, at + 1
    count = first & 0x7F
    if count > 4 or at + 1 + count > len(data):
        return None
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _looks_like_pkcs12(data: bytes) -> bool:
    """A whole `PFX`: SEQUENCE { INTEGER 3, ContentInfo { OID pkcs7-data ... } ... }.

    `cryptography` answers a wrong password and a file that is no P12 with the same
    ValueError; the outer structure tells the two apart (and a truncated download, whose
    outer length no longer fits, counts as damaged)."""
    if len(data) < 16 or data[0] != 0x30:
        return False
    outer = _der_length(data, 1)
    if outer is None or (outer[0] is not None and outer[1] + outer[0] != len(data)):
        return False
    start = outer[1]
    if data[start : start + 3] != b"\x02\x01\x03" or data[start + 3 : start + 4] != b"\x30":
        return False
    inner = _der_length(data, start + 4)
    return inner is not None and data[inner[1] : inner[1] + len(_PKCS7_DATA_OID)] == _PKCS7_DATA_OID
