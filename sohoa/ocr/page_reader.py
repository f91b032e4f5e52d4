"""A long-lived Tesseract that reads page after page: libtesseract through `tesserocr`, started
by `TesseractEngine` as `python -m sohoa.ocr.page_reader LANG`, one process per page read at once.

Why not a `tesseract` process per page: loading the language model and setting up cost it
about 70 ms of CPU a page on 300 dpi scans, 12 % of the page's OCR; loaded once here, it is
paid once per process. The same goes for orientation checks: the `tesseract` command took
0.55 s of CPU for one, this process 0.2 s. Why a process of its own and not the library in
sohoa's: a page that hangs or crashes Tesseract must cost that page only; its process is killed
and a new one takes over. It reads the same hOCR, and tells the same orientation, from the same
library the `tesseract` command uses: tesserocr is built from source against Debian's
libtesseract (`make install`); its PyPI wheel bundles a Tesseract of its own that took three
times the CPU a page (docs/design.md).

Protocol on stdin and stdout, one request at a time. At start the reader answers `ready` or
`error MESSAGE`. Then the caller writes `KIND<TAB>DPI<TAB>WIDTH<TAB>HEIGHT` on a line followed
by the page's WIDTH × HEIGHT grey pixels (8 bits, row by row), and the reader answers `ok N`
followed by N bytes, or `error MESSAGE`; nothing goes through the disk. For KIND `hocr` the
bytes are the page's hOCR (an XHTML document, as `tesseract … hocr` writes); for `osd` they are
`ROTATE CONFIDENCE` (the clockwise turn that makes the page upright, as `tesseract --psm 0`
says it), or nothing when there is too little text to tell. It exits at the end of its input:
when the caller goes, so does it.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from sohoa.errors import ExitCode, SohoaError

if TYPE_CHECKING:
    import tesserocr

_HOCR_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><body>\n%s</body></html>\n'
)


@dataclass(frozen=True)
class GreyPage:
    """A page as the caller sends it: 8-bit grey pixels, row by row."""

    pixels: bytes
    width: int
    height: int
    dpi: int


class LibraryMissing(SohoaError, RuntimeError):
    """tesserocr, libtesseract or the language data could not be loaded."""

    exit_code = ExitCode.DEPENDENCY


class PageReader:
    """An initialised Tesseract for the language, and one for orientation, loaded when first
    asked."""

    def __init__(self, lang: str) -> None:
        try:
            import tesserocr
        except ImportError as e:
            raise LibraryMissing(f"cannot load tesserocr and libtesseract: {e}") from e
        self._tesserocr = tesserocr
        self._api = self._initialised(lang, tesserocr.PSM.AUTO)  # `--psm 3`, the default
        self._osd_api: tesserocr.PyTessBaseAPI | None = None

    def hocr(self, page: GreyPage) -> bytes:
        self._set_image(self._api, page)
        if not self._api.Recognize():
            raise RuntimeError("tesseract could not recognise the page")
        return _HOCR_DOCUMENT % self._api.GetHOCRText(0).encode()

    def orientation(self, page: GreyPage) -> tuple[int, float] | None:
        """The clockwise turn that makes the page upright and Tesseract's confidence in it,
        or None when there is too little text to tell."""
        if self._osd_api is None:
            self._osd_api = self._initialised("osd", self._tesserocr.PSM.OSD_ONLY)
        self._set_image(self._osd_api, page)
        told = self._osd_api.DetectOrientationScript()
        if not told:
            return None
        # The library gives the page's turn anticlockwise; the command, and sohoa, the turn back.
        return (360 - told["orient_deg"]) % 360, told["orient_conf"]

    def _initialised(self, lang: str, page_segmentation: int) -> tesserocr.PyTessBaseAPI:
        try:
            return self._tesserocr.PyTessBaseAPI(lang=lang, psm=page_segmentation)
        except RuntimeError as e:
            raise LibraryMissing(f"tesseract could not load language data '{lang}': {e}") from e

    def _set_image(self, api: tesserocr.PyTessBaseAPI, page: GreyPage) -> None:
        # Not copied by the library: `page` holds the pixels until the reading is done.
        api.SetImageBytes(page.pixels, page.width, page.height, 1, page.width)
        api.SetSourceResolution(page.dpi)


def serve(lang: str, requests: BinaryIO, replies: BinaryIO) -> None:
    try:
        reader = PageReader(lang)
    except LibraryMissing as e:
        _reply(replies, b"error " + _one_line(str(e)))
        return
    _reply(replies, b"ready")
    for request in requests:
        kind, dpi, width, height = request.rstrip(b"\n").decode().split("\t")
        size = int(width) * int(height)
        pixels = requests.read(size)
        if len(pixels) < size:
            return  # the caller went away mid-request
        try:
            answer = _answer(reader, kind, GreyPage(pixels, int(width), int(height), int(dpi)))
        except (OSError, ValueError, RuntimeError) as e:
            _reply(replies, b"error " + _one_line(str(e)))
            continue
        _reply(replies, b"ok %d\n%s" % (len(answer), answer), end=b"")


def _answer(reader: PageReader, kind: str, page: GreyPage) -> bytes:
    if kind == "hocr":
        return reader.hocr(page)
    if kind == "osd":
        told = reader.orientation(page)
        return b"%d %.2f" % told if told else b""
    raise ValueError(f"unknown request {kind!r}")


def _one_line(message: str) -> bytes:
    return message.replace("\n", " ").encode()


def _reply(replies: BinaryIO, message: bytes, end: bytes = b"\n") -> None:
    replies.write(message + end)
    replies.flush()


def main() -> None:
    # Replies get a descriptor of their own and the process's stdout goes to its stderr, so
    # that nothing Tesseract or Leptonica print can get between a reply's header and its hOCR.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.argv[1], sys.stdin.buffer, replies)


if __name__ == "__main__":
    main()
