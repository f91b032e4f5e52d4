"""What the signing tests sign with: a PDF/A made by sohoa's writer, a PKCS#12 file, a SoftHSM2
token and a timestamp authority on 127.0.0.1, all made at test time."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, tsp, x509
from cryptography.hazmat.primitives import serialization
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.ingest import iter_pages, open_source
from sohoa.pipeline.pdfa import DocumentInfo, PageSpec, assemble_pdfa, write_page_fragment
from tests.pages import save_jpeg, text_page
from tests.signing_pki import PASSWORD, Pki

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN, KEY, PIN = "sohoa-test", "signer", "246810"
AGENCY = "Ủy ban nhân dân xã Phương Định"


def make_pdfa(folder: Path, word: str = "Quyết") -> Path:
    """A one-page PDF/A-2b with `sohoa` XMP properties, as digitise writes it, whose page
    shows and says `word`."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = save_jpeg(text_page(dpi=100, lines=[word]), folder / "page.jpg", dpi=100)
    [page] = list(iter_pages(open_source(jpeg, jpeg.name)))
    width, height = page.raster.size
    words = (Word(word, Box(100, 200, 300, 250), 95.0),)
    spec = PageSpec(
        original=page.original,
        rotation=0,
        skew=0.0,
        ocr_straightened=0.0,
        dpi=100,
        width_px=width,
        height_px=height,
        text=PageText(width, height, (Line(Box(100, 200, 300, 250), 0.0, -10.0, words),)),
    )
    write_page_fragment(spec, folder / "fragment.pdf")
    info = DocumentInfo(
        "hs-1 quyết định",
        "hs-1",
        "quyet_dinh",
        "sohoa test",
        sohoa={"type": "quyet_dinh", "so_ky_hieu": "245/QĐ-UBND", "needs_review": "False"},
    )
    out = folder / "document.pdf"
    assemble_pdfa([folder / "fragment.pdf"], out, info)
    return out


def write_secret(path: Path, secret: str) -> Path:
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return path


def pkcs12_env(pki: Pki, folder: Path) -> dict[str, str]:
    """The environment that configures the PKCS#12 signer."""
    return {
        "SOHOA_SIGN_PKCS12": str(pki.write_pkcs12(folder / "signer.p12")),
        "SOHOA_SIGN_PASSWORD_FILE": str(write_secret(folder / "password", PASSWORD)),
        "SOHOA_SIGN_AGENCY": AGENCY,
    }


def softhsm_available() -> bool:
    return SOFTHSM_MODULE.is_file() and bool(shutil.which("softhsm2-util"))


def softhsm_token(pki: Pki, folder: Path) -> dict[str, str]:
    """A SoftHSM2 token, in `folder`, holding the signer's key and certificate; returns the
    environment that configures it (SOFTHSM2_CONF included)."""
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    key_pem = folder / "key.pem"
    key_pem.write_bytes(
        pki.signer.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_der = folder / "cert.der"
    cert_der.write_bytes(pki.signer.der)

    def tool(*args: str) -> None:
        subprocess.run(list(args), env=env, check=True, capture_output=True)

    pkcs11_tool = ("pkcs11-tool", "--module", str(SOFTHSM_MODULE), "--token-label", TOKEN)
    # A throwaway token's PINs: on the command line here only.
    tool(
        "softhsm2-util",
        "--init-token",
        "--free",
        "--label",
        TOKEN,
        "--so-pin",
        "13579",
        "--pin",
        PIN,
    )
    tool(
        "softhsm2-util",
        "--import",
        str(key_pem),
        "--token",
        TOKEN,
        "--label",
        KEY,
        "--id",
        "01",
        "--pin",
        PIN,
    )
    tool(
        *pkcs11_tool,
        "--login",
        "--pin",
        PIN,
        "--write-object",
        str(cert_der),
        "--type",
        "cert",
        "--label",
        KEY,
        "--id",
        "01",
    )
    intermediate_der = folder / "intermediate.der"
    intermediate_der.write_bytes(pki.intermediate.der)
    tool(
        *pkcs11_tool,
        "--login",
        "--pin",
        PIN,
        "--write-object",
        str(intermediate_der),
        "--type",
        "cert",
        "--label",
        "intermediate",
        "--id",
        "02",
    )
    key_pem.unlink()
    return {
        "SOFTHSM2_CONF": str(conf),
        "SOHOA_SIGN_PKCS11_MODULE": str(SOFTHSM_MODULE),
        "SOHOA_SIGN_PKCS11_TOKEN": TOKEN,
        "SOHOA_SIGN_PKCS11_KEY": KEY,
        "SOHOA_SIGN_PIN_FILE": str(write_secret(folder / "pin", PIN)),
        "SOHOA_SIGN_AGENCY": AGENCY,
    }


@contextmanager
def timestamp_authority(pki: Pki) -> Iterator[str]:
    """An RFC 3161 timestamp authority on 127.0.0.1; yields its URL."""
    stamper = DummyTimeStamper(
        tsa_cert=x509.Certificate.load(pki.tsa.der),
        tsa_key=keys.PrivateKeyInfo.load(pki.tsa.key_der),
        certs_to_embed=[x509.Certificate.load(pki.intermediate.der)],
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    finally:
        server.shutdown()
        server.server_close()


def real_dev() -> Path | None:
    """The real development set: SOHOA_REAL_DEV, else beside the repository, else the shared
    folder; None when none is here."""
    repo = Path(__file__).resolve().parents[1]
    for candidate in (
        os.environ.get("SOHOA_REAL_DEV"),
        repo.parent / "shared" / "real-dev",
        "/work/shared/real-dev",
    ):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None
