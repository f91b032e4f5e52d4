"""Made-up Vietnamese people, places and organisations, with valid personal IDs and tax codes.

Everything is drawn from a `random.Random` so a seed reproduces the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sohoa.pipeline.text import nfc

Sex = Literal["Nam", "Nữ"]
SEXES: tuple[Sex, ...] = ("Nam", "Nữ")

FAMILY_NAMES = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý",
)  # fmt: skip
MIDDLE_NAMES: dict[Sex, tuple[str, ...]] = {
    "Nam": ("Văn", "Đức", "Minh", "Hữu", "Quang", "Thành", "Quốc", "Xuân", "Mạnh", "Gia", "Bảo"),
    "Nữ": ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Phương", "Minh", "Bích", "Diệu", "Khánh"),
}
# Both tone placements occur on real papers ("Thuỷ" / "Thủy"); both are valid NFC strings.
GIVEN_NAMES: dict[Sex, tuple[str, ...]] = {
    "Nam": (
        "Hưởng", "Đức", "Dũng", "Hùng", "Tuấn", "Cường", "Thắng", "Nghĩa", "Phúc", "Trường",
        "Khoa", "Quyết", "Luyện", "Toản", "Định", "Hiếu", "Nguyên", "Khải", "Việt", "Huỳnh",
    ),
    "Nữ": (
        "Thuỷ", "Thủy", "Nguyệt", "Phương", "Ngọc", "Hương", "Lan", "Hằng", "Trang", "Yến",
        "Huyền", "Nhung", "Oanh", "Thảo", "Diệp", "Loan", "Hoà", "Quyên", "Xuyến", "Tuyết",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Province:
    name: str  # as in "tỉnh Nam Định" / "thành phố Hà Nội"
    kind: Literal["tỉnh", "thành phố"]
    id_code: str  # 3-digit code of birth registration that opens a personal ID
    districts: tuple[tuple[str, tuple[str, ...]], ...]  # ("huyện Trực Ninh", ("xã Phương Định", …))


PROVINCES = (
    Province("Hà Nội", "thành phố", "001", (
        ("quận Ba Đình", ("phường Phúc Xá", "phường Kim Mã", "phường Ngọc Hà")),
        ("quận Đống Đa", ("phường Láng Thượng", "phường Ô Chợ Dừa", "phường Khương Thượng")),
        ("huyện Đông Anh", ("xã Uy Nỗ", "xã Việt Hùng", "xã Thụy Lâm")),
    )),
    Province("Hải Phòng", "thành phố", "031", (
        ("quận Lê Chân", ("phường Dư Hàng", "phường Trại Cau")),
        ("huyện Thủy Nguyên", ("xã Lưu Kiếm", "xã Quảng Thanh")),
    )),
    Province("Nam Định", "tỉnh", "036", (
        ("huyện Trực Ninh", ("xã Phương Định", "xã Trực Đạo", "thị trấn Cổ Lễ")),
        ("huyện Hải Hậu", ("xã Hải Đường", "xã Hải Phương")),
    )),
    Province("Thanh Hóa", "tỉnh", "038", (
        ("huyện Hoằng Hóa", ("xã Hoằng Đức", "xã Hoằng Quỳ")),
        ("thành phố Sầm Sơn", ("phường Trường Sơn", "phường Quảng Tiến")),
    )),
    Province("Nghệ An", "tỉnh", "040", (
        ("huyện Nghi Lộc", ("xã Nghi Phương", "xã Nghi Thuận")),
        ("thành phố Vinh", ("phường Hưng Dũng", "phường Bến Thủy")),
    )),
    Province("Thừa Thiên Huế", "tỉnh", "046", (
        ("thành phố Huế", ("phường Phú Hội", "phường Thuận Lộc")),
        ("huyện Phú Vang", ("xã Phú Thượng", "xã Vinh Thanh")),
    )),
    Province("Đà Nẵng", "thành phố", "048", (
        ("quận Hải Châu", ("phường Thạch Thang", "phường Hòa Cường Bắc")),
        ("huyện Hòa Vang", ("xã Hòa Phước", "xã Hòa Khương")),
    )),
    Province("Đắk Lắk", "tỉnh", "066", (
        ("thành phố Buôn Ma Thuột", ("phường Tân Lợi", "phường Ea Tam")),
        ("huyện Krông Pắc", ("xã Ea Phê", "xã Hòa Đông")),
    )),
    Province("Hồ Chí Minh", "thành phố", "079", (
        ("quận Gò Vấp", ("phường 5", "phường Hạnh Thông")),
        ("huyện Củ Chi", ("xã Tân Thông Hội", "xã Phước Vĩnh An")),
        ("thành phố Thủ Đức", ("phường Linh Trung", "phường Hiệp Phú")),
    )),
    Province("Cần Thơ", "thành phố", "092", (
        ("quận Ninh Kiều", ("phường Xuân Khánh", "phường Hưng Lợi")),
        ("huyện Phong Điền", ("xã Nhơn Ái", "xã Mỹ Khánh")),
    )),
)  # fmt: skip

STREETS = (
    "Trần Hưng Đạo", "Lê Lợi", "Nguyễn Trãi", "Quang Trung", "Hai Bà Trưng", "Lý Thường Kiệt",
    "Phan Đình Phùng", "Nguyễn Huệ", "Hoàng Diệu", "Điện Biên Phủ", "Võ Thị Sáu", "Ngô Quyền",
)  # fmt: skip
OCCUPATIONS = ("Nông dân", "Công nhân", "Giáo viên", "Kinh doanh tự do", "Nhân viên văn phòng",
               "Hưu trí", "Kỹ sư", "Bác sĩ", "Lao động tự do", "Sinh viên")  # fmt: skip
COMPANY_KINDS = ("CÔNG TY TNHH", "CÔNG TY CỔ PHẦN", "CÔNG TY TNHH MỘT THÀNH VIÊN")
COMPANY_NAMES = ("THƯƠNG MẠI VÀ DỊCH VỤ HỒNG PHÁT", "XÂY DỰNG AN KHANG", "NÔNG SẢN PHƯƠNG NAM",
                 "VẬN TẢI ĐỨC THỊNH", "ĐẦU TƯ BẤT ĐỘNG SẢN THÀNH ĐÔ", "DỆT MAY HƯNG YÊN",
                 "CÔNG NGHỆ SỐ VIỆT TIẾN", "THỰC PHẨM SẠCH MINH CHÂU")  # fmt: skip

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


@dataclass(frozen=True)
class Address:
    detail: str  # house number and street, or hamlet
    commune: str  # "xã Phương Định"
    district: str  # "huyện Trực Ninh"
    province: Province

    @property
    def province_label(self) -> str:
        return f"{self.province.kind} {self.province.name}"

    def line(self) -> str:
        return f"{self.detail}, {self.commune}, {self.district}, {self.province_label}"

    @property
    def locality(self) -> str:
        """The place name a document is dated from ("Trực Ninh, ngày …")."""
        return self.province.name if self.province.kind == "thành phố" else _bare(self.district)


@dataclass(frozen=True)
class Person:
    full_name: str
    sex: Sex
    birth_date: date
    birth_province: Province
    personal_id: str
    address: Address
    occupation: str
    id_issue_date: date
    phone: str

    @property
    def upper_name(self) -> str:
        return self.full_name.upper()


@dataclass(frozen=True)
class Company:
    name: str
    tax_code: str
    address: Address
    representative: Person
    title: str  # the representative's position, "Giám đốc"


def _bare(unit: str) -> str:
    """'huyện Trực Ninh' -> 'Trực Ninh'."""
    for prefix in ("thành phố ", "thị trấn ", "huyện ", "quận ", "phường ", "xã ", "tỉnh "):
        if unit.startswith(prefix):
            return unit.removeprefix(prefix)
    return unit


def make_address(rng: random.Random, province: Province | None = None) -> Address:
    province = province or rng.choice(PROVINCES)
    district, communes = rng.choice(province.districts)
    if rng.random() < 0.6:
        detail = f"Số {rng.randint(1, 250)} đường {rng.choice(STREETS)}"
    else:
        detail = f"Thôn {rng.choice(('Đông', 'Tây', 'Nam', 'Bắc', 'Trung', 'Thượng', 'Hạ'))}"
    return Address(detail, rng.choice(communes), district, province)


def personal_id(province: Province, birth_date: date, sex: Sex, serial: int) -> str:
    """The 12-digit personal ID: province code, century/sex digit, 2-digit birth year, serial."""
    century_offset = {19: 0, 20: 2}[birth_date.year // 100]
    century_sex = century_offset + (1 if sex == "Nữ" else 0)
    return f"{province.id_code}{century_sex}{birth_date.year % 100:02d}{serial:06d}"


def tax_code(rng: random.Random) -> str:
    """A 10-digit tax code whose last digit is the check digit over TAX_CODE_WEIGHTS."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        digits[0] = rng.randint(0, 8)  # real codes open with a 2-digit province number
        remainder = sum(w * d for w, d in zip(TAX_CODE_WEIGHTS, digits, strict=True)) % 11
        # remainder 0 gives check "10": implementations disagree there, so never emit it
        if remainder != 0:
            return "".join(map(str, digits)) + str(10 - remainder)


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def make_person(
    rng: random.Random, *, sex: Sex | None = None, born: tuple[int, int] = (1950, 2004)
) -> Person:
    chosen: Sex = sex if sex is not None else rng.choice(SEXES)
    name = " ".join(
        (
            rng.choice(FAMILY_NAMES),
            rng.choice(MIDDLE_NAMES[chosen]),
            rng.choice(GIVEN_NAMES[chosen]),
        )
    )
    birth_date = random_date(rng, date(born[0], 1, 1), date(born[1], 12, 31))
    birth_province = rng.choice(PROVINCES)
    issue_floor = max(date(2016, 1, 1), birth_date + timedelta(days=14 * 365 + 4))
    return Person(
        full_name=nfc(name),
        sex=chosen,
        birth_date=birth_date,
        birth_province=birth_province,
        personal_id=personal_id(birth_province, birth_date, chosen, rng.randint(0, 999_999)),
        address=make_address(rng),
        occupation=rng.choice(OCCUPATIONS),
        id_issue_date=random_date(rng, issue_floor, max(issue_floor, date(2024, 6, 30))),
        phone="0" + rng.choice(("9", "8", "3", "7")) + "".join(rng.choices("0123456789", k=8)),
    )


