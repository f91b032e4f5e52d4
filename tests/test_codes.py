import io

import numpy as np
import segno
import zxingcpp
from PIL import Image

from sohoa.pipeline.codes import decode_codes

# An A4 page at 200 dpi.
PAGE_SIZE = (1654, 2339)


def blank_page() -> Image.Image:
    return Image.new("L", PAGE_SIZE, 255)


def qr_image(text: str, module_px: int) -> Image.Image:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=module_px, border=2)
    return Image.open(buffer).convert("L")


def test_reads_a_small_qr_code_top_left_of_a_printed_paper() -> None:
    payload = "HS-000.00.00.H12-240314-0001|1.000894|036089001234|Giấy tiếp nhận hồ sơ"
    page = blank_page()
    page.paste(qr_image(payload, module_px=3), (120, 95))  # about 13 mm wide at 200 dpi
    assert decode_codes(page) == (payload,)


def test_reads_a_code128_barcode() -> None:
    barcode = zxingcpp.create_barcode("PATCHT", zxingcpp.BarcodeFormat.Code128)
    page = blank_page()
    page.paste(Image.fromarray(np.asarray(barcode.to_image(scale=4))), (600, 1000))
    assert decode_codes(page) == ("PATCHT",)


def test_reads_a_barcode_on_a_sideways_page() -> None:
    barcode = zxingcpp.create_barcode("PATCHT", zxingcpp.BarcodeFormat.Code128)
    page = blank_page()
    page.paste(Image.fromarray(np.asarray(barcode.to_image(scale=4))).rotate(90, expand=True))
    assert decode_codes(page) == ("PATCHT",)


def test_codes_are_listed_top_to_bottom() -> None:
    page = blank_page()
    page.paste(qr_image("lower", module_px=4), (200, 1500))
    page.paste(qr_image("upper", module_px=4), (900, 200))
    assert decode_codes(page) == ("upper", "lower")


def test_page_without_codes_has_none() -> None:
    assert decode_codes(blank_page()) == ()


def test_reads_a_code39_separator_barcode() -> None:
    barcode = zxingcpp.create_barcode("PATCHT", zxingcpp.BarcodeFormat.Code39)
    page = blank_page()
    page.paste(Image.fromarray(np.asarray(barcode.to_image(scale=4))), (600, 1000))
    assert decode_codes(page) == ("PATCHT",)
