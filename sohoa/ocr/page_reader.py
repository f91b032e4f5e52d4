"""A long-lived Tesseract that reads page after page: libtesseract through ctypes, started by
`TesseractEngine` as `python -m sohoa.ocr.page_reader LANG`, one process per page read at once.

Why not a `tesseract` process per page: loading the language model and setting up cost it
about 70 ms of CPU a page on 300 dpi scans, 12 % of the page's OCR; loaded once here, it is
paid once per process. The same goes for orientation checks: the `tesseract` command took
0.55 s of CPU for one, this process 0.2 s. Why a process of its own and not the library in
sohoa's: a page that hangs or crashes Tesseract must cost that page only; its process is killed
and a new one takes over. It reads the same hOCR, and tells the same orientation, from the same
library the `tesseract` command uses.

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

import ctypes
import ctypes.util
import os
import sys
from dataclasses import dataclass
from typing import BinaryIO

from sohoa.errors import ExitCode, SohoaError

PAGE_SEGMENTATION_AUTO = 3  # `--psm 3`, tesseract's own default
PAGE_SEGMENTATION_OSD_ONLY = 0  # `--psm 0`
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
    """libtesseract or its language data could not be loaded."""

    exit_code = ExitCode.DEPENDENCY


class PageReader:
    """An initialised Tesseract for the language (libtesseract's C API), and one for
    orientation, loaded when first asked."""

    def __init__(self, lang: str) -> None:
        name = ctypes.util.find_library("tesseract") or "libtesseract.so.5"
        try:
            lib = ctypes.CDLL(name)
        except OSError as e:
            raise LibraryMissing(f"cannot load libtesseract ({name}): {e}") from e
        lib.TessBaseAPICreate.restype = ctypes.c_void_p
        lib.TessBaseAPIInit3.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        lib.TessBaseAPISetPageSegMode.argtypes = [ctypes.c_void_p, ctypes.c_int]
        int_ = ctypes.c_int
        lib.TessBaseAPISetImage.argtypes = [
            ctypes.c_void_p,
            ctypes.c_char_p,
            int_,
            int_,
            int_,
            int_,
        ]
        lib.TessBaseAPISetSourceResolution.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.TessBaseAPIRecognize.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.TessBaseAPIGetHOCRText.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.TessBaseAPIGetHOCRText.restype = ctypes.c_void_p
        lib.TessDeleteText.argtypes = [ctypes.c_void_p]
        lib.TessBaseAPIDetectOrientationScript.argtypes = [
            ctypes.c_void_p,
            ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_float),
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(ctypes.c_float),
        ]
        self._lib = lib
        self._api = self._initialised(lang, PAGE_SEGMENTATION_AUTO)
        self._osd_api: int | None = None

    def hocr(self, page: GreyPage) -> bytes:
        lib, api = self._lib, self._api
        self._set_image(api, page)
        if lib.TessBaseAPIRecognize(api, None) != 0:
            raise RuntimeError("tesseract could not recognise the page")
        text = lib.TessBaseAPIGetHOCRText(api, 0)
        try:
            return _HOCR_DOCUMENT % ctypes.string_at(text)
        finally:
            lib.TessDeleteText(text)

    def orientation(self, page: GreyPage) -> tuple[int, float] | None:
        """The clockwise turn that makes the page upright and Tesseract's confidence in it,
        or None when there is too little text to tell."""
        if self._osd_api is None:
            self._osd_api = self._initialised("osd", PAGE_SEGMENTATION_OSD_ONLY)
        api = self._osd_api
        self._set_image(api, page)
        degrees, confidence = ctypes.c_int(), ctypes.c_float()
        script, script_confidence = ctypes.c_char_p(), ctypes.c_float()
        told = self._lib.TessBaseAPIDetectOrientationScript(
            api,
            ctypes.byref(degrees),
            ctypes.byref(confidence),
            ctypes.byref(script),
            ctypes.byref(script_confidence),
        )
        if not told:
            return None
        # The library gives the page's turn anticlockwise; the command, and sohoa, the turn back.
        return (360 - degrees.value) % 360, confidence.value

    def _initialised(self, lang: str, page_segmentation: int) -> int:
        api: int = self._lib.TessBaseAPICreate()
        if self._lib.TessBaseAPIInit3(api, None, lang.encode()) != 0:
            raise LibraryMissing(f"tesseract could not load language data '{lang}'")
        self._lib.TessBaseAPISetPageSegMode(api, page_segmentation)
        return api

    def _set_image(self, api: int, page: GreyPage) -> None:
        self._lib.TessBaseAPISetImage(api, page.pixels, page.width, page.height, 1, page.width)
        self._lib.TessBaseAPISetSourceResolution(api, page.dpi)


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
