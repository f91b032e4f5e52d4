"""Small page images drawn on the fly for tests that must not depend on the sample set."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "QUYẾT ĐỊNH",
    "Về việc cấp giấy chứng nhận cho ông Nguyễn Văn Hưởng",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Điều 1. Giao Ủy ban nhân dân xã Phương Định thực hiện quyết định này.",
]


def text_page(dpi: int = 200, lines: list[str] | None = None, mode: str = "RGB") -> Image.Image:
    """An A4 page with a few lines of Vietnamese print, upright and straight."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new(mode, (width, height), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(dpi / 6))
    y = dpi
    for line in (lines or LINES) * 3:
        draw.text((dpi * 0.8, y), line, fill="black", font=font)
        y += round(dpi / 3.2)
    return page


def save_jpeg(image: Image.Image, path: Path, dpi: int = 200) -> Path:
    image.save(path, format="JPEG", quality=85, dpi=(dpi, dpi))
    return path


# Words that tell small test pages apart, one per page, each read well by Tesseract.
PAGE_WORDS = [
    "BIÊN", "CĂN", "DỰ", "GIẤY", "HỘ", "KHAI", "LỆNH", "MẪU", "NGÀY", "PHƯỜNG", "QUYỀN",
    "SỔ", "THỬA", "ĐẤT", "ỦY", "VĂN", "XÃ", "YÊU",
]  # fmt: skip


def numbered_page(number: int, dpi: int = 200) -> Image.Image:
    """A small grey page (A6) of its own: its number and word, and a line of print that every
    page shares, so that OCR has a page to read but each page says which it is."""
    width, height = round(4.13 * dpi), round(5.83 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    big = ImageFont.truetype(FONT, round(dpi / 4))
    small = ImageFont.truetype(FONT, round(dpi / 8))
    word = PAGE_WORDS[number % len(PAGE_WORDS)]
    draw.text((dpi * 0.5, dpi * 0.6), f"TRANG {number:03d}", fill=0, font=big)
    draw.text((dpi * 0.5, dpi * 1.1), word, fill=0, font=big)
    for i, line in enumerate(LINES[:3]):
        draw.text((dpi * 0.5, dpi * (1.8 + 0.35 * i)), line[:30], fill=0, font=small)
    return page
