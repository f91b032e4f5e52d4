"""What understanding a dossier (splitting, classifying, extracting) knows of one page."""

from __future__ import annotations

from dataclasses import dataclass

from sohoa.ocr.engine import Box, PageText


@dataclass(frozen=True)
class PageContent:
    """One page of a dossier as read: its OCR words with their boxes and confidences, the
    payloads of any QR codes or barcodes printed on it, and which of its digits look written
    by hand."""

    blank: bool
    text: PageText | None  # None for blank pages and pages OCR failed on
    codes: tuple[str, ...] = ()
    handwritten: tuple[Box, ...] = ()  # boxes of `text`'s digit words written by hand

    @property
    def plain_text(self) -> str:
        return self.text.plain_text() if self.text else ""
