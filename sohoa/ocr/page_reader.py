"""A long-lived Tesseract that reads page after page: libtesseract through ctypes, started by
`TesseractEngine` as `python -m sohoa.ocr.page_reader LANG`, one process per page read at once.

Why not a `tesseract` process per page: loading the language model and setting up cost it
about 70 ms of CPU a page on 300 dpi scans, 12 % of the page's OCR; loaded once here, it is
paid once per process. Why a process of its own and not the library in sohoa's: a page that
hangs or crashes Tesseract must cost that page only; its process is killed and a new one takes
over. It reads the same hOCR from the same library the `tesseract` command uses.

Protocol on stdin and stdout, one request at a time. At start the reader answers `ready` or
`error MESSAGE`. Then the caller writes `DPI<TAB>IMAGE PATH` on a line and the reader answers
`ok N` followed by N bytes of hOCR (an XHTML document, as `tesseract … hocr` writes), or
`error MESSAGE`. It exits at the end of its input: when the caller goes, so does it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from typing import BinaryIO

from PIL import Image

PAGE_SEGMENTATION_AUTO = 3  # `--psm 3`, tesseract's own default
_HOCR_DOCUMENT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><body>\n%s</body></html>\n'
)


class LibraryMissing(RuntimeError):
    """libtesseract or its language data could not be loaded."""


class PageReader:
    """One initialised Tesseract (libtesseract's C API)."""

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
        self._lib = lib
        self._api = lib.TessBaseAPICreate()
        if lib.TessBaseAPIInit3(self._api, None, lang.encode()) != 0:
            raise LibraryMissing(f"tesseract could not load language data '{lang}'")
        lib.TessBaseAPISetPageSegMode(self._api, PAGE_SEGMENTATION_AUTO)

    def hocr(self, image_path: str, dpi: int) -> bytes:
        with Image.open(image_path) as image:
            image.load()
            # sohoa hands over grey PGMs: converting one to grey again would copy it (6 ms).
            grey = image if image.mode == "L" else image.convert("L")
        lib, api = self._lib, self._api
        lib.TessBaseAPISetImage(api, grey.tobytes(), grey.width, grey.height, 1, grey.width)
        lib.TessBaseAPISetSourceResolution(api, dpi)
        if lib.TessBaseAPIRecognize(api, None) != 0:
            raise RuntimeError("tesseract could not recognise the page")
        text = lib.TessBaseAPIGetHOCRText(api, 0)
        try:
            return _HOCR_DOCUMENT % ctypes.string_at(text)
        finally:
            lib.TessDeleteText(text)


def serve(lang: str, requests: BinaryIO, replies: BinaryIO) -> None:
    try:
        reader = PageReader(lang)
    except LibraryMissing as e:
        _reply(replies, b"error " + _one_line(str(e)))
        return
    _reply(replies, b"ready")
    for request in requests:
        dpi, _, path = request.rstrip(b"\n").decode().partition("\t")
        try:
            hocr = reader.hocr(path, int(dpi))
        except (OSError, ValueError, RuntimeError) as e:
            _reply(replies, b"error " + _one_line(str(e)))
            continue
        _reply(replies, b"ok %d\n%s" % (len(hocr), hocr), end=b"")


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
