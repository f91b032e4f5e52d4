"""Papers of Decree 30/2020 that real archives hold and the default sets lack: nghị quyết, chỉ
thị, thông tư, kế hoạch, giấy mời. They are drawn only when asked for (`python -m
samples.generate --decree30`), so that the held-out sets every benchmark compares on stay as
they are."""

from __future__ import annotations

import random
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


def _paper(
    rng: random.Random,
    when: date,
    doc_type: str,
    title: str,
    issuer: Issuer,
    number: str,
    subjects: tuple[str, ...],
    closing: str,
) -> Document:
    """A paper of the Decree 30 layout: header, title, its subject centred under it (with "Về
    việc" or not), a few paragraphs, the signature."""
    deck = shuffled_running_text(rng)
    subject = nfc(rng.choice(subjects))
    printed = f"Về việc {subject}" if rng.random() < 0.5 else subject[0].upper() + subject[1:]
    rows = [
        official_header(rng, issuer, number, when),
        single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.2),
        single(Para(printed, weight="bold", align="center")),
    ]
    rows += [body(sentence) for sentence in filler(deck, rng.randint(2, 5))]
    rows.append(body(nfc(closing)))
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


def nghi_quyet(rng: random.Random, when: date) -> Document:
    issuer = _council(rng)
    number = f"{rng.randint(1, 99)}/NQ-HĐND"
    subjects = (
        "thông qua kế hoạch đầu tư công trung hạn",
        "phê chuẩn quyết toán ngân sách địa phương năm trước",
        "quy định mức chi hỗ trợ cho người hoạt động không chuyên trách",
    )
    closing = "Nghị quyết này có hiệu lực kể từ ngày ký./."
    return _paper(rng, when, "nghi_quyet", "NGHỊ QUYẾT", issuer, number, subjects, closing)


def chi_thi(rng: random.Random, when: date) -> Document:
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 40):02d}/CT-{issuer.abbreviation}"
    subjects = (
        "tăng cường công tác phòng, chống thiên tai",
        "đẩy mạnh cải cách thủ tục hành chính",
        "triển khai sử dụng hóa đơn điện tử trên địa bàn",
    )
    closing = "Yêu cầu thủ trưởng các cơ quan, đơn vị nghiêm túc thực hiện Chỉ thị này./."
    return _paper(rng, when, "chi_thi", "CHỈ THỊ", issuer, number, subjects, closing)


def thong_tu(rng: random.Random, when: date) -> Document:
    issuer = _ministry(rng)
    number = f"{rng.randint(1, 60)}/{when.year}/TT-{issuer.abbreviation}"
    subjects = (
        "quy định chi tiết một số điều của Nghị định về quản lý hồ sơ",
        "hướng dẫn thực hiện thủ tục hành chính trên môi trường điện tử",
        "sửa đổi, bổ sung một số điều của Thông tư về chế độ báo cáo",
    )
    closing = "Thông tư này có hiệu lực thi hành sau 45 ngày kể từ ngày ký ban hành./."
    return _paper(rng, when, "thong_tu", "THÔNG TƯ", issuer, number, subjects, closing)


def ke_hoach(rng: random.Random, when: date) -> Document:
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 300)}/KH-{issuer.abbreviation}"
    subjects = (
        "triển khai công tác chuyển đổi số năm nay",
        "kiểm tra công tác cải cách hành chính",
        "tổ chức tiếp công dân định kỳ",
    )
    closing = "Trên đây là Kế hoạch, đề nghị các đơn vị triển khai thực hiện./."
    return _paper(rng, when, "ke_hoach", "KẾ HOẠCH", issuer, number, subjects, closing)


def giay_moi(rng: random.Random, when: date) -> Document:
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 500)}/GM-{issuer.abbreviation}"
    subjects = (
        "dự hội nghị tổng kết công tác năm",
        "dự buổi làm việc về công tác giải phóng mặt bằng",
        "dự cuộc họp triển khai nhiệm vụ quý",
    )
    closing = f"Thời gian: 08 giờ 00, {vn_date(when, rng)}, tại hội trường {issuer.name}./."
    return _paper(rng, when, "giay_moi", "GIẤY MỜI", issuer, number, subjects, closing)