def make_company(rng: random.Random) -> Company:
    return Company(
        name=nfc(f"{rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_NAMES)}"),
        tax_code=tax_code(rng),
        address=make_address(rng),
        representative=make_person(rng, born=(1960, 1995)),
        title=rng.choice(("Giám đốc", "Tổng Giám đốc", "Chủ tịch Hội đồng quản trị")),
    )


def id_valid_until(person: Person) -> date:
    """Cards are renewed at 25, 40 and 60; past 60 they stay valid for life (shown as 2099)."""
    for age in (25, 40, 60):
        if person.birth_date.year + age > person.id_issue_date.year + 2:
            born = person.birth_date
            day = 28 if (born.month, born.day) == (2, 29) else born.day
            return date(born.year + age, born.month, day)
    return date(2099, 12, 31)


def vn_date(day: date, rng: random.Random) -> str:
    """'ngày 05 tháng 01 năm 2024'. Decree 30 pads days < 10 and months < 3 with a zero; real
    papers both drop and add zeros."""
    day_text = f"{day.day:02d}" if day.day < 10 and rng.random() < 0.85 else str(day.day)
    pad_month = (day.month < 3 or rng.random() < 0.3) and rng.random() < 0.85
    month_text = f"{day.month:02d}" if pad_month else str(day.month)
    return f"ngày {day_text} tháng {month_text} năm {day.year}"


def slash_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
