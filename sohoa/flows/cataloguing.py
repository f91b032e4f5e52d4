"""Keeping the catalogue in step with object storage, the source of truth: a dossier is
catalogued from its manifest and its documents' stored texts, and `reindex` rebuilds the whole
catalogue from the manifests alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sohoa.flows.keys import DOSSIERS_PREFIX, MANIFEST_NAME
from sohoa.pipeline.model import Manifest
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore

PAGE_SEPARATOR = "\f"  # between the pages of a stored document text


def catalogue_dossier(store: ObjectStore, catalogue: Catalogue, manifest: Manifest) -> None:
    """Index the dossier of `manifest`, with its documents' texts read back from storage."""
    texts = {
        document.id: store.get_bytes(document.text.key).decode().split(PAGE_SEPARATOR)
        for document in manifest.documents
    }
    catalogue.index_manifest(manifest, texts)


def stored_manifests(store: ObjectStore) -> Iterator[Manifest]:
    """Every dossier's manifest in storage, read one at a time."""
    for key in store.list_keys(DOSSIERS_PREFIX):
        if key.endswith(f"/{MANIFEST_NAME}"):
            yield Manifest.model_validate_json(store.get_bytes(key))


def reindex(
    store: ObjectStore, catalogue: Catalogue, on_dossier: Callable[[Manifest], None]
) -> int:
    """Rebuild the catalogue from storage; returns the number of dossiers catalogued."""
    catalogue.clear()
    count = 0
    for manifest in stored_manifests(store):
        catalogue_dossier(store, catalogue, manifest)
        on_dossier(manifest)
        count += 1
    return count
