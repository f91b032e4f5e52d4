"""Vietnam's provinces and centrally-run cities, as they are written.

A closed set of 63 names (before the 2025 mergers, which the papers of a backlog carry; the
merged provinces kept names among them), plus "Huế", a centrally-run city since 2025. OCR loses
the marks of the capitals they are printed in ("CÂN THƠ"); a name that folds like one of these
is that one.
"""

from __future__ import annotations

from sohoa.pipeline.text import fold, normalise

PROVINCES = tuple(
    normalise(name)
    for name in (
        "Hà Nội", "Hà Giang", "Cao Bằng", "Bắc Kạn", "Tuyên Quang", "Lào Cai", "Điện Biên",
        "Lai Châu", "Sơn La", "Yên Bái", "Hòa Bình", "Thái Nguyên", "Lạng Sơn", "Quảng Ninh",
        "Bắc Giang", "Phú Thọ", "Vĩnh Phúc", "Bắc Ninh", "Hải Dương", "Hải Phòng", "Hưng Yên",
        "Thái Bình", "Hà Nam", "Nam Định", "Ninh Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
        "Quảng Bình", "Quảng Trị", "Thừa Thiên Huế", "Huế", "Đà Nẵng", "Quảng Nam",
        "Quảng Ngãi", "Bình Định", "Phú Yên", "Khánh Hòa", "Ninh Thuận", "Bình Thuận", "Kon Tum",
        "Gia Lai", "Đắk Lắk", "Đắk Nông", "Lâm Đồng", "Bình Phước", "Tây Ninh", "Bình Dương",
        "Đồng Nai", "Bà Rịa - Vũng Tàu", "Hồ Chí Minh", "Long An", "Tiền Giang", "Bến Tre",
        "Trà Vinh", "Vĩnh Long", "Đồng Tháp", "An Giang", "Kiên Giang", "Cần Thơ", "Hậu Giang",
        "Sóc Trăng", "Bạc Liêu", "Cà Mau",
    )
)  # fmt: skip

_BY_FOLDED = {fold(name): name for name in PROVINCES}


def province_named(written: str) -> str | None:
    """The province or centrally-run city `written` names, spelled as it is, or None."""
    return _BY_FOLDED.get(fold(written))
