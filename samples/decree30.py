"""Papers of Decree 30/2020 that real archives hold and the default sets lack: nghị quyết, chỉ
thị, thông tư, kế hoạch, giấy mời. They are drawn only when asked for (`python -m
samples.generate --decree30`), so that the held-out sets every benchmark compares on stay as
they are."""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from samples.blocks import (
    Document,
    Fields,
    Issuer,
    Para,
    any_issuer,
    body,
    filler,
    official_header,
    shuffled_running_text,
    signature_row,
    single,
)
from samples.identity import PROVINCES, make_address, make_person, vn_date
from sohoa.pipeline.text import nfc

# Ministries that issue thông tư: name, the number's issuer part, and the header line.
MINISTRIES = (
    ("Bộ Tư pháp", "BTP"),
    ("Bộ Tài chính", "BTC"),
    ("Bộ Công Thương", "BCT"),
    ("Bộ Y tế", "BYT"),
    ("Bộ Nội vụ", "BNV"),
    ("Bộ Xây dựng", "BXD"),
)


def _council(rng: random.Random) -> Issuer:
    """A district's people's council, which passes nghị quyết."""
    place = make_address(rng)
    header = (
        Para("HỘI ĐỒNG NHÂN DÂN", weight="bold", size=0.95, align="center"),
        Para(place.district.upper(), weight="bold", size=0.95, align="center", rule_below=True),
    )
    name = f"Hội đồng nhân dân {place.district}"
    return Issuer(header, name, "HĐND", ("TM. HỘI ĐỒNG NHÂN DÂN", "CHỦ TỊCH"), place)


def _ministry(rng: random.Random) -> Issuer:
    """A ministry in Hà Nội, its name one line in capitals."""
    name, abbreviation = rng.choice(MINISTRIES)
    capital = next(p for p in PROVINCES if p.name == "Hà Nội")
    header = (Para(name.upper(), weight="bold", size=0.95, align="center", rule_below=True),)
    signing = rng.choice((("BỘ TRƯỞNG",), ("KT. BỘ TRƯỞNG", "THỨ TRƯỞNG")))
    return Issuer(header, name, abbreviation, signing, make_address(rng, capital), head="BỘ TRƯỞNG")


@dataclass(frozen=True)
class _Kind:
    """What tells one Decree 30 type's papers apart."""

    title: str
    issuer: Callable[[random.Random], Issuer]
    number: str  # a format of count, year and issuer abbreviation
    counts: tuple[int, int]
    subjects: tuple[str, ...]
    closing: str  # may name the issuer and the date


KINDS = {
    "nghi_quyet": _Kind(
        "NGHỊ QUYẾT",
        _council,
        "{count}/NQ-{issuer}",
        (1, 99),
        (
            "thông qua kế hoạch đầu tư công trung hạn",
            "phê chuẩn quyết toán ngân sách địa phương năm trước",
            "quy định mức chi hỗ trợ cho người hoạt động không chuyên trách",
        ),
        "Nghị quyết này có hiệu lực kể từ ngày ký./.",
    ),
    "chi_thi": _Kind(
        "CHỈ THỊ",
        any_issuer,
        "{count:02d}/CT-{issuer}",
        (1, 40),
        (
            "tăng cường công tác phòng, chống thiên tai",
            "đẩy mạnh cải cách thủ tục hành chính",
            "triển khai sử dụng hóa đơn điện tử trên địa bàn",
        ),
        "Yêu cầu thủ trưởng các cơ quan, đơn vị nghiêm túc thực hiện Chỉ thị này./.",
    ),
    "thong_tu": _Kind(
        "THÔNG TƯ",
        _ministry,
        "{count}/{year}/TT-{issuer}",
        (1, 60),
        (
            "quy định chi tiết một số điều của Nghị định về quản lý hồ sơ",
            "hướng dẫn thực hiện thủ tục hành chính trên môi trường điện tử",
            "sửa đổi, bổ sung một số điều của Thông tư về chế độ báo cáo",
        ),
        "Thông tư này có hiệu lực thi hành sau 45 ngày kể từ ngày ký ban hành./.",
    ),
    "ke_hoach": _Kind(
        "KẾ HOẠCH",
        any_issuer,
        "{count}/KH-{issuer}",
        (1, 300),
        (
            "triển khai công tác chuyển đổi số năm nay",
            "kiểm tra công tác cải cách hành chính",
            "tổ chức tiếp công dân định kỳ",
        ),
        "Trên đây là Kế hoạch, đề nghị các đơn vị triển khai thực hiện./.",
    ),
    "giay_moi": _Kind(
        "GIẤY MỜI",
        any_issuer,
        "{count}/GM-{issuer}",
        (1, 500),
        (
            "dự hội nghị tổng kết công tác năm",
            "dự buổi làm việc về công tác giải phóng mặt bằng",
            "dự cuộc họp triển khai nhiệm vụ quý",
        ),
        "Thời gian: 08 giờ 00, {date}, tại hội trường {name}./.",
    ),
}


def paper(doc_type: str) -> Callable[[random.Random, date], Document]:
    """The template of a Decree 30 type of `KINDS`."""
    return functools.partial(_paper, doc_type)


def _paper(doc_type: str, rng: random.Random, when: date) -> Document:
    """A paper of the Decree 30 layout: header, title, its subject centred under it (with "Về
    việc" or not), a few paragraphs, the signature."""
    kind = KINDS[doc_type]
    issuer = kind.issuer(rng)
    count = rng.randint(*kind.counts)
    number = kind.number.format(count=count, year=when.year, issuer=issuer.abbreviation)
    deck = shuffled_running_text(rng)
    subject = nfc(rng.choice(kind.subjects))
    printed = f"Về việc {subject}" if rng.random() < 0.5 else subject[0].upper() + subject[1:]
    rows = [
        official_header(rng, issuer, number, when),
        single(Para(kind.title, weight="bold", size=1.15, align="center"), space_before=1.2),
        single(Para(printed, weight="bold", align="center")),
    ]
    rows += [body(sentence) for sentence in filler(deck, rng.randint(2, 5))]
    rows.append(body(nfc(kind.closing.format(date=vn_date(when, rng), name=issuer.name))))
    rows.append(
        signature_row(
            issuer.signing, make_person(rng).full_name, "seal", ("- Như trên;", "- Lưu: VT.")
        )
    )
    trich_yeu = printed.removeprefix("Về việc ")
    fields = Fields(
        so_ky_hieu=number, ngay_ban_hanh=when, co_quan_ban_hanh=issuer.name, trich_yeu=trich_yeu
    )
    return Document(doc_type, rows, fields)
