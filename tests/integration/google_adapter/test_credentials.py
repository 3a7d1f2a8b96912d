"""Loading the service account's key (CAL-2): the P12 file with its password, or the JSON
key; every way the upload can be wrong has its own message, and no secret shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tandem.connectors.google import GoogleSettings, load_json_key, load_key, load_p12_key
from tandem.domain.errors import ConfigurationError
from tandem.emulators.google import ServiceAccount


def _ec_p12(password: bytes) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not-google")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password)
    return pkcs12.serialize_key_and_certificates(b"privatekey", key, certificate, None, encryption)


def test_cal_2_a_p12_file_with_its_password_loads_an_rsa_key(key_dir: Path, account: ServiceAccount) -> None:
    key = load_p12_key((key_dir / "key.p12").read_bytes(), password="notasecret", service_account_email=account.email)
    assert key.email == account.email
    assert key.source == "p12"
    assert key.key_bits == 2048
    assert key.client_id == account.client_id  # from the certificate's subject, for messages


def test_cal_2_a_json_key_loads_with_its_account_and_key_id(key_dir: Path, account: ServiceAccount) -> None:
    key = load_json_key((key_dir / "key.json").read_bytes())
    assert (key.email, key.key_id, key.client_id, key.source) == (
        account.email,
        account.key_id,
        account.client_id,
        "json",
    )


def test_cal_2_load_key_tells_the_two_kinds_apart(key_dir: Path, account: ServiceAccount) -> None:
    assert load_key((key_dir / "key.json").read_bytes()).source == "json"
    p12 = load_key((key_dir / "key.p12").read_bytes(), password="notasecret", service_account_email=account.email)
    assert p12.source == "p12"


def test_cal_2_wrong_p12_password_has_its_own_message(key_dir: Path, account: ServiceAccount) -> None:
    with pytest.raises(ConfigurationError, match="password is wrong") as caught:
        load_p12_key((key_dir / "key.p12").read_bytes(), password="guess-1234", service_account_email=account.email)
    assert "guess-1234" not in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01garbage" * 50, b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", b""],
    ids=["random-bytes", "pem-text", "empty"],
)
def test_cal_2_corrupt_or_wrong_type_key_file_has_its_own_message(content: bytes, account: ServiceAccount) -> None:
    with pytest.raises(ConfigurationError, match="not a PKCS#12"):
        load_key(content, password="notasecret", service_account_email=account.email)


def test_cal_2_a_truncated_p12_download_is_reported_as_damaged(key_dir: Path, account: ServiceAccount) -> None:
    data = (key_dir / "key.p12").read_bytes()
    with pytest.raises(ConfigurationError, match="damaged"):
        load_p12_key(data[: len(data) // 2], password="notasecret", service_account_email=account.email)


def test_cal_2_a_key_that_is_not_rsa_has_its_own_message(account: ServiceAccount) -> None:
    with pytest.raises(ConfigurationError, match=r"elliptic-curve .*not an RSA key"):
        load_p12_key(_ec_p12(b"notasecret"), password="notasecret", service_account_email=account.email)


def test_cal_2_a_p12_needs_the_account_email_beside_it(key_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match="service-account email is missing"):
        load_p12_key((key_dir / "key.p12").read_bytes(), password="notasecret", service_account_email=None)


def test_cal_2_json_that_is_not_a_service_account_key_has_its_own_message() -> None:
    user_credentials = json.dumps({"type": "authorized_user", "client_id": "1", "refresh_token": "x"}).encode()
    with pytest.raises(ConfigurationError, match=r"not a service-account key .*authorized_user"):
        load_key(user_credentials)
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        load_key(b"{ this is not json")


def test_cal_2_json_key_missing_fields_names_them(key_dir: Path) -> None:
    info = json.loads((key_dir / "key.json").read_text())
    del info["private_key"]
    with pytest.raises(ConfigurationError, match="misses the field\\(s\\) private_key"):
        load_key(json.dumps(info).encode())


def test_cal_2_json_key_with_an_unreadable_private_key_says_so(key_dir: Path) -> None:
    info = json.loads((key_dir / "key.json").read_text())
    pem_label = "PRIVATE " + "KEY"  # spelled apart: no tracked file holds a key, not even a broken one
    info["private_key"] = f"-----BEGIN {pem_label}-----\nbroken\n-----END {pem_label}-----\n"
    with pytest.raises(ConfigurationError, match="private_key cannot be read"):
        load_key(json.dumps(info).encode())


def test_cal_2_json_key_of_another_account_than_the_settings_name(key_dir: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"belongs to .* but the settings name"):
        load_key((key_dir / "key.json").read_bytes(), service_account_email="other@elsewhere.iam.gserviceaccount.com")


def test_cal_2_no_secret_in_the_reprs_of_keys_and_settings(key_dir: Path, account: ServiceAccount) -> None:
    p12 = (key_dir / "key.p12").read_bytes()
    key = load_p12_key(p12, password="notasecret", service_account_email=account.email)
    settings = GoogleSettings(p12, "notasecret", account.email)
    shown = repr(key) + str(key) + repr(settings) + str(settings)
    assert "notasecret" not in shown
    assert "PRIVATE KEY" not in shown
    assert account.email in repr(settings)
