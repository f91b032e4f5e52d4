"""Signing a document's PDF/A as the agency's electronic copy, and checking incoming signatures."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from sohoa.config import Settings
from sohoa.signing.keys import SignerConfigError, copy_form, open_signer
from sohoa.signing.pdfa_signed import validate_signed
from sohoa.signing.sign import sign_pdf
from sohoa.signing.verify import check_signatures, load_trust_roots
from tests.signing_fixtures import (
    AGENCY,
    PIN,
    make_pdfa,
    pkcs12_env,
    real_dev,
    softhsm_available,
    softhsm_token,
    timestamp_authority,
    write_secret,
)
from tests.signing_pki import Pki, make_pki


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in [n for n in os.environ if n.startswith("SOHOA_")]:
        monkeypatch.delenv(name)
    yield monkeypatch


def _configure(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def _sign(settings: Settings, source: Path, destination: Path) -> None:
    with open_signer(settings) as signer:
        sign_pdf(source, destination, signer, copy_form(settings), settings.tsa_url)


def _signed_copy(settings: Settings, folder: Path) -> tuple[Path, Path]:
    """A PDF/A made in `folder`, and its signed copy."""
    unsigned, signed = make_pdfa(folder / "doc"), folder / "signed.pdf"
    _sign(settings, unsigned, signed)
    return unsigned, signed


@pytest.fixture
def pkcs12_settings(tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch) -> Settings:
    return _configure(settings_env, pkcs12_env(pki, tmp_path))


def _pyhanko_status(path: Path, pki: Pki) -> object:
    root = x509.Certificate.load(pki.root.der)
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    with path.open("rb") as f:
        [signature] = PdfFileReader(f).embedded_signatures
        return validate_pdf_signature(signature, context, ts_validation_context=context)


def test_pkcs12_signed_copy_validates_against_the_test_root_and_stays_pdfa_2b(
    tmp_path: Path, pki: Pki, pkcs12_settings: Settings
) -> None:
    unsigned, signed = _signed_copy(pkcs12_settings, tmp_path)

    status = _pyhanko_status(signed, pki)
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE  # type: ignore[attr-defined]
    assert validate_signed(signed).passed
    # An incremental update: the PDF/A's bytes are the signed file's beginning.
    assert signed.read_bytes().startswith(unsigned.read_bytes())


def test_signing_leaves_the_xmp_packet_and_its_sohoa_prefix_as_written(
    tmp_path: Path, pkcs12_settings: Settings
) -> None:
    unsigned, signed = _signed_copy(pkcs12_settings, tmp_path)
    with pikepdf.open(unsigned) as before, pikepdf.open(signed) as after:
        packet = after.Root.Metadata.read_bytes()
        assert packet == before.Root.Metadata.read_bytes()
    assert b"<sohoa:so_ky_hieu>245/Q" in packet and b"ns0:" not in packet


def test_one_altered_byte_breaks_the_signature(
    tmp_path: Path, pki: Pki, pkcs12_settings: Settings
) -> None:
    _, signed = _signed_copy(pkcs12_settings, tmp_path)
    data = bytearray(signed.read_bytes())
    data[data.index(b"quyet_dinh")] ^= 0x01  # inside the signed range, in the XMP
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))

    [record] = check_signatures(altered, load_trust_roots(pki.write_root(tmp_path / "roots")))
    assert not record.intact
    assert "altered after it was signed" in record.reason


def test_a_truncated_signed_pdf_is_recorded_with_a_reason_not_raised(
    tmp_path: Path, pkcs12_settings: Settings
) -> None:
    _, signed = _signed_copy(pkcs12_settings, tmp_path)
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(signed.read_bytes()[:-2000])
    records = check_signatures(truncated, [])
    assert records and not any(r.intact for r in records)
    assert all("revocation not checked" in r.reason for r in records)


def test_copy_shows_form_agency_and_time_as_text_top_right_of_page_one(
    tmp_path: Path, pkcs12_settings: Settings
) -> None:
    _, signed = _signed_copy(pkcs12_settings, tmp_path)
    shown = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", str(signed), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "SAO Y" in shown and AGENCY in shown and "+07:00" in shown
    with pikepdf.open(signed) as pdf:
        page = pdf.pages[0]
        [widget] = page.Annots
        x0, y0, _, _ = (float(v) for v in widget.Rect)
        _, _, width, height = (float(v) for v in page.MediaBox)
        assert x0 > width / 2 and y0 > height / 2
        resources = widget.AP.N.Resources
        assert "/XObject" not in resources  # text only, no image
        [font] = resources.Font.values()
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor  # embedded


def test_softhsm2_token_signs(tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch) -> None:
    if not softhsm_available():
        pytest.skip("SoftHSM2 is not installed (Makefile's APT_PACKAGES)")
    settings = _configure(settings_env, softhsm_token(pki, tmp_path / "hsm"))
    _, signed = _signed_copy(settings, tmp_path)
    status = _pyhanko_status(signed, pki)
    assert status.intact and status.valid and status.trusted  # type: ignore[attr-defined]
    assert validate_signed(signed).passed


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SOHOA_SIGN_PIN_FILE", "wrong-pin", "cannot log in to the token"),
        ("SOHOA_SIGN_PKCS11_TOKEN", "no-such-token", "cannot log in to the token"),
        ("SOHOA_SIGN_PKCS11_KEY", "no-such-key", "holds no key and certificate"),
    ],
)
def test_a_token_that_cannot_sign_is_a_clear_error(
    tmp_path: Path,
    pki: Pki,
    settings_env: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    if not softhsm_available():
        pytest.skip("SoftHSM2 is not installed (Makefile's APT_PACKAGES)")
    env = softhsm_token(pki, tmp_path / "hsm")
    if variable == "SOHOA_SIGN_PIN_FILE":
        write_secret(Path(env[variable]), value)
    else:
        env[variable] = value
    settings = _configure(settings_env, env)
    with pytest.raises(SignerConfigError, match=message) as raised, open_signer(settings):
        pass
    assert PIN not in str(raised.value) and "wrong-pin" not in str(raised.value)


def test_timestamp_authority_makes_the_signature_b_t(
    tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch
) -> None:
    with timestamp_authority(pki) as url:
        settings = _configure(settings_env, {**pkcs12_env(pki, tmp_path), "SOHOA_TSA_URL": url})
        _, signed = _signed_copy(settings, tmp_path)
    status = _pyhanko_status(signed, pki)
    assert status.timestamp_validity is not None  # type: ignore[attr-defined]
    assert status.timestamp_validity.trusted  # type: ignore[attr-defined]
    assert validate_signed(signed).passed


def test_the_password_may_come_from_the_environment_instead_of_a_file(
    tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch
) -> None:
    env = pkcs12_env(pki, tmp_path)
    env["SOHOA_SIGN_PASSWORD"] = Path(env.pop("SOHOA_SIGN_PASSWORD_FILE")).read_text().strip()
    _, signed = _signed_copy(_configure(settings_env, env), tmp_path)
    assert check_signatures(signed, [])[0].intact


def test_wrong_password_is_a_clear_error_before_anything_is_signed(
    tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch
) -> None:
    env = pkcs12_env(pki, tmp_path)
    write_secret(Path(env["SOHOA_SIGN_PASSWORD_FILE"]), "sai")
    settings = _configure(settings_env, env)
    with pytest.raises(SignerConfigError, match="wrong password"), open_signer(settings):
        pass


@pytest.mark.parametrize(
    ("dropped", "message"),
    [
        ("SOHOA_SIGN_PKCS12", "no signing key"),
        ("SOHOA_SIGN_PASSWORD_FILE", "SOHOA_SIGN_PASSWORD_FILE is not set"),
        ("SOHOA_SIGN_AGENCY", "SOHOA_SIGN_AGENCY is not set"),
    ],
)
def test_missing_setting_is_named_in_the_error(
    tmp_path: Path, pki: Pki, settings_env: pytest.MonkeyPatch, dropped: str, message: str
) -> None:
    env = pkcs12_env(pki, tmp_path)
    del env[dropped]
    settings = _configure(settings_env, env)
    with pytest.raises(SignerConfigError, match=message):
        copy_form(settings)
        with open_signer(settings):
            pass


def test_signature_chains_to_a_configured_root_only(
    tmp_path: Path, pki: Pki, pkcs12_settings: Settings
) -> None:
    _, signed = _signed_copy(pkcs12_settings, tmp_path)

    [untrusted] = check_signatures(signed, [])
    [trusted] = check_signatures(signed, load_trust_roots(pki.write_root(tmp_path / "roots")))
    assert untrusted.intact and untrusted.covers_whole_file and not untrusted.trusted
    assert trusted.trusted and "Ủy ban nhân dân xã Thử" in (trusted.signer or "")
    assert "revocation not checked" in trusted.reason


def test_a_file_that_is_not_a_certificate_in_the_trust_roots_is_an_error(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad.pem").write_text("not a certificate")
    with pytest.raises(SignerConfigError, match=r"bad\.pem"):
        load_trust_roots(tmp_path)


def test_real_quang_ngai_signatures_are_intact_with_their_signer_and_untrusted() -> None:
    real = real_dev()
    if real is None:
        pytest.skip("the real development set is not here")
    signed = sorted((real / "ocr-local-vbhc").glob("*.signed_*.pdf"))
    if not signed:
        pytest.skip("no signed PDFs in the real development set")
    for path in signed:
        records = check_signatures(path, [])
        assert records, path.name
        assert all(r.intact and not r.trusted for r in records), path.name
        assert records[-1].covers_whole_file, path.name
        assert any("QUẢNG NGÃI" in (r.signer or "").upper() for r in records), path.name
