"""Papers printed by a province's one-stop-shop system: the receipt of a dossier, and the QR code
top-left that the system prints on the papers it issues (dossier code, procedure code, applicant's
personal ID, paper name)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from samples.blocks import (
    Code,
    Column,
    Document,
    Fields,
    Para,
    Row,
    commune_council,
    field_rows,
    honorific,
    motto_paras,
    party_signatures,
    place_date,
    single,
)
from samples.identity import make_person, slash_date
from sohoa.pipeline.text import nfc


@dataclass(frozen=True)
class Procedure:
    code: str  # as the national procedure database numbers it (illustrative numbers)
    name: str
    papers: tuple[str, ...]  # what the applicant hands in
    days: int  # legal time to a result, in working days


PROCEDURES = (
    Procedure("1.001193", "Đăng ký khai sinh", ("Tờ khai đăng ký khai sinh",
              "Giấy chứng sinh", "Giấy chứng nhận kết hôn của cha, mẹ (bản sao)"), 1),
    Procedure("1.000894", "Đăng ký kết hôn", ("Tờ khai đăng ký kết hôn",
              "Giấy xác nhận tình trạng hôn nhân", "Căn cước công dân của hai bên (bản sao)"), 3),
    Procedure("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân", ("Tờ khai cấp Giấy xác nhận "
              "tình trạng hôn nhân", "Quyết định công nhận thuận tình ly hôn (bản sao)"), 3),
    Procedure("1.000656", "Đăng ký khai tử", ("Tờ khai đăng ký khai tử", "Giấy báo tử"), 1),
    Procedure("1.004227", "Đăng ký thường trú", ("Tờ khai thay đổi thông tin cư trú (CT01)",
              "Hợp đồng thuê nhà ở có công chứng", "Giấy tờ chứng minh chỗ ở hợp pháp"), 7),
    Procedure("2.001035", "Đăng ký thành lập hộ kinh doanh", ("Giấy đề nghị đăng ký hộ kinh doanh",
              "Hợp đồng thuê mặt bằng kinh doanh", "Căn cước công dân của chủ hộ (bản sao)"), 3),
    Procedure("1.012759", "Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", (
              "Đơn đăng ký đất đai, tài sản gắn liền với đất", "Hợp đồng chuyển nhượng quyền sử "
              "dụng đất", "Giấy chứng nhận quyền sử dụng đất đã cấp (bản gốc)"), 20),
)  # fmt: skip

# How the system names each paper in its QR code.
PAPER_NAMES = {
    "don_de_nghi": "Đơn đề nghị",
    "to_khai": "Tờ khai",
    "quyet_dinh": "Quyết định",
    "giay_khai_sinh": "Trích lục khai sinh",
    "giay_chung_nhan_ket_hon": "Trích lục kết hôn",
    "xac_nhan_tinh_trang_hon_nhan": "Giấy xác nhận tình trạng hôn nhân",
    "trich_luc_khai_tu": "Trích lục khai tử",
    "xac_nhan_cu_tru": "Xác nhận thông tin về cư trú",
    "gcn_dang_ky_doanh_nghiep": "Giấy chứng nhận đăng ký doanh nghiệp",
    "giay_tiep_nhan_ho_so": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
}


@dataclass(frozen=True)
class Case:
    """A dossier as the system filed it; every QR code in one dossier names the same case."""

    code: str  # mã hồ sơ: "000.00.18.H42-240314-0012" (agency, date received, serial)
    procedure: Procedure
    received: date


def make_case(rng: random.Random, received: date) -> Case:
    agency = f"000.{rng.randint(0, 99):02d}.{rng.randint(1, 40):02d}.H{rng.randint(10, 66)}"
    code = f"{agency}-{received.strftime('%y%m%d')}-{rng.randint(1, 9999):04d}"
    return Case(code, rng.choice(PROCEDURES), received)


def qr_payload(case: Case, personal_id: str, doc_type: str) -> dict[str, str]:
    return {
        "ma_ho_so": case.code,
        "ma_thu_tuc": case.procedure.code,
        "so_dinh_danh": personal_id,
        "ten_giay_to": PAPER_NAMES[doc_type],
    }


def with_qr(document: Document, case: Case) -> Document:
    """The document as the system prints it: a QR code top-left naming the case and the person
    the paper is about (its first personal ID)."""
    payload = qr_payload(case, document.fields.so_dinh_danh[0], document.type)
    code = Code(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
    row = Row((Column((), width=0.3, code=code),))
    return replace(document, rows=[row, *document.rows], qr=payload)


def giay_tiep_nhan_ho_so(rng: random.Random, when: date, case: Case | None = None) -> Document:
    """The receipt the one-stop shop prints when it takes a dossier in; always with its QR code."""
    case = case or make_case(rng, when)
    when = case.received
    applicant = make_person(rng)
    office = commune_council(rng, applicant.address)
    clerk = make_person(rng)
    title = rng.choice(
        (
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        )
    )
    unit = rng.choice(("BỘ PHẬN MỘT CỬA", "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ"))
    left = Column((*office.header, Para(unit, weight="bold", size=0.85, align="center")), 0.42)
    rows = [Row((left, Column(motto_paras(0.9), 0.58)))]
    rows.append(single(Para(title, weight="bold", size=1.1, align="center"), space_before=1.0))
    rows.append(single(Para(f"Mã hồ sơ: {case.code}", weight="bold", align="center")))
    rows.append(
        single(
            Para(nfc(f"{unit.capitalize()} {office.name} đã tiếp nhận hồ sơ của:")),
            space_before=0.6,
        )
    )
    particulars = [
        f"{honorific(applicant)}: {applicant.full_name}",
        f"{rng.choice(('Số định danh cá nhân', 'Số CCCD', 'Số giấy tờ tùy thân'))}: "
        f"{applicant.personal_id}",
        f"Địa chỉ: {applicant.address.line()}",
        f"Số điện thoại: {applicant.phone}",
    ]
    if rng.random() < 0.5:
        particulars[1], particulars[2] = particulars[2], particulars[1]
    rows += field_rows([nfc(line) for line in particulars])
    rows.append(single(Para(nfc(f"Nội dung yêu cầu giải quyết: {case.procedure.name}."))))
    rows.append(single(Para("1. Thành phần hồ sơ gồm:"), space_before=0.3))
    # the papers listed are hard negatives: "Hợp đồng …", "Giấy chứng nhận …" inside a receipt
    rows += field_rows([nfc(f"- {paper};") for paper in case.procedure.papers])
    due = when + timedelta(days=round(case.procedure.days * 1.4) + 1)
    hour = rng.randint(7, 16)
    numbered = [
        f"2. Số lượng hồ sơ: {rng.choice(('01', '01', '02'))} bộ.",
        f"3. Thời gian giải quyết hồ sơ theo quy định: {case.procedure.days} ngày làm việc.",
        f"4. Thời gian nhận hồ sơ: {hour:02d} giờ {rng.choice((0, 15, 30, 45)):02d} phút, "
        f"ngày {slash_date(when)}.",
        f"5. Thời gian trả kết quả giải quyết hồ sơ: {rng.randint(8, 16):02d} giờ 00 phút, "
        f"ngày {slash_date(due)}.",
        f"6. Đăng ký nhận kết quả tại: "
        f"{rng.choice(('Bộ phận một cửa', 'Dịch vụ bưu chính công ích', 'Cổng dịch vụ công'))}.",
    ]
    rows += field_rows([nfc(line) for line in numbered], indent=0.0)
    dated = Para(place_date(office.place, when, rng), weight="italic", align="center")
    rows.append(Row((Column((), 0.45), Column((dated,), 0.55)), space_before=0.6))
    rows.append(
        party_signatures(
            ("NGƯỜI NỘP HỒ SƠ", "NGƯỜI TIẾP NHẬN HỒ SƠ"),
            (applicant.full_name, clerk.full_name),
            ("hand", "hand"),
        )
    )
    fields = Fields(
        ngay_ban_hanh=when,
        co_quan_ban_hanh=office.name,
        so_dinh_danh=[applicant.personal_id],
        ho_ten=applicant.full_name,
    )
    return with_qr(Document("giay_tiep_nhan_ho_so", rows, fields), case)
