"""Keeping the catalogue in step with object storage, the source of truth: a dossier is
catalogued from its manifest and its documents' stored texts, and `reindex` rebuilds the whole
catalogue from the manifests alone."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence

from sohoa.flows.keys import DOSSIERS_PREFIX, MANIFEST_NAME
from sohoa.pipeline.model import DocumentRecord, Manifest
from sohoa.pipeline.reuse import Paper
from sohoa.pipeline.similarity import text_signature
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore

PAGE_SEPARATOR = "\f"  # between the pages of a stored document text

PageOriginal = tuple[str, int]  # the SHA-256 of the file a page was read from, its page number


def catalogue_dossier(store: ObjectStore, catalogue: Catalogue, manifest: Manifest) -> None:
    """Index the dossier of `manifest`, with its documents' texts read back from storage."""
    index_dossier(catalogue, manifest, stored_texts(store, manifest))


def stored_texts(store: ObjectStore, manifest: Manifest) -> dict[str, list[str]]:
    """The page texts of each document of `manifest`, by document id, as stored."""
    return {
        document.id: store.get_bytes(document.text.key).decode().split(PAGE_SEPARATOR)
        for document in manifest.documents
    }


def index_dossier(
    catalogue: Catalogue, manifest: Manifest, texts: Mapping[str, Sequence[str]]
) -> None:
    """Index the dossier of `manifest`, given its documents' page texts by document id."""
    originals = page_originals(
        [page.source for page in manifest.pages], {s.name: s.sha256 for s in manifest.sources}
    )
    # A document whose pages the manifest does not list cannot be traced to its original: it is
    # catalogued without a paper, and never offered for reuse.
    papers = {
        document.id: document_paper(
            document, [originals[i] for i in document.pages], texts[document.id]
        )
        for document in manifest.documents
        if all(i < len(originals) for i in document.pages)
    }
    catalogue.index_manifest(manifest, texts, papers)


def document_paper(
    document: DocumentRecord, page_originals: Sequence[PageOriginal], texts: Sequence[str]
) -> Paper:
    """What reuse compares of `document`, from where its pages came from and their texts."""
    files = {sha256 for sha256, _ in page_originals}
    if len(files) == 1:
        source, pages = files.pop(), tuple(number for _, number in page_originals)
    else:
        # A paper spread over several files is the same original only with the same pages of
        # the same files, in order: the digest of that list stands for its file.
        listed = "\n".join(f"{sha256}#{number}" for sha256, number in page_originals)
        source, pages = hashlib.sha256(listed.encode()).hexdigest(), ()
    return Paper(
        id=document.id,
        type=document.type,
        fields=document.fields,
        signature=text_signature("\n".join(texts)),
        source_sha256=source,
        source_pages=pages,
    )


def page_originals(
    page_sources: Sequence[str], sha256_by_name: Mapping[str, str]
) -> list[PageOriginal]:
    """Where each page of a dossier came from, from its "<source name>#<page number>"."""
    originals = []
    for page_source in page_sources:
        name, _, number = page_source.rpartition("#")
        originals.append((sha256_by_name[name], int(number)))
    return originals


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
