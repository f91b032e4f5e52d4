"""Page sinks: write scanned pages to PDF, multi-page TIFF or single images, one page at a time.

None of them keeps earlier pages in memory, so a 500-page dossier costs what one page costs.
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, TiffImagePlugin


def encode_image(image: Image.Image, dpi: int, quality: int) -> tuple[bytes, bytes, str, int]:
    """(data, PDF filter, PDF colour space, bits per component) for an image XObject."""
    if image.mode == "1":
        # PIL packs 8 pixels a byte with 1 = white, exactly PDF's 1-bit DeviceGray
        return zlib.compress(image.tobytes()), b"/FlateDecode", "/DeviceGray", 1
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, dpi=(dpi, dpi))
    space = "/DeviceGray" if image.mode == "L" else "/DeviceRGB"
    return buffer.getvalue(), b"/DCTDecode", space, 8


class StreamingPdf:
    """An image-only PDF written page by page; each page is exactly image pixels / dpi inches,
    so a reader recovers the native resolution from the page size."""

    CATALOG, PAGES = 1, 2

    def __init__(self, path: Path) -> None:
        self.file: BinaryIO = path.open("wb")
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self.next_id = 3
        self.file.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def __enter__(self) -> StreamingPdf:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.close()
        else:
            self.file.close()

    def _write(self, number: int, dictionary: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.file.tell()
        self.file.write(b"%d 0 obj\n" % number + dictionary)
        if stream is not None:
            self.file.write(b"\nstream\n" + stream + b"\nendstream")
        self.file.write(b"\nendobj\n")

    def _reserve(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def add_page(self, image: Image.Image, dpi: int, quality: int) -> None:
        data, pdf_filter, space, bits = encode_image(image, dpi, quality)
        width_pt, height_pt = (f"{px * 72 / dpi:.4f}".encode() for px in image.size)
        image_id, content_id, page_id = self._reserve(), self._reserve(), self._reserve()
        self._write(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent %d /Filter %s /Length %d >>"
            % (image.width, image.height, space.encode(), bits, pdf_filter, len(data)),
            data,
        )
        content = b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
        self._write(content_id, b"<< /Length %d >>" % len(content), content)
        self._write(
            page_id,
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
            % (self.PAGES, width_pt, height_pt, image_id, content_id),
        )
        self.page_ids.append(page_id)

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % i for i in self.page_ids)
        self._write(
            self.PAGES, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.page_ids))
        )
        self._write(self.CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self.PAGES)
        xref_at = self.file.tell()
        size = self.next_id
        self.file.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.file.write(b"%010d 00000 n \n" % self.offsets[number])
        self.file.write(
            b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (size, self.CATALOG, xref_at)
        )
        self.file.close()


class StreamingTiff:
    """A multi-page TIFF, each page (IFD) with its own compression and resolution."""

    def __init__(self, path: Path) -> None:
        self.writer = TiffImagePlugin.AppendingTiffWriter(str(path), new=True)

    def __enter__(self) -> StreamingTiff:
        return self

    def __exit__(self, *_: object) -> None:
        self.writer.close()

    def add_page(self, image: Image.Image, dpi: int, compression: str) -> None:
        image.save(self.writer, format="TIFF", compression=compression, dpi=(dpi, dpi))
        self.writer.newFrame()


def save_single(image: Image.Image, path: Path, dpi: int | None, quality: int) -> None:
    """One page, one file; `dpi=None` leaves the resolution out (a PNG without pHYs)."""
    options: dict[str, Any] = {} if dpi is None else {"dpi": (dpi, dpi)}
    if path.suffix == ".jpg":
        options["quality"] = quality
    image.save(path, **options)
