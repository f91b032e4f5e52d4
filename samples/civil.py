"""Civil-status and identity papers: ID cards, birth, marriage, marital status, death, residence."""

from __future__ import annotations

import random
from datetime import date, timedelta

from samples.blocks import (
    MOTTO,
    MOTTO_2,
    NAME_LABELS,
    Align,
    Code,
    Column,
    Document,
    Fields,
    Para,
    Row,
    body,
    commune_council,
    commune_police,
    field_rows,
    official_header,
    party_signatures,
    place_date,
    signature_row,
    single,
)
from samples.identity import (
    Address,
    Person,
    id_valid_until,
    make_person,
    random_date,
    slash_date,
    vn_date,
)
from sohoa.pipeline.text import fold, nfc


def _mrz_check(text: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 over digits, letters A=10…, filler '<' = 0."""
    values = [int(c) if c.isdigit() else 0 if c == "<" else ord(c) - 55 for c in text]
    return str(sum(v * (7, 3, 1)[i % 3] for i, v in enumerate(values)) % 10)


def _mrz(person: Person, expiry: date) -> tuple[str, str, str]:
    """The three 30-character lines on the back of a chip ID card (ICAO TD1)."""
    document_number = person.personal_id[3:]
    line_1 = f"IDVNM{document_number}{_mrz_check(document_number)}{person.personal_id}<<"
    line_1 += _mrz_check(line_1[5:])
    birth, until = person.birth_date.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    line_2 = f"{birth}{_mrz_check(birth)}{'M' if person.sex == 'Nam' else 'F'}"
    line_2 += f"{until}{_mrz_check(until)}VNM" + "<" * 11
    line_2 += _mrz_check(line_1[5:] + line_2[0:7] + line_2[8:15] + line_2[18:29])
    family, *others = fold(person.full_name).upper().split()
    line_3 = f"{family}<<{'<'.join(others)}".ljust(30, "<")[:30]
    return line_1, line_2, line_3


def card_qr_payload(person: Person) -> str:
    """What the QR code on the front of a chip ID card says: personal ID, the old 9-digit ID
    (empty here: a first card), full name, birth date, sex, residence, issue date."""
    parts = (
        person.personal_id,
        "",
        person.full_name,
        person.birth_date.strftime("%d%m%Y"),
        person.sex,
        person.address.line(),
        person.id_issue_date.strftime("%d%m%Y"),
    )
    return nfc("|".join(parts))


def cccd(rng: random.Random, when: date) -> Document:
    """A photocopy of both sides of a chip ID card, sometimes certified as a true copy."""
    person = make_person(rng)
    expiry = id_valid_until(person)
    card = 0.62  # 86 mm of the ~150 mm text width, near enough to the real card
    front = (
        Para(MOTTO, weight="bold", size=0.62, align="center", one_line=True),
        Para(MOTTO_2, weight="bold", size=0.62, align="center", one_line=True),
        Para("CĂN CƯỚC CÔNG DÂN", weight="bold", size=0.95, align="center", space_before=0.3),
        Para("Citizen Identity Card", weight="italic", size=0.6, align="center"),
        Para(f"Số / No.: {person.personal_id}", weight="bold", size=0.85, space_before=0.3),
        Para("Họ và tên / Full name:", size=0.62),
        Para(person.upper_name, weight="bold", size=0.8),
        Para(f"Ngày sinh / Date of birth: {slash_date(person.birth_date)}", size=0.62),
        Para(f"Giới tính / Sex: {person.sex}   Quốc tịch / Nationality: Việt Nam", size=0.62),
        Para(nfc(f"Quê quán / Place of origin: {person.birth_province.name}"), size=0.62),
        Para(nfc(f"Nơi thường trú / Place of residence: {person.address.line()}"), size=0.62),
        Para(f"Có giá trị đến: {slash_date(expiry)}", weight="italic", size=0.58),
    )
    mark = rng.choice(
        (
            "Nốt ruồi C:1cm trên sau đầu mày phải",
            "Sẹo chấm C:2cm dưới trước cằm",
            "Nốt ruồi C:1,5cm dưới sau cánh mũi trái",
        )
    )
    director = make_person(rng, sex="Nam", born=(1960, 1975)).full_name
    back = (
        Para(nfc(f"Đặc điểm nhân dạng / Personal identification: {mark}"), size=0.62),
        Para(
            f"Ngày, tháng, năm / Date, month, year: {slash_date(person.id_issue_date)}", size=0.62
        ),
        Para("CỤC TRƯỞNG CỤC CẢNH SÁT", weight="bold", size=0.62, align="center"),
        Para("QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", weight="bold", size=0.62, align="center"),
        Para(director, weight="bold", size=0.62, align="center", space_before=1.5),
        *(
            Para(line, size=0.7, mono=True, space_before=0.2 if i == 0 else 0.0)
            for i, line in enumerate(_mrz(person, expiry))
        ),
    )
    place: Align = rng.choice(("left", "center"))
    qr = Code(card_qr_payload(person), module_mm=0.4)
    rows = [
        Row(
            (Column(front, card, boxed=True, code=qr, code_align="right"),),
            space_before=rng.uniform(0.0, 3.0),
            place=place,
        ),
        Row((Column(back, card, boxed=True),), space_before=2.0, place=place),
    ]
    if rng.random() < 0.5:
        office = commune_council(rng)
        rows.append(
            single(
                Para("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH", weight="bold", align="center"),
                space_before=1.5,
            )
        )
        rows.append(
            single(
                Para(
                    f"Số chứng thực: {rng.randint(1, 9999)} Quyển số "
                    f"{rng.randint(1, 9):02d}/{when.year}-SCT/BS",
                    align="center",
                )
            )
        )
        rows.append(
            single(Para(place_date(office.place, when, rng), weight="italic", align="center"))
        )
        rows.append(
            signature_row(
                ("TM. " + office.name.split(" xã")[0].upper(), "CHỦ TỊCH"),
                make_person(rng).full_name,
                "seal",
            )
        )
    fields = Fields(
        ngay_ban_hanh=person.id_issue_date,
        co_quan_ban_hanh="Cục Cảnh sát quản lý hành chính về trật tự xã hội",
        so_dinh_danh=[person.personal_id],
        ho_ten=person.full_name,
    )
    return Document("cccd", rows, fields)


def giay_khai_sinh(rng: random.Random, when: date) -> Document:
    mother = make_person(rng, sex="Nữ", born=(1975, 2000))
    father = make_person(rng, sex="Nam", born=(1970, 1998))
    child = make_person(rng, born=(2012, when.year - 1))
    family = father.full_name.split()[0]
    child_name = nfc(f"{family} {' '.join(child.full_name.split()[1:])}")
    registered = random_date(
        rng, child.birth_date + timedelta(days=5), child.birth_date + timedelta(days=60)
    )
    office = commune_council(rng, father.address)
    number = str(rng.randint(1, 400))
    title = rng.choice(("GIẤY KHAI SINH", "TRÍCH LỤC KHAI SINH"))
    book = f"Quyển số: {rng.randint(1, 3):02d}/{registered.year}"
    rows = [official_header(rng, office, number, when, under_number=(Para(book, align="center"),))]
    rows.append(single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.0))
    if title == "TRÍCH LỤC KHAI SINH":
        rows.append(single(Para("(Bản sao)", weight="italic", align="center")))
    child_lines = [
        f"Họ, chữ đệm, tên: {child_name.upper()}",
        f"Ngày, tháng, năm sinh: {slash_date(child.birth_date)}",
        f"Giới tính: {child.sex}    Dân tộc: Kinh    Quốc tịch: Việt Nam",
        f"Nơi sinh: {rng.choice(('Trạm Y tế ', 'Bệnh viện Đa khoa '))}{father.address.district}, "
        f"{father.address.province_label}",
        f"Quê quán: {father.address.commune}, {father.address.district}, "
        f"{father.address.province_label}",
        f"Số định danh cá nhân: {child.personal_id}",
    ]
    parent_lines = []
    for role, parent in (("mẹ", mother), ("cha", father)):
        parent_lines += [
            f"Họ, chữ đệm, tên người {role}: {parent.upper_name}",
            f"Năm sinh: {parent.birth_date.year}    Dân tộc: Kinh    Quốc tịch: Việt Nam",
            f"Số định danh cá nhân: {parent.personal_id}",
            f"Nơi cư trú: {parent.address.line()}",
        ]
    rows += field_rows([nfc(x) for x in child_lines], indent=0.0)
    rows += field_rows([nfc(x) for x in parent_lines], indent=0.0)
    rows.append(single(Para(nfc(f"Nơi đăng ký khai sinh: {office.name}")), space_before=0.4))
    rows.append(single(Para(nfc(f"Ngày, tháng, năm đăng ký: {vn_date(registered, rng)}"))))
    signing = rng.choice((office.signing, ("NGƯỜI KÝ GIẤY KHAI SINH",)))
    rows.append(signature_row(signing, make_person(rng).full_name, "seal"))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=office.name,
        so_dinh_danh=[child.personal_id, mother.personal_id, father.personal_id],
        ho_ten=child_name,
    )
    return Document("giay_khai_sinh", rows, fields)


def xac_nhan_cu_tru(rng: random.Random, when: date) -> Document:
    person = make_person(rng)
    police = commune_police(rng, person.address)
    number = f"{rng.randint(100, 9999)}/XN-{police.abbreviation}"
    rows = [official_header(rng, police, number, when)]
    rows.append(
        single(
            Para("XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", weight="bold", size=1.1, align="center"),
            space_before=1.2,
        )
    )
    rows.append(
        body(f"{police.name} xác nhận thông tin về cư trú của công dân như sau:", space_before=0.6)
    )
    head = make_person(rng, born=(1950, 1985)) if rng.random() < 0.5 else person
    relation = "Chủ hộ" if head is person else rng.choice(("Con", "Vợ", "Chồng", "Cháu"))
    lines = [
        f"Họ, chữ đệm và tên: {person.upper_name}",
        f"Ngày, tháng, năm sinh: {slash_date(person.birth_date)}    Giới tính: {person.sex}",
        f"Số định danh cá nhân: {person.personal_id}",
        f"Nơi thường trú: {person.address.line()}",
        f"Nơi ở hiện tại: {person.address.line()}",
        f"Họ và tên chủ hộ: {head.upper_name}    Quan hệ với chủ hộ: {relation}",
    ]
    rows += field_rows([nfc(line) for line in lines], indent=0.0)
    ids = [person.personal_id]
    if head is not person:
        ids.append(head.personal_id)
        rows.append(body(f"Số định danh cá nhân của chủ hộ: {head.personal_id}", indent=0.0))
    rows.append(body("Giấy xác nhận này có giá trị 30 ngày kể từ ngày cấp.", space_before=0.5))
    rows.append(
        signature_row(
            police.signing,
            make_person(rng).full_name,
            "seal",
            ("- Công dân;", "- Lưu: hồ sơ cư trú."),
        )
    )
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=police.name,
        so_dinh_danh=ids,
        ho_ten=person.full_name,
    )
    return Document("xac_nhan_cu_tru", rows, fields)


def _civil_status_header(
    rng: random.Random, office_place: Address, title: str, when: date
) -> tuple[list[Row], str, str]:
    """Issuer, number and book, title, "(Bản sao)" on extracts; returns (rows, number, issuer)."""
    office = commune_council(rng, office_place)
    number = str(rng.randint(1, 400))
    book = Para(f"Quyển số: {rng.randint(1, 3):02d}/{when.year}", align="center")
    rows = [official_header(rng, office, number, when, under_number=(book,))]
    rows.append(single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.0))
    if title.startswith("TRÍCH LỤC"):
        rows.append(single(Para(rng.choice(("(Bản sao)", "(Bản chính)")), weight="italic",
                                align="center")))  # fmt: skip
    return rows, number, office.name


def _spouse_lines(rng: random.Random, role: str, person: Person) -> list[str]:
    label = rng.choice(NAME_LABELS)
    return [
        nfc(line)
        for line in (
            f"{label} {role}: {person.upper_name}",
            f"Ngày, tháng, năm sinh: {slash_date(person.birth_date)}",
            "Dân tộc: Kinh    Quốc tịch: Việt Nam",
            f"Nơi cư trú: {person.address.line()}",
            f"Giấy tờ tùy thân: CCCD số {person.personal_id}",
        )
    ]


def giay_chung_nhan_ket_hon(rng: random.Random, when: date) -> Document:
    husband = make_person(rng, sex="Nam", born=(1975, 2000))
    wife = make_person(rng, sex="Nữ", born=(1978, 2002))
    title = rng.choice(("GIẤY CHỨNG NHẬN KẾT HÔN", "TRÍCH LỤC KẾT HÔN"))
    rows, number, office = _civil_status_header(rng, husband.address, title, when)
    husband_lines = _spouse_lines(rng, "chồng", husband)
    wife_lines = _spouse_lines(rng, "vợ", wife)
    if rng.random() < 0.5:  # the certificate's two columns, husband left, wife right
        columns = tuple(
            Column(tuple(Para(line, size=0.9) for line in lines), 0.5)
            for lines in (husband_lines, wife_lines)
        )
        rows.append(Row(columns, space_before=0.6))
    else:
        rows += field_rows(husband_lines, indent=0.0)
        rows += field_rows(wife_lines, indent=0.0)
    registered = when if title.startswith("GIẤY") else when - timedelta(days=rng.randint(30, 2000))
    rows.append(single(Para(nfc(f"Nơi đăng ký kết hôn: {office}")), space_before=0.4))
    rows.append(single(Para(nfc(f"Ngày, tháng, năm đăng ký: {vn_date(registered, rng)}"))))
    if title.startswith("GIẤY"):
        rows.append(
            party_signatures(("CHỒNG", "VỢ"), (husband.full_name, wife.full_name), ("hand", "hand"))
        )
    signing = rng.choice((("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), ("CÔNG CHỨC TƯ PHÁP - HỘ TỊCH",)))
    rows.append(signature_row(signing, make_person(rng).full_name, "seal"))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=office,
        so_dinh_danh=[husband.personal_id, wife.personal_id],
        ho_ten=husband.full_name,
    )
    return Document("giay_chung_nhan_ket_hon", rows, fields)


PURPOSES = ("làm thủ tục đăng ký kết hôn", "bổ sung hồ sơ vay vốn", "làm thủ tục mua bán nhà đất")


def xac_nhan_tinh_trang_hon_nhan(rng: random.Random, when: date) -> Document:
    person = make_person(rng, born=(1960, 2003))
    office = commune_council(rng, person.address)
    number = f"{rng.randint(1, 500)}/{rng.choice(('XNTTHN', 'UBND-XNTTHN'))}"
    rows = [official_header(rng, office, number, when)]
    title = "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"
    rows.append(single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.0))
    rows.append(
        single(
            Para(nfc(f"{office.head.capitalize()} {office.name}"), align="center"), space_before=0.4
        )
    )
    rows.append(single(Para("XÁC NHẬN:", weight="bold"), space_before=0.4))
    label = rng.choice(NAME_LABELS)
    since = person.birth_date.year + 18
    divorce = f"{rng.randint(10, 300)}/{when.year - rng.randint(1, 5)}/QĐST-HNGĐ"
    status = rng.choice(
        (
            "Chưa đăng ký kết hôn với ai.",
            "Hiện tại chưa đăng ký kết hôn với ai.",
            # a hard negative: a certificate that cites a court decision
            f"Đã đăng ký kết hôn, nhưng đã ly hôn theo Quyết định công nhận thuận tình ly hôn "
            f"số {divorce} của Tòa án nhân dân {person.address.district}; hiện tại chưa đăng "
            f"ký kết hôn với ai.",
        )
    )
    lines = [
        f"{label}: {person.full_name}",
        f"Ngày, tháng, năm sinh: {slash_date(person.birth_date)}    Giới tính: {person.sex}",
        "Dân tộc: Kinh    Quốc tịch: Việt Nam",
        f"Giấy tờ tùy thân: Căn cước công dân số {person.personal_id}",
        f"Nơi cư trú: {person.address.line()}",
        f"Trong thời gian cư trú tại {person.address.commune} từ năm {since} đến nay.",
        f"Tình trạng hôn nhân: {status}",
        f"Giấy này được cấp để: {rng.choice(PURPOSES)}.",
    ]
    if rng.random() < 0.5:
        lines[1], lines[3] = lines[3], lines[1]
    rows += field_rows([nfc(line) for line in lines], indent=0.0)
    rows.append(body("Giấy này có giá trị sử dụng trong thời hạn 06 tháng, kể từ ngày cấp."))
    rows.append(
        signature_row(office.signing, make_person(rng).full_name, "seal", ("- Như trên;", "- Lưu."))
    )
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=office.name,
        so_dinh_danh=[person.personal_id],
        ho_ten=person.full_name,
    )
    return Document("xac_nhan_tinh_trang_hon_nhan", rows, fields)


def trich_luc_khai_tu(rng: random.Random, when: date) -> Document:
    deceased = make_person(rng, born=(1930, 1975))
    declarant = make_person(rng, born=(1960, 2000))
    died = when - timedelta(days=rng.randint(2, 40))
    title = rng.choice(("TRÍCH LỤC KHAI TỬ", "TRÍCH LỤC KHAI TỬ", "GIẤY BÁO TỬ"))
    rows, number, office = _civil_status_header(rng, deceased.address, title, when)
    label = rng.choice(NAME_LABELS)
    lines = [
        f"{label} người chết: {deceased.upper_name}",
        f"Ngày, tháng, năm sinh: {slash_date(deceased.birth_date)}    Giới tính: {deceased.sex}",
        "Dân tộc: Kinh    Quốc tịch: Việt Nam",
        f"Số định danh cá nhân: {deceased.personal_id}",
        f"Nơi cư trú cuối cùng: {deceased.address.line()}",
        f"Đã chết vào lúc: {rng.randint(0, 23)} giờ {rng.randint(0, 59):02d} phút, "
        f"{vn_date(died, rng)}",
        f"Nơi chết: {rng.choice(('Tại nhà', 'Bệnh viện Đa khoa ' + deceased.address.district))}",
        f"Nguyên nhân chết: {rng.choice(('Bệnh', 'Già yếu', 'Tai nạn giao thông'))}",
    ]
    declarant_lines = [
        f"Họ, chữ đệm, tên người đi khai tử: {declarant.upper_name}",
        f"Giấy tờ tùy thân: {rng.choice(('Căn cước công dân', 'CCCD'))} số {declarant.personal_id}",
        f"Quan hệ với người chết: {rng.choice(('Con', 'Vợ', 'Chồng', 'Cháu'))}",
    ]
    rows += field_rows([nfc(line) for line in lines], indent=0.0)
    rows += field_rows([nfc(line) for line in declarant_lines], indent=0.0)
    rows.append(single(Para(nfc(f"Nơi đăng ký khai tử: {office}")), space_before=0.4))
    rows.append(single(Para(nfc(f"Ngày, tháng, năm đăng ký: {vn_date(when, rng)}"))))
    signing = rng.choice((("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"),
                          ("NGƯỜI KÝ TRÍCH LỤC",)))  # fmt: skip
    rows.append(signature_row(signing, make_person(rng).full_name, "seal"))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=office,
        so_dinh_danh=[deceased.personal_id, declarant.personal_id],
        ho_ten=deceased.full_name,
    )
    return Document("trich_luc_khai_tu", rows, fields)
