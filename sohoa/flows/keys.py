"""Where things live in the object store: keys built from hashes and validated ids only, never
from file names. Readers (the accuracy report, the catalogue) use these too, so this module
imports nothing heavy."""

from __future__ import annotations

from sohoa import __version__
from sohoa.storage.objects import safe_key_part

# Bump when a change to preprocessing or OCR makes stored page readings stale.
READING_VERSION = "12"
# Bump when splitting, classification or field extraction change what is made of the readings:
# a committed dossier is then understood again, from its stored readings, by the next run.
UNDERSTANDING_VERSION = "4"
PIPELINE_VERSION = f"{__version__}/reading-{READING_VERSION}/understanding-{UNDERSTANDING_VERSION}"


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}"


def quarantine_key(sha256: str) -> str:
    return f"quarantine/{sha256[:2]}/{sha256}"


def reading_key(sha256: str, page_number: int, lang: str) -> str:
    return f"readings/{sha256}/{page_number}.{safe_key_part(lang)}.v{READING_VERSION}.json"


DOSSIERS_PREFIX = "dossiers/"
MANIFEST_NAME = "manifest.json"


def dossier_prefix(dossier_id: str) -> str:
    return f"{DOSSIERS_PREFIX}{safe_key_part(dossier_id)}"


def manifest_key(dossier_id: str) -> str:
    return f"{dossier_prefix(dossier_id)}/{MANIFEST_NAME}"


def revision_key(dossier_id: str, revision: int) -> str:
    """Where revision `revision` of a dossier's manifest stays once a later one is committed."""
    return f"{dossier_prefix(dossier_id)}/revisions/{revision:04d}.json"
