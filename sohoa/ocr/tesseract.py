"""Tesseract: pages read by long-lived readers (`page_reader`, libtesseract), one hOCR per page
giving words, boxes, confidences and lines, and orientation told by the same readers."""

from __future__ import annotations

import atexit
import functools
import os
import re
import select
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from xml.etree import ElementTree

from PIL import Image

from sohoa.errors import ExitCode, SohoaError
from sohoa.ocr.engine import Box, Line, OcrError, Orientation, PageText, Word
from sohoa.private import UMASK

_XHTML = "{http://www.w3.org/1999/xhtml}"
_LINE_CLASSES = {"ocr_line", "ocr_header", "ocr_caption", "ocr_textfloat"}
_BBOX = re.compile(r"bbox (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_BASELINE = re.compile(r"baseline (-?[\d.]+) (-?[\d.]+)")
_WCONF = re.compile(r"x_wconf (-?[\d.]+)")
_WRITE_CHUNK = 1 << 20


class TesseractMissing(SohoaError, RuntimeError):
    """Tesseract or its language data is not installed."""

    exit_code = ExitCode.DEPENDENCY


class TesseractEngine:
    """Reads pages with one Tesseract process per page read at once, each single-threaded.

    Tesseract's OpenMP threads fight each other when several pages run at once: on 2 cores one
    300 dpi page took 13 s instead of 1.6 s. So each process gets one thread and sohoa runs as
    many processes as there are cores. The readers outlive the engine: every engine of a
    process shares them, so a dossier does not pay for loading the language model again.
    """

    def __init__(self, lang: str = "vie", *, timeout_s: float = 300.0) -> None:
        self.lang = lang
        self.timeout_s = timeout_s
        check_installed(lang)

    def start_readers(self, count: int) -> None:
        """Have `count` readers waiting before the first pages come: each loads the language
        model, a fraction of a second the first dossier would otherwise wait for."""
        _readers(self.lang).fill(count, time.monotonic() + self.timeout_s)

    def recognise(self, image: Image.Image, *, dpi: int) -> PageText:
        return parse_hocr(self._ask("hocr", image, dpi))

    def detect_orientation(self, image: Image.Image, *, dpi: int) -> Orientation | None:
        told = self._ask("osd", image, dpi).split()
        if not told:
            return None  # too little text to tell: not an error, just no opinion
        return Orientation(rotation=int(told[0]), confidence=float(told[1]))

    def _ask(self, kind: str, image: Image.Image, dpi: int) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        # Tesseract reads grey; a grey page is sent as it is (converting it again copies it).
        grey = image if image.mode == "L" else image.convert("L")
        readers = _readers(self.lang)
        reader = readers.take(deadline)
        try:
            return reader.ask(kind, grey, dpi, deadline)
        finally:
            readers.give_back(reader)


class _Reader:
    """One `page_reader` process, used by one thread at a time. One that hung or died is
    stopped, and is then no longer `alive`. Its start counts towards the time its first page
    may take: it loads the language model, a fraction of a second."""

    def __init__(self, lang: str, deadline: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sohoa.ocr.page_reader", lang],
            bufsize=0,  # a request goes out whole at once; nothing is left to flush at a kill
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # Tesseract's chatter ("Detected 130 diacritics")
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},  # see TesseractEngine
            umask=UMASK,  # the page images it may write are a dossier's
        )
        try:
            status, message = self._reply_line(deadline)
        except OcrError as e:
            raise OcrError(f"tesseract could not start: {e}") from e
        if status != "ready":
            self.stop()
            raise OcrError(f"tesseract could not start: {message}")

    def ask(self, kind: str, grey: Image.Image, dpi: int, deadline: float) -> bytes:
        """The reader's answer to a `kind` request (`page_reader`'s protocol) on the `grey`
        page, sent down its pipe."""
        request = f"{kind}\t{dpi}\t{grey.width}\t{grey.height}\n".encode()
        try:
            self._write(request + grey.tobytes(), deadline)
        except OSError as e:
            self.stop()
            raise OcrError(f"tesseract stopped before reading the page ({e})") from e
        try:
            status, detail = self._reply_line(deadline)
            if status == "error":
                raise OcrError(f"failed: {detail}")
            if status != "ok" or not detail.isdigit():
                self.stop()  # out of step with its reader: nothing it says can be trusted now
                raise OcrError(f"answered {status!r} {detail[:80]!r}")
            return self._read_exactly(int(detail), deadline)
        except OcrError as e:
            raise OcrError(f"tesseract {e}") from e

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()

    def _write(self, data: bytes, deadline: float) -> None:
        """All of `data` into the reader's pipe, or OcrError once `deadline` has passed (a
        reader that stopped reading must not hold its caller)."""
        assert self.process.stdin is not None
        pipe = self.process.stdin.fileno()
        os.set_blocking(pipe, False)
        view = memoryview(data)
        while view:
            _, ready, _ = select.select([], [pipe], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                self.stop()
                raise OcrError("tesseract timed out")
            view = view[os.write(pipe, view[:_WRITE_CHUNK]) :]

    def _reply_line(self, deadline: float) -> tuple[str, str]:
        line = bytearray()
        while not line.endswith(b"\n"):
            line += self._read(1, deadline)
        status, _, detail = line.decode().rstrip("\n").partition(" ")
        return status, detail

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        data = bytearray()
        while len(data) < size:
            data += self._read(size - len(data), deadline)
        return bytes(data)

    def _read(self, most: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        pipe = self.process.stdout.fileno()
        ready, _, _ = select.select([pipe], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            self.stop()
            raise OcrError("timed out")
        data = os.read(pipe, most)
        if not data:
            self.stop()
            raise OcrError(f"stopped (exit status {self.process.returncode})")
        return data


class _Readers:
    """The idle readers of one language; a new one starts when every reader is busy, so there
    are as many as pages were ever read at once."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._idle: list[_Reader] = []
        self._lock = threading.Lock()

    def take(self, deadline: float) -> _Reader:
        with self._lock:
            while self._idle:
                reader = self._idle.pop()
                if reader.alive:
                    return reader
                reader.stop()  # died while it waited (killed, out of memory): reaped here
        return _Reader(self.lang, deadline)

    def fill(self, count: int, deadline: float) -> None:
        """Start readers, side by side, until `count` are idle."""
        with self._lock:
            missing = count - len(self._idle)
        if missing <= 0:
            return
        with ThreadPoolExecutor(max_workers=missing) as pool:
            started = list(pool.map(lambda _: _Reader(self.lang, deadline), range(missing)))
        with self._lock:
            self._idle += started

    def give_back(self, reader: _Reader) -> None:
        if not reader.alive:
            return
        with self._lock:
            self._idle.append(reader)

    def stop(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for reader in idle:
            reader.stop()


_pools: dict[str, _Readers] = {}
_pools_lock = threading.Lock()


def _readers(lang: str) -> _Readers:
    """The process's readers of `lang`: one pool, even when dossiers start side by side."""
    with _pools_lock:
        if lang not in _pools:
            _pools[lang] = _Readers(lang)
            atexit.register(_pools[lang].stop)
        return _pools[lang]


@functools.cache
def check_installed(lang: str) -> None:
    """Raise TesseractMissing with what to install when tesseract or a language is absent.
    Checked once per process and language."""
    if shutil.which("tesseract") is None:
        raise TesseractMissing(
            "tesseract is not installed: run `make install` (Debian: apt-get install "
            "tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd)"
        )
    listed = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, check=False
    ).stdout.split()
    for needed in [*lang.split("+"), "osd"]:
        if needed not in listed:
            raise TesseractMissing(
                f"tesseract language data '{needed}' is missing: run `make install` "
                f"(Debian: apt-get install tesseract-ocr-{needed})"
            )


def parse_hocr(hocr: bytes) -> PageText:
    """Words and lines from Tesseract's hOCR output."""
    root = ElementTree.fromstring(hocr)
    page = next(e for e in root.iter(f"{_XHTML}div") if e.get("class") == "ocr_page")
    page_box = _box(page.get("title", ""))
    lines = []
    for element in root.iter(f"{_XHTML}span"):
        if element.get("class") not in _LINE_CLASSES:
            continue
        title = element.get("title", "")
        baseline = _BASELINE.search(title)
        words = tuple(_words(element))
        if words:
            lines.append(
                Line(
                    box=_box(title),
                    baseline_slope=float(baseline[1]) if baseline else 0.0,
                    baseline_offset=float(baseline[2]) if baseline else 0.0,
                    words=words,
                )
            )
    return PageText(width=page_box.x1, height=page_box.y1, lines=tuple(lines))


def _words(line: ElementTree.Element) -> list[Word]:
    words = []
    for span in line.iter(f"{_XHTML}span"):
        if span.get("class") != "ocrx_word":
            continue
        # NFC so that every Vietnamese letter is one code point downstream
        text = unicodedata.normalize("NFC", "".join(span.itertext()).strip())
        if not text:
            continue
        title = span.get("title", "")
        confidence = _WCONF.search(title)
        words.append(
            Word(text=text, box=_box(title), confidence=float(confidence[1]) if confidence else 0.0)
        )
    return words


def _box(title: str) -> Box:
    match = _BBOX.search(title)
    if not match:
        raise OcrError(f"hOCR element without a bbox: {title!r}")
    x0, y0, x1, y1 = (int(v) for v in match.groups())
    return Box(x0, y0, x1, y1)
