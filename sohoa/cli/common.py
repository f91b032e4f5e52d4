"""What every command shares: the app, the error console, the settings and the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from pydantic import ValidationError
from rich.console import Console

from sohoa.config import Settings
from sohoa.errors import UsageError
from sohoa.private import secure_data_dir

if TYPE_CHECKING:
    from sohoa.storage.catalogue import Catalogue

app = typer.Typer(
    help="Digitise Vietnamese administrative dossiers into searchable PDF/A in object storage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

err = Console(stderr=True)


def load_settings() -> Settings:
    try:
        settings = Settings()
    except ValidationError as e:
        raise UsageError(f"invalid configuration: {e}") from e
    secure_data_dir(settings)
    return settings


@contextmanager
def open_catalogue() -> Iterator[Catalogue]:
    from sohoa.storage.catalogue import Catalogue

    catalogue = Catalogue.from_settings(load_settings())
    try:
        yield catalogue
    finally:
        catalogue.close()
