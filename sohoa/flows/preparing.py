"""What a command checks and sets up before it digitises anything."""

from __future__ import annotations

from sohoa.config import Settings
from sohoa.errors import UsageError


def prepare_to_digitise(settings: Settings, *, reads_pages: bool) -> None:
    """Fail early, with the error that says why, rather than on every dossier; then point
    this process at Prefect (before anything imports it) and clear what killed runs left."""
    from sohoa.flows import prefect_server, workdir
    from sohoa.ocr.tesseract import check_installed
    from sohoa.storage.objects import ObjectStore

    check_signer(settings)
    if reads_pages:
        check_installed(settings.ocr_lang)
    ObjectStore.from_settings(settings).ensure_bucket()
    prefect_server.connect(settings)
    workdir.remove_abandoned(settings)
    from sohoa.flows import runs  # imports Prefect: only once it is pointed at its server

    runs.mark_crashed()


def check_signer(settings: Settings) -> None:
    """Before digitising: a signer that digitisation is to sign with, or trust roots, that
    cannot be opened are an error now (exit 1), not on the first document."""
    if not settings.sign_at_digitise and settings.trust_roots is None:
        return  # nothing to check; importing the signing stack costs most of a second
    from sohoa.flows.signing import check_signing_settings
    from sohoa.signing.keys import SignerConfigError

    try:
        check_signing_settings(settings)
    except SignerConfigError as e:
        raise UsageError(f"signer misconfigured: {e}; nothing was digitised") from e
