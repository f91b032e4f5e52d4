"""Archival export: each dossier as a BagIt package (RFC 8493) in ``DIR/<dossier id>/``.

The bag's payload: ``documents/<id>.pdf`` (the PDF/A) and ``documents/<id>.txt`` of each
document, the dossier's ``manifest.json`` as committed, ``metadata.json`` (the archival
fields, `sohoa.pipeline.archival`), and with ``--with-originals`` the input files under
``originals/``. Every object is checksum-verified as it is read from storage; the bag's
manifests are SHA-256, and the bag is validated with `bagit` before it takes its place.

A bag is built beside its place under a hidden name, then renamed in: a reader never sees
half a bag, and an export again replaces the earlier one whole. Exporting the same dossier
twice gives the same files, apart from the bag's date (``Bagging-Date`` in bag-info.txt, and so
the tag manifest's line for bag-info.txt).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bagit

from sohoa import __version__
from sohoa.flows.arrivals import key_name
from sohoa.flows.keys import manifest_key
from sohoa.pipeline.archival import archival_metadata
from sohoa.pipeline.model import Manifest
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.storage.objects import ObjectStore, safe_key_part

CHECKSUMS = ["sha256"]


class ExportError(Exception):
    pass


def export_dossier(
    store: ObjectStore, dossier_id: str, to: Path, *, with_originals: bool = False
) -> Path:
    """Write the dossier's bag in `to`/<dossier id>; its path."""
    dossier_id = safe_key_part(dossier_id)
    raw = store.get_bytes(manifest_key(dossier_id))
    manifest = Manifest.model_validate_json(raw)
    to.mkdir(parents=True, exist_ok=True)
    target = to / dossier_id
    building = to / f".{dossier_id}.partial"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(mode=0o700)
    try:
        documents = building / "documents"
        documents.mkdir()
        for document in manifest.documents:
            store.download_file(document.pdf.key, documents / f"{document.id}.pdf")
            store.download_file(document.text.key, documents / f"{document.id}.txt")
        if with_originals:
            originals = building / "originals"
            originals.mkdir()
            for index, source in enumerate(manifest.sources):
                name = f"{index:03d}-{key_name(source.name)}"
                store.download_file(source.key, originals / name)
        (building / "manifest.json").write_bytes(raw)
        type_names = {t.code: t.names[0] for t in load_taxonomy().types}
        metadata = archival_metadata(manifest, type_names)
        (building / "metadata.json").write_text(
            json.dumps(metadata, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        )
        bag = bagit.make_bag(
            str(building),
            {
                "External-Identifier": dossier_id,
                "External-Description": f"Dossier {dossier_id} digitised by sohoa {__version__}",
            },
            processes=1,
            checksums=CHECKSUMS,
        )
        bag.validate()
    except (bagit.BagError, OSError) as e:
        shutil.rmtree(building, ignore_errors=True)
        raise ExportError(f"{dossier_id}: the bag could not be made: {e}") from e
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    if target.exists():
        shutil.rmtree(target)
    building.rename(target)
    return target
