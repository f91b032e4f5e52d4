"""What every command shares: the app, the error console, settings, the catalogue and the
translation of storage errors into failures with exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console

from sohoa.config import Settings

if TYPE_CHECKING:
    from sohoa.storage.catalogue import Catalogue

EXIT_DONE, EXIT_USAGE, EXIT_INPUT, EXIT_DEPENDENCY, EXIT_PARTIAL, EXIT_STORAGE = 0, 1, 2, 3, 4, 5

app = typer.Typer(
    help="Digitise Vietnamese administrative dossiers into searchable PDF/A in object storage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True)


class Failure(Exception):
    """A failure with a message for the user and the exit code that goes with it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        raise Failure(f"invalid configuration: {e}", EXIT_USAGE) from e


@contextmanager
def open_catalogue() -> Iterator[Catalogue]:
    from sohoa.storage.catalogue import Catalogue, CatalogueError

    try:
        catalogue = Catalogue.from_settings(load_settings())
        try:
            yield catalogue
        finally:
            catalogue.close()
    except CatalogueError as e:
        raise Failure(f"{e}. Check SOHOA_CATALOGUE_URL.", EXIT_STORAGE) from e


@contextmanager
def storage_failures() -> Iterator[None]:
    from sohoa.storage.objects import ObjectNotFound, StorageError

    try:
        yield
    except ObjectNotFound as e:
        raise Failure(
            f"not in object storage: {e} (run `sohoa reindex` if the catalogue is stale)",
            EXIT_INPUT,
        ) from e
    except StorageError as e:
        raise Failure(
            f"object storage failed: {e}. Check SOHOA_S3_ENDPOINT and the credentials, "
            "or run `sohoa storage status` for the embedded server.",
            EXIT_STORAGE,
        ) from e
