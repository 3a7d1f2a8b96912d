"""Service accounts and their key files, shaped like the ones the Google Cloud console hands out.

An admin downloads either `key.json` (the JSON key: `type`, `project_id`, `private_key_id`,
`private_key`, `client_email`, `client_id`, `token_uri`, ...) or `key.p12` (PKCS#12 with the
password `notasecret`, friendly name `privatekey`, a self-signed certificate, legacy
3DES/SHA-1 protection as Google's files use). Both hold the same RSA key; its id is the
`kid` google-auth puts in the JWT header.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

DEFAULT_P12_PASSWORD = "notasecret"


@dataclass(frozen=True, slots=True)
class ServiceAccount:
    """A service account with one RSA key. The private key never shows in `repr`."""

    email: str
    client_id: str
    key_id: str
    project_id: str
    project_number: str
    private_key_pem: str = field(repr=False)
    certificate_pem: str = field(repr=False)

    def public_key(self) -> rsa.RSAPublicKey:
        key = x509.load_pem_x509_certificate(self.certificate_pem.encode()).public_key()
        assert isinstance(key, rsa.RSAPublicKey)
        return key

    def json_key(self, token_uri: str, base_url: str) -> dict[str, Any]:
        """Google's JSON key format, pointing at the emulator's endpoints."""
        return {
            "type": "service_account",
            "project_id": self.project_id,
            "private_key_id": self.key_id,
            "private_key": self.private_key_pem,
            "client_email": self.email,
            "client_id": self.client_id,
            "auth_uri": f"{base_url}/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": f"{base_url}/oauth2/v1/certs",
            "client_x509_cert_url": f"{base_url}/robot/v1/metadata/x509/{self.email}",
            "universe_domain": "googleapis.com",
        }

    def p12_bytes(self, password: str = DEFAULT_P12_PASSWORD) -> bytes:
        key = serialization.load_pem_private_key(self.private_key_pem.encode(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        certificate = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode())
        )
        return pkcs12.serialize_key_and_certificates(b"privatekey", key, certificate, None, encryption)

    def write_key_files(
        self, directory: Path, *, token_uri: str, base_url: str, password: str = DEFAULT_P12_PASSWORD
    ) -> tuple[Path, Path]:
        """Write `key.p12` and `key.json` (owner-only permissions); returns both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        p12_path, json_path = directory / "key.p12", directory / "key.json"
        p12_path.write_bytes(self.p12_bytes(password))
        json_path.write_text(json.dumps(self.json_key(token_uri, base_url), indent=2) + "\n", encoding="utf-8")
        for path in (p12_path, json_path):
            path.chmod(0o600)
        return p12_path, json_path


def create_service_account(name: str, project_id: str, project_number: str, now: datetime) -> ServiceAccount:
    """A new account with a fresh 2048-bit RSA key and a self-signed certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client_id = str(100000000000000000000 + secrets.randbelow(10**20))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, client_id)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return ServiceAccount(
        email=f"{name}@{project_id}.iam.gserviceaccount.com",
        client_id=client_id,
        key_id=secrets.token_hex(20),
        project_id=project_id,
        project_number=project_number,
        private_key_pem=key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii"),
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    )
