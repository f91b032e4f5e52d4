"""What closes the embedded SeaweedFS server's ports: its ``security.toml`` and TLS files.

``weed mini`` opens an HTTP and a gRPC port for each of its parts (master, volume server,
filer, S3 gateway, admin), all of them unauthenticated by default. Written into weed's working
directory (where it looks first), this file makes:

- every HTTP port (master, volume server, filer, admin) speak HTTPS only and demand a client
  certificate from a CA made here for this run (mutual TLS, ``[https.*]``), weed's own HTTP
  clients present it (``[https.client]``), and the S3 port does the same through weed's flags
  (:func:`s3_tls_flags`): a client without the certificate, a web page included, is refused at
  the handshake and never gets an HTTP answer;
- the volume server refuse every read, write and delete that lacks a JWT signed with a key only
  weed holds (``[jwt.signing]`` and ``[jwt.signing.read]``), and the filer likewise
  (``[jwt.filer_signing]``; its HTTP API is switched off altogether by ``-disableHttp``);
- every gRPC port (and weed's gRPC Unix sockets) demand the same client certificate;
- CORS allow no origin a browser page can have.

Everything is generated afresh on each start (nothing stored by weed depends on these keys)
and kept mode 0600 in the 0700 server folder; no secret ever goes on weed's command line (the
flags name files only). The CA's private key is never written: it signs the one certificate
and is dropped.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sohoa.private import private_file
from sohoa.storage.objects import ClientCertificate

SECURITY_FILE = "security.toml"
CA_FILE = "grpc-ca.crt"
CERT_FILE = "grpc.crt"
KEY_FILE = "grpc.key"
# A reserved name (RFC 2606) that no web page can be served from.
NO_ORIGIN = "https://sohoa.invalid"
# Each part of weed that serves gRPC (server side) or dials it (``client``), by the section
# names weed's security.toml uses.
_GRPC_SECTIONS = ("master", "volume", "filer", "s3", "admin", "client", "worker", "msg_broker")
# Each part of weed that serves HTTP, by the section names weed's security.toml uses.
_HTTPS_SECTIONS = ("master", "volume", "filer", "admin")
# Writes and reads on the volume server, writes and reads on the filer.
_JWT_SECTIONS = ("jwt.signing", "jwt.signing.read", "jwt.filer_signing", "jwt.filer_signing.read")
# In the argv of a server whose S3 port demands the client certificate; a server started by an
# older sohoa lacks it and serves plain HTTP until it is stopped.
S3_VERIFY_CLIENT_FLAG = "-s3.tlsVerifyClientCert"
_CERT_LIFETIME = datetime.timedelta(days=3650)


def write_security_config(folder: Path) -> Path:
    """Write a fresh ``security.toml`` (with its gRPC certificates) into ``folder``."""
    ca_cert, cert, key = _grpc_certificates()
    _write_private(folder / CA_FILE, ca_cert)
    _write_private(folder / CERT_FILE, cert)
    _write_private(folder / KEY_FILE, key)
    path = folder / SECURITY_FILE
    _write_private(path, _security_toml(folder).encode())
    return path


def client_certificate(folder: Path) -> ClientCertificate:
    """The certificate a client of weed's ports (the S3 port included) must present."""
    return ClientCertificate(folder / CA_FILE, folder / CERT_FILE, folder / KEY_FILE)


def s3_tls_flags(folder: Path) -> list[str]:
    """``weed mini``'s flags that make its S3 port demand :func:`client_certificate`."""
    tls = client_certificate(folder)
    return [
        f"-s3.cert.file={tls.cert}",
        f"-s3.key.file={tls.key}",
        f"-s3.cacert.file={tls.ca}",
        S3_VERIFY_CLIENT_FLAG,
    ]


def _security_toml(folder: Path) -> str:
    # json.dumps writes a valid TOML basic string, whatever the folder's name holds.
    ca, cert, key = (json.dumps(str(folder / name)) for name in (CA_FILE, CERT_FILE, KEY_FILE))
    lines = [
        "[cors.allowed_origins]",
        f"values = {json.dumps(NO_ORIGIN)}",
        "[access]",
        "ui = false",
        "[filer.expose_directory_metadata]",
        "enabled = false",
    ]
    for section in _JWT_SECTIONS:
        lines += [f"[{section}]", f'key = "{secrets.token_hex(32)}"', "expires_after_seconds = 10"]
    lines += ["[grpc]", f"ca = {ca}"]
    for section in _GRPC_SECTIONS:
        lines += [f"[grpc.{section}]", f"cert = {cert}", f"key = {key}"]
    for section in _HTTPS_SECTIONS:
        lines += [f"[https.{section}]", f"cert = {cert}", f"key = {key}", f"ca = {ca}"]
    # weed's own HTTP client (filer and S3 to the volume server): https, with our certificate.
    lines += ["[https.client]", "enabled = true", f"cert = {cert}", f"key = {key}", f"ca = {ca}"]
    return "\n".join(lines) + "\n"


def _grpc_certificates() -> tuple[bytes, bytes, bytes]:
    """A one-off CA's certificate, and a certificate and key it signed for every part of weed
    (weed checks no host name, only that the peer's certificate chains to the CA)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sohoa embedded store CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _CERT_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "weed")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _CERT_LIFETIME)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        ca.public_bytes(pem),
        cert.public_bytes(pem),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )


def _write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``, mode 0600 from before the first byte is written."""
    partial = private_file(path.with_name(path.name + ".partial"))
    with partial.open("r+b") as file:
        file.truncate()
        file.write(data)
    partial.replace(path)
