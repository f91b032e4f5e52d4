"""QR codes and barcodes printed on a page: what they say.

Papers printed by the provincial system carry a QR code top left (dossier code, procedure,
applicant); separator sheets carry a Code 128 or Code 39 barcode (the "PATCH T" sheets of
paperless-ngx and of scanner vendors) or a QR code. zxing-cpp reads the whole page at scan
resolution, in any direction (a barcode on a sideways sheet still reads). Only those three
formats are looked for: all formats cost 58 ms on a 300 dpi A4 page, these three 18 ms, next
to about 750 ms of OCR. Light-on-dark codes do not occur on paper, so inverted images are not
tried. Reduced copies of the page are (zxing-cpp's `try_downscale`): leaving them out saved 6 ms
a page, but lost a QR code on the accuracy set, and with it the split of a document.
"""

from __future__ import annotations

import zxingcpp
from PIL import Image


def decode_codes(image: Image.Image) -> tuple[str, ...]:
    """The payload text of every QR code and barcode on the page, top to bottom."""
    # Made per call: a module-level zxing-cpp object is reported leaked when Python exits.
    printed = zxingcpp.BarcodeFormats(
        (
            zxingcpp.BarcodeFormat.QRCode,
            zxingcpp.BarcodeFormat.Code128,
            zxingcpp.BarcodeFormat.Code39,
        )
    )
    found = zxingcpp.read_barcodes(image, formats=printed, try_invert=False)
    found.sort(key=lambda code: (code.position.top_left.y, code.position.top_left.x))
    return tuple(code.text for code in found if code.text)
