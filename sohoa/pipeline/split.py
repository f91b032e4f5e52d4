"""Document boundaries within a dossier.

For now a dossier is one document: every page that is not blank, with blank pages (duplex
backs) belonging to the document of the page before them.
"""

from __future__ import annotations


def split_documents(blank: list[bool]) -> list[list[int]]:
    """Group page indexes into documents. `blank[i]` tells whether page i is blank; the result
    lists, for each document, its non-blank pages in order."""
    pages = [i for i, is_blank in enumerate(blank) if not is_blank]
    return [pages] if pages else []


def page_documents(blank: list[bool], documents: list[list[int]]) -> list[int | None]:
    """The document each page belongs to; a blank page belongs to the one before it."""
    owner: list[int | None] = [None] * len(blank)
    for number, pages in enumerate(documents):
        for index in pages:
            owner[index] = number
    current: int | None = None
    for index, is_blank in enumerate(blank):
        if is_blank:
            owner[index] = current
        else:
            current = owner[index]
    return owner
