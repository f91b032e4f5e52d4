"""What a command checks and sets up before it digitises anything."""

from __future__ import annotations

from sohoa.config import Settings


def prepare_to_digitise(settings: Settings, *, reads_pages: bool) -> None:
    """Fail early, with the error that says why, rather than on every dossier; then point
    this process at Prefect (before anything imports it) and clear what killed runs left."""
    from sohoa.flows import prefect_server, workdir
    from sohoa.ocr.tesseract import check_installed
    from sohoa.storage.objects import ObjectStore

    if reads_pages:
        check_installed(settings.ocr_lang)
    ObjectStore.from_settings(settings).ensure_bucket()
    prefect_server.connect(settings)
    workdir.remove_abandoned(settings)
    from sohoa.flows import runs  # imports Prefect: only once it is pointed at its server

    runs.mark_crashed()
