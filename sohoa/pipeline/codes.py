"""QR codes and barcodes printed on a page: what they say.

Papers printed by the provincial system carry a QR code top left (dossier code, procedure,
applicant); separator sheets carry a barcode or QR code. zxing-cpp reads the whole page at
scan resolution, in any direction (a barcode on a sideways sheet still reads): about 35 ms for
an A4 page at 200 dpi and 65 ms at 300 dpi, a few percent of the page's OCR. Light-on-dark
codes do not occur on paper, so inverted images are not tried.
"""

from __future__ import annotations

import zxingcpp
from PIL import Image


def decode_codes(image: Image.Image) -> tuple[str, ...]:
    """The payload text of every QR code and barcode on the page, top to bottom."""
    found = zxingcpp.read_barcodes(image, try_invert=False)
    found.sort(key=lambda code: (code.position.top_left.y, code.position.top_left.x))
    return tuple(code.text for code in found if code.text)
