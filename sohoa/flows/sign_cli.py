"""`sohoa sign DOSSIER_ID [--document ID] [--confirm]`: an officer signs a dossier's copies.

The signer is opened first: a misconfigured key is an error (exit 1) before anything is read
or signed. Exit 4 when documents were left unsigned because they wait for review.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sohoa.config import Settings
    from sohoa.storage.catalogue import CatalogueDocument

err = Console(stderr=True)


def sign(
    dossier_id: Annotated[str, typer.Argument(help="The dossier whose documents to sign")],
    document: Annotated[
        str | None, typer.Option("--document", help="Sign only this document")
    ] = None,
    confirm: Annotated[
        bool,
        typer.Option("--confirm", help="Also sign documents flagged for review: you checked them"),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest on stdout")] = False,
) -> None:
    """Sign the dossier's documents as the agency's electronic copies (PAdES, docs/signing.md)."""
    from sohoa.config import Settings
    from sohoa.flows import workdir
    from sohoa.flows.cli import EXIT_INPUT, EXIT_PARTIAL, EXIT_STORAGE, EXIT_USAGE, Failure
    from sohoa.flows.digitise import committed_manifest
    from sohoa.flows.signing import SigningError, sign_dossier
    from sohoa.signing.keys import SignerConfigError
    from sohoa.signing.sign import open_copy_signer
    from sohoa.storage.catalogue import Catalogue, CatalogueError
    from sohoa.storage.objects import ObjectStore, StorageError

    settings = Settings()
    try:
        with open_copy_signer(settings) as copy_signer:
            store = ObjectStore.from_settings(settings)
            manifest = committed_manifest(store, dossier_id)
            if manifest is None:
                raise Failure(f"no dossier {dossier_id} in object storage", EXIT_INPUT)
            catalogue = Catalogue.from_settings(settings)
            try:
                with workdir.dossier_dir(settings) as work:
                    outcome = sign_dossier(
                        store,
                        catalogue,
                        copy_signer,
                        manifest,
                        work,
                        document_id=document,
                        confirm=confirm,
                    )
            finally:
                catalogue.close()
    except SignerConfigError as e:
        raise Failure(f"signer misconfigured: {e}; nothing was signed", EXIT_USAGE) from e
    except SigningError as e:
        raise Failure(str(e), EXIT_USAGE) from e
    except (StorageError, CatalogueError) as e:
        raise Failure(f"storage failed: {e}", EXIT_STORAGE) from e
    for label, ids in (
        ("signed", outcome.signed),
        ("already signed", outcome.already_signed),
        ("flagged for review, not signed (check them, then --confirm)", outcome.awaiting_review),
    ):
        if ids:
            err.print(f"{label}: {', '.join(ids)}")
    if as_json:
        sys.stdout.write(outcome.manifest.model_dump_json(indent=2) + "\n")
    if outcome.awaiting_review:
        raise typer.Exit(EXIT_PARTIAL)


def check_at_start(settings: Settings) -> None:
    """Before digitising: a signer that digitisation is to sign with, or trust roots, that
    cannot be opened are an error now (exit 1), not on the first document."""
    from sohoa.flows.cli import EXIT_USAGE, Failure
    from sohoa.flows.signing import check_signing_settings
    from sohoa.signing.keys import SignerConfigError

    try:
        check_signing_settings(settings)
    except SignerConfigError as e:
        raise Failure(f"signer misconfigured: {e}; nothing was digitised", EXIT_USAGE) from e


def signature_rows(document: CatalogueDocument) -> list[tuple[str, str | None]]:
    """What `sohoa show` says of a document's signatures: sohoa's own, and those of the
    incoming files it came from."""
    own = document.signature
    rows: list[tuple[str, str | None]] = [
        (
            "signed copy",
            f"{own.form}, {own.signer}, {own.signed_at} (certificate sha256 {own.cert_sha256})"
            if own
            else None,
        )
    ]
    for found in document.source_signatures:
        verdict = "intact" if found.intact else "NOT INTACT"
        trust = "trusted" if found.trusted else "untrusted"
        rows.append(
            (
                "incoming signature",
                f"{found.signer or 'unknown signer'}, {found.signed_at or 'no time'}: "
                f"{verdict}, {trust}; {found.reason}",
            )
        )
    return rows
