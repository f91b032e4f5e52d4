"""The document types `sohoa` classifies into, read from one data file (data/taxonomy.toml).

The file is data, not code, so an agency adds a type (code, names, title phrases, cues, number
abbreviations) without touching Python; see the file's header for what each field means.
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "taxonomy.toml"
OTHER = "other"  # the type of a document that fits none, or that the classifier is unsure of
_CODE = re.compile(r"[a-z][a-z0-9_]*")


class TaxonomyError(ValueError):
    """The taxonomy file is missing or malformed."""


def _identifier(code: str) -> str:
    if not _CODE.fullmatch(code):
        raise ValueError(f"{code!r} is not a code (lower case letters, digits and '_')")
    return code


class DocumentType(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    names: tuple[str, ...] = Field(min_length=1)
    titles: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    number_abbreviations: tuple[str, ...] = ()
    # The type of a letter with no title: a number without a type abbreviation and a "V/v"
    # subject line under it (a công văn). Its header stands in for a title.
    untitled_letter: bool = False
    # Its title is a line of its own (Decree 30/2020 App. I: the summary goes under it), so a
    # line that goes on after a title phrase is something else: the issuer "PHƯỜNG AN KHÁNH"
    # is no "PHƯƠNG ÁN".
    title_alone: bool = False

    @field_validator("code")
    @classmethod
    def _code_is_an_identifier(cls, code: str) -> str:
        return _identifier(code)

    @field_validator("names", "titles", "cues", "number_abbreviations")
    @classmethod
    def _no_empty_phrases(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        if any(not phrase.strip() for phrase in phrases):
            raise ValueError("phrases must not be empty")
        return phrases


class CopyForm(BaseModel):
    """A form of copy (Decree 30/2020 Art. 25): a copy keeps the type of what it copies."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    names: tuple[str, ...] = Field(min_length=1)
    marks: tuple[str, ...] = Field(min_length=1)  # what its copy block says, in capitals
    number_abbreviations: tuple[str, ...] = ()

    @field_validator("code")
    @classmethod
    def _code_is_an_identifier(cls, code: str) -> str:
        return _identifier(code)


class Taxonomy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    types: tuple[DocumentType, ...] = Field(alias="type", min_length=1)
    copy_forms: tuple[CopyForm, ...] = Field(alias="copy_form", default=())

    @field_validator("types")
    @classmethod
    def _codes_unique_and_other_present(
        cls, types: tuple[DocumentType, ...]
    ) -> tuple[DocumentType, ...]:
        codes = [t.code for t in types]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"codes listed more than once: {', '.join(repeated)}")
        if OTHER not in codes:
            raise ValueError(f"the type {OTHER!r} must be listed")
        return types

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)

    def by_code(self, code: str) -> DocumentType:
        for document_type in self.types:
            if document_type.code == code:
                return document_type
        raise KeyError(code)


@functools.cache
def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """The taxonomy in `path`, read once per path."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise TaxonomyError(f"cannot read the taxonomy file {path}: {error}") from error
    except tomllib.TOMLDecodeError as error:
        raise TaxonomyError(f"{path} is not valid TOML: {error}") from error
    try:
        return Taxonomy.model_validate(raw)
    except ValidationError as error:
        raise TaxonomyError(f"{path} is not a valid taxonomy:\n{error}") from error
