"""The signing key: a PKCS#12 file or a PKCS#11 token (the USB tokens Vietnamese CAs issue).

The password or PIN is read from a file, or from the environment, never from an argument, and
never appears in a message. Every problem with the configuration is found when the signer is
opened, before anything is signed, and raised as `SignerConfigError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from asn1crypto import x509
from pydantic import SecretStr
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.sign import pkcs11, signers

from sohoa.config import Settings


class SignerConfigError(ValueError):
    """The signer is not configured, or its key cannot be opened: nothing is signed."""


@dataclass(frozen=True)
class CopyForm:
    """What the copy shows besides the signature: its form (SAO Y…) and the agency's name."""

    form: str
    agency: str


def copy_form(settings: Settings) -> CopyForm:
    if not settings.sign_agency or not settings.sign_agency.strip():
        raise SignerConfigError(
            "SOHOA_SIGN_AGENCY is not set: name the agency the signed copies are issued by"
        )
    if not settings.sign_form.strip():
        raise SignerConfigError("SOHOA_SIGN_FORM is empty: set the copy form, e.g. SAO Y")
    return CopyForm(form=settings.sign_form.strip(), agency=settings.sign_agency.strip())


def signer_subject(cert: x509.Certificate) -> str:
    return str(cert.subject.human_friendly)


def cert_sha256(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


@contextmanager
def open_signer(settings: Settings) -> Iterator[signers.Signer]:
    """The configured signer, its key opened and its certificate checked; a token's session
    is closed on leaving."""
    pkcs12, module = settings.sign_pkcs12, settings.sign_pkcs11_module
    if pkcs12 and module:
        raise SignerConfigError(
            "both SOHOA_SIGN_PKCS12 and SOHOA_SIGN_PKCS11_MODULE are set: configure one key"
        )
    if pkcs12:
        yield _checked(_pkcs12_signer(settings, pkcs12))
    elif module:
        with _pkcs11_signer(settings, module) as signer:
            yield _checked(signer)
    else:
        raise SignerConfigError(
            "no signing key: set SOHOA_SIGN_PKCS12 (a PKCS#12 file) or "
            "SOHOA_SIGN_PKCS11_MODULE with SOHOA_SIGN_PKCS11_TOKEN and SOHOA_SIGN_PKCS11_KEY"
        )


def _pkcs12_signer(settings: Settings, path: Path) -> signers.Signer:
    if not path.is_file():
        raise SignerConfigError(f"SOHOA_SIGN_PKCS12 names {path}, which is not a file")
    password = _secret(
        settings.sign_password_file, settings.sign_password, "SOHOA_SIGN_PASSWORD_FILE"
    )
    try:
        signer = signers.SimpleSigner.load_pkcs12(path, passphrase=password.encode())
    except Exception as e:  # pyHanko raises whatever its parser met; the cause is kept
        raise SignerConfigError(f"cannot open the PKCS#12 file {path}: wrong password?") from e
    if signer is None:
        raise SignerConfigError(
            f"cannot open the PKCS#12 file {path}: wrong password, or no key in it"
        )
    return signer


@contextmanager
def _pkcs11_signer(settings: Settings, module: Path) -> Iterator[signers.Signer]:
    token, key = settings.sign_pkcs11_token, settings.sign_pkcs11_key
    if not token or not key:
        raise SignerConfigError(
            "SOHOA_SIGN_PKCS11_TOKEN and SOHOA_SIGN_PKCS11_KEY name the token and key to sign "
            "with: set both"
        )
    if not module.is_file():
        raise SignerConfigError(f"SOHOA_SIGN_PKCS11_MODULE names {module}, which is not a file")
    pin = _secret(settings.sign_pin_file, settings.sign_pin, "SOHOA_SIGN_PIN_FILE")
    try:
        session = pkcs11.open_pkcs11_session(
            str(module), token_criteria=TokenCriteria(label=token), user_pin=pin
        )
    except Exception as e:  # python-pkcs11 raises one class per PKCS#11 return code
        raise SignerConfigError(
            f"cannot log in to the token {token!r} with {module}: "
            f"{type(e).__name__} (is the token inserted and the PIN right?)"
        ) from e
    try:
        # The CA certificates a token holds go into the signature, so that a verifier can
        # build the chain without fetching anything.
        signer = pkcs11.PKCS11Signer(
            session, key_label=key, cert_label=key, other_certs_to_pull=None
        )
        try:
            signer.signing_cert  # noqa: B018 — the key and certificate are looked up now
        except Exception as e:
            raise SignerConfigError(
                f"the token {token!r} holds no key and certificate labelled {key!r}"
            ) from e
        yield signer
    finally:
        session.close()


def _checked(signer: signers.Signer) -> signers.Signer:
    cert = signer.signing_cert
    if cert is None:
        raise SignerConfigError("the signing key comes with no certificate")
    now = datetime.now(UTC)
    validity = cert["tbs_certificate"]["validity"]
    if not validity["not_before"].native <= now <= validity["not_after"].native:
        raise SignerConfigError(
            f"the signing certificate of {signer_subject(cert)} is not valid now "
            f"({validity['not_before'].native:%Y-%m-%d} to {validity['not_after'].native:%Y-%m-%d})"
        )
    return signer


def _secret(path: Path | None, value: SecretStr | None, variable: str) -> str:
    if path is not None:
        try:
            return path.read_text().rstrip("\r\n")
        except OSError as e:
            raise SignerConfigError(f"{variable} names {path}, which cannot be read") from e
    if value is not None:
        return value.get_secret_value()
    raise SignerConfigError(f"{variable} is not set: the key's password or PIN is read from it")
