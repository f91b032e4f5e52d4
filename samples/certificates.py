"""Certificates: land-use rights ("sổ đỏ") and business registration."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

from samples.blocks import (
    NAME_LABELS,
    Column,
    Document,
    Fields,
    Issuer,
    Para,
    Row,
    district_council,
    field_rows,
    honorific,
    motto_paras,
    place_date,
    signature_row,
    single,
)
from samples.identity import make_address, make_company, make_person, slash_date, vn_date
from sohoa.pipeline.text import nfc

LAND_TITLES = (
    ("GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT"),
    (
        "GIẤY CHỨNG NHẬN",
        "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở",
        "VÀ TÀI SẢN KHÁC GẮN LIỀN VỚI ĐẤT",
    ),
    ("GIẤY CHỨNG NHẬN", "QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU TÀI SẢN GẮN LIỀN VỚI ĐẤT"),
)

LAND_USES = ("Đất ở tại nông thôn", "Đất ở tại đô thị", "Đất trồng cây lâu năm")
LAND_ORIGINS = (
    "Công nhận quyền sử dụng đất như giao đất có thu tiền sử dụng đất",
    "Nhà nước giao đất có thu tiền sử dụng đất",
    "Nhận chuyển nhượng quyền sử dụng đất",
)


def gcn_quyen_su_dung_dat(rng: random.Random, when: date) -> Document:
    """Two pages, as the certificate's inner spread: owners and serial, then the parcel."""
    owner = make_person(rng, sex="Nam", born=(1950, 1995))
    spouse = make_person(rng, sex="Nữ", born=(1955, 1998)) if rng.random() < 0.6 else None
    issuer = district_council(rng)
    serial = f"{''.join(rng.choices(string.ascii_uppercase, k=2))} {rng.randint(0, 999999):06d}"
    rows = [Row((Column(motto_paras(1.0), width=0.8),), place="center")]
    title = rng.choice(LAND_TITLES)
    rows += [
        single(Para(line, weight="bold", size=1.2 if i == 0 else 1.0, align="center"),
               space_before=1.5 if i == 0 else 0.0)
        for i, line in enumerate(title)
    ]  # fmt: skip
    rows.append(single(Para(f"Số phát hành: {serial}", weight="bold", align="center"),
                       space_before=0.8))  # fmt: skip
    heading = "I. Người sử dụng đất, chủ sở hữu nhà ở và tài sản khác gắn liền với đất"
    rows.append(single(Para(heading, weight="bold"), space_before=1.0))
    for person in (owner, spouse) if spouse else (owner,):
        label = rng.choice((honorific(person), rng.choice(NAME_LABELS)))
        rows += field_rows(
            [
                nfc(f"{label}: {person.upper_name}    Năm sinh: {person.birth_date.year}"),
                f"{rng.choice(('CCCD số', 'Số định danh cá nhân'))}: {person.personal_id}",
            ]
        )
    rows += field_rows([nfc(f"Địa chỉ thường trú: {owner.address.line()}")])
    place = make_address(rng, owner.address.province)
    until = f"Đến ngày {slash_date(when + timedelta(days=365 * 50))}"
    parcel = [
        f"a) Thửa đất số: {rng.randint(1, 999)}    Tờ bản đồ số: {rng.randint(1, 80)}",
        f"b) Địa chỉ: {place.detail}, {place.commune}, {place.district}, {place.province_label}",
        f"c) Diện tích: {rng.randint(60, 900)},{rng.randint(0, 9)} m²",
        f"d) Hình thức sử dụng: {rng.choice(('Sử dụng riêng', 'Sử dụng chung'))}",
        f"đ) Mục đích sử dụng: {rng.choice(LAND_USES)}",
        f"e) Thời hạn sử dụng: {rng.choice(('Lâu dài', until))}",
        f"g) Nguồn gốc sử dụng: {rng.choice(LAND_ORIGINS)}",
    ]
    heading = "II. Thửa đất, nhà ở và tài sản khác gắn liền với đất"
    rows.append(Row((Column((Para(heading, weight="bold"),)),), new_page=True))
    rows += field_rows([nfc(line) for line in parcel])
    rows.append(single(Para("III. Sơ đồ thửa đất", weight="bold"), space_before=0.6))
    rows.append(single(Para("IV. Những thay đổi sau khi cấp Giấy chứng nhận", weight="bold"),
                       space_before=0.6))  # fmt: skip
    dated = Para(place_date(issuer.place, when, rng), weight="italic", align="center")
    rows.append(Row((Column((), 0.45), Column((dated,), 0.55)), space_before=0.6))
    rows.append(signature_row(certificate_signing(issuer), make_person(rng).full_name, "seal"))
    book = f"{rng.choice(('CH', 'CS', 'VP'))} {rng.randint(1, 99999):05d}"
    rows.append(single(Para(f"Số vào sổ cấp GCN: {book}", size=0.9), space_before=0.4))
    fields = Fields(
        so_ky_hieu=serial,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        so_dinh_danh=[p.personal_id for p in (owner, spouse) if p],
        ho_ten=owner.full_name,
    )
    return Document("gcn_quyen_su_dung_dat", rows, fields)


