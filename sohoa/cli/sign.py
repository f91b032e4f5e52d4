"""`sign`: an officer signs a dossier's copies. The signer is opened first: a misconfigured
key is an error (exit 1) before anything is read or signed. Exit 4 when documents were left
unsigned because they wait for review."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sohoa.cli.common import app, err, load_settings
from sohoa.errors import ExitCode, InputProblem, UsageError


@app.command()
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
    from sohoa.flows import workdir
    from sohoa.flows.signing import SigningError, sign_dossier
    from sohoa.flows.storing import committed_manifest
    from sohoa.signing.keys import SignerConfigError
    from sohoa.signing.sign import open_copy_signer
    from sohoa.storage.catalogue import Catalogue
    from sohoa.storage.objects import ObjectStore

    settings = load_settings()
    try:
        with open_copy_signer(settings) as copy_signer:
            store = ObjectStore.from_settings(settings)
            manifest = committed_manifest(store, dossier_id)
            if manifest is None:
                raise InputProblem(f"no dossier {dossier_id} in object storage")
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
        raise UsageError(f"signer misconfigured: {e}; nothing was signed") from e
    except SigningError as e:
        raise UsageError(str(e)) from e
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
        raise typer.Exit(ExitCode.PARTIAL)