def certificate_signing(issuer: Issuer) -> tuple[str, ...]:
    """The national form of the land-use certificate has no header block: it prints the body
    that signs it above the signature ("TM. ỦY BAN NHÂN DÂN" / "HUYỆN ĐÔNG ANH"), then the
    signer's position."""
    council, district = (para.text for para in issuer.header)
    position = tuple(line for line in issuer.signing if not line.startswith("TM."))
    return (f"TM. {council}", district, *position)


def gcn_dang_ky_doanh_nghiep(rng: random.Random, when: date) -> Document:
    """The business registration certificate; its enterprise code is the firm's tax code."""
    company = make_company(rng)
    rep = company.representative
    place = company.address
    household = rng.random() < 0.25  # a household business, registered by the district
    if household:
        header = (
            Para(f"UBND {place.district.upper()}", size=0.95, align="center"),
            Para("PHÒNG TÀI CHÍNH - KẾ HOẠCH", weight="bold", size=0.95, align="center",
                 rule_below=True),
        )  # fmt: skip
        issuer = f"Phòng Tài chính - Kế hoạch Ủy ban nhân dân {place.district}"
        titles: tuple[str, ...] = ("GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH",)
        code_label, name = "Mã số hộ kinh doanh", nfc(f"HỘ KINH DOANH {rep.upper_name}")
    else:
        header = (
            Para(f"SỞ KẾ HOẠCH VÀ ĐẦU TƯ {place.province_label.upper()}", size=0.9,
                 align="center"),
            Para("PHÒNG ĐĂNG KÝ KINH DOANH", weight="bold", size=0.95, align="center",
                 rule_below=True),
        )  # fmt: skip
        issuer = f"Phòng Đăng ký kinh doanh Sở Kế hoạch và Đầu tư {place.province_label}"
        kind = {
            "CÔNG TY TNHH": "CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN",
            "CÔNG TY CỔ PHẦN": "CÔNG TY CỔ PHẦN",
            "CÔNG TY TNHH MỘT THÀNH VIÊN": "CÔNG TY TRÁCH NHIỆM HỮU HẠN MỘT THÀNH VIÊN",
        }[next(k for k in ("CÔNG TY TNHH MỘT THÀNH VIÊN", "CÔNG TY CỔ PHẦN", "CÔNG TY TNHH")
               if company.name.startswith(k))]  # fmt: skip
        titles = ("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", kind)
        code_label, name = "Mã số doanh nghiệp", company.name
    rows = [Row((Column(header, 0.42), Column(motto_paras(0.9), 0.58)))]
    rows += [
        single(Para(t, weight="bold", size=1.15 if i == 0 else 1.0, align="center"),
               space_before=1.2 if i == 0 else 0.0)
        for i, t in enumerate(titles)
    ]  # fmt: skip
    first = when - timedelta(days=rng.randint(0, 3000))
    changed = rng.random() < 0.5 and first < when
    registered = [
        f"{code_label}: {company.tax_code}",
        f"Đăng ký lần đầu: {vn_date(first, rng)}",
    ]
    if changed:
        registered.append(f"Đăng ký thay đổi lần thứ: {rng.randint(1, 6)}, {vn_date(when, rng)}")
    rows += [
        single(Para(nfc(line), weight="bold" if i == 0 else "regular", align="center"),
               space_before=0.6 if i == 0 else 0.0)
        for i, line in enumerate(registered)
    ]  # fmt: skip
    capital = f"{rng.randint(1, 50) * 500}.000.000"
    sections = [
        f"1. Tên {'hộ kinh doanh' if household else 'công ty'}: {name}",
        f"2. Địa chỉ trụ sở {'kinh doanh' if household else 'chính'}: {place.line()}",
        f"3. {'Vốn kinh doanh' if household else 'Vốn điều lệ'}: {capital} đồng",
        f"4. {'Chủ hộ kinh doanh' if household else 'Người đại diện theo pháp luật'}:",
    ]
    rep_lines = [
        f"{rng.choice(NAME_LABELS)}: {rep.upper_name}    Giới tính: {rep.sex}",
        f"Sinh ngày: {slash_date(rep.birth_date)}    Dân tộc: Kinh    Quốc tịch: Việt Nam",
        "Loại giấy tờ pháp lý của cá nhân: Căn cước công dân",
        f"Số giấy tờ pháp lý của cá nhân: {rep.personal_id}",
        f"Địa chỉ thường trú: {rep.address.line()}",
    ]
    if not household:
        rep_lines.insert(1, f"Chức danh: {company.title}")
    if rng.random() < 0.5:  # some print the ID before the birth date
        rep_lines[1:4] = rep_lines[2:4] + rep_lines[1:2]
    rows += field_rows([nfc(line) for line in sections], indent=0.0)
    rows += field_rows([nfc(line) for line in rep_lines])
    head = ("TRƯỞNG PHÒNG",) if rng.random() < 0.6 else ("KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG")
    rows.append(signature_row(head, make_person(rng).full_name, "seal"))
    fields = Fields(
        ngay_ban_hanh=when if changed else first,
        co_quan_ban_hanh=issuer,
        so_dinh_danh=[rep.personal_id],
        ho_ten=rep.full_name,
        ma_so_thue=[company.tax_code],
    )
    return Document("gcn_dang_ky_doanh_nghiep", rows, fields)
