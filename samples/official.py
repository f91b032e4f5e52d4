"""Papers an administration writes: decisions, letters, notices, submissions, reports, minutes."""

from __future__ import annotations

import random
import re
from datetime import date

from samples.blocks import (
    BASES,
    Document,
    Fields,
    Para,
    Row,
    any_issuer,
    body,
    centred_motto,
    commune_council,
    filler,
    honorific,
    official_header,
    party_signatures,
    shuffled_running_text,
    signature_row,
    single,
)
from samples.identity import (
    make_company,
    make_person,
    slash_date,
    vn_date,
)
from sohoa.pipeline.text import nfc


def quyet_dinh(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    issuer = any_issuer(rng)
    person = make_person(rng)
    number = f"{rng.randint(1, 2999)}/QĐ-{issuer.abbreviation}"
    parcel = f"thửa đất số {rng.randint(10, 999)}, tờ bản đồ số {rng.randint(1, 60)}"
    area = f"{rng.randint(60, 900)},{rng.randint(0, 9)} m²"
    tax = None
    # GCN subjects are hard negatives: a decision that quotes "GIẤY CHỨNG NHẬN" in capitals
    subject, article_1 = rng.choice(
        (
            (
                "cấp Giấy chứng nhận quyền sử dụng đất",
                f"Cấp GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT, QUYỀN SỞ HỮU NHÀ Ở VÀ TÀI SẢN KHÁC GẮN "
                f"LIỀN VỚI ĐẤT cho {{hon}} {{name}}, {{particulars}}, đối với {parcel}, diện tích "
                f"{area}, mục đích sử dụng: đất ở tại nông thôn.",
            ),
            (
                "thu hồi Giấy chứng nhận đăng ký hộ kinh doanh",
                "Thu hồi GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH của hộ kinh doanh do {hon} "
                "{name} làm chủ hộ, {particulars}, mã số thuế {tax}, do ngừng hoạt động "
                "kinh doanh.",
            ),
            (
                "hỗ trợ kinh phí cho hộ gia đình có hoàn cảnh khó khăn",
                "Hỗ trợ kinh phí sửa chữa nhà ở cho hộ gia đình {hon} {name}, {particulars}, "
                f"với số tiền {rng.randint(10, 60)}.000.000 đồng.",
            ),
            (
                "cho phép chuyển mục đích sử dụng đất",
                f"Cho phép {{hon}} {{name}}, {{particulars}}, được chuyển mục đích sử dụng "
                f"{parcel}, diện tích {area} từ đất trồng cây lâu năm sang đất ở.",
            ),
            (
                "công nhận tổ trưởng tổ hòa giải",
                "Công nhận {hon} {name}, {particulars}, giữ chức vụ Tổ trưởng Tổ hòa giải thôn, "
                "nhiệm kỳ 2024 - 2029.",
            ),
        )
    )
    if "{tax}" in article_1:
        tax = make_company(rng).tax_code
    particulars = rng.choice(
        (
            f"sinh ngày {slash_date(person.birth_date)}, "
            f"số định danh cá nhân {person.personal_id}, thường trú tại {person.address.line()}",
            f"số CCCD {person.personal_id}, sinh năm {person.birth_date.year}, "
            f"nơi cư trú: {person.address.line()}",
        )
    )
    article_1 = article_1.format(
        hon=honorific(person).lower(), name=person.full_name, particulars=particulars, tax=tax
    )
    rows = [official_header(rng, issuer, number, when)]
    rows.append(
        single(Para("QUYẾT ĐỊNH", weight="bold", size=1.15, align="center"), space_before=1.2)
    )
    rows.append(single(Para(nfc(f"Về việc {subject}"), weight="bold", align="center")))
    rows.append(
        single(
            Para(nfc(f"{issuer.head} {issuer.name.upper()}"), weight="bold", align="center"),
            space_before=0.8,
        )
    )
    in_force = [b for b in BASES if max(map(int, re.findall(r"năm (\d{4})", b))) <= when.year]
    bases = rng.sample(in_force, rng.randint(3, min(5, len(in_force))))
    rows += [body(b, space_before=0.1) for b in bases]
    proposer = rng.choice(
        ("Công chức Tư pháp - Hộ tịch", "Trưởng phòng Tài nguyên và Môi trường", "Chánh Văn phòng")
    )
    rows.append(body(f"Xét đề nghị của {proposer}."))
    rows.append(single(Para("QUYẾT ĐỊNH:", weight="bold", align="center"), space_before=0.6))
    rows.append(body(f"Điều 1. {article_1}"))
    article_2 = " ".join(filler(deck, rng.randint(2, 4)))
    rows.append(body(f"Điều 2. {article_2}"))
    for i, sentence in enumerate(filler(deck, rng.randint(3, 6)), start=1):
        rows.append(body(f"{i}. {sentence}", indent=15.0, space_before=0.1))
    rows.append(
        body(
            f"Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng, các bộ "
            f"phận có liên quan và {honorific(person).lower()} {person.full_name} chịu "
            f"trách nhiệm thi hành Quyết định này./."
        )
    )
    recipients = (
        "- Như Điều 3;",
        f"- {rng.choice(('UBND huyện', 'Sở Tư pháp', 'TT HĐND'))};",
        "- Lưu: VT.",
    )
    signer_name = make_person(rng).full_name
    rows.append(signature_row(issuer.signing, signer_name, "seal", recipients))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        trich_yeu=nfc(subject),
        so_dinh_danh=[person.personal_id],
        ho_ten=person.full_name,
        ma_so_thue=[tax] if tax else [],
    )
    return Document("quyet_dinh", rows, fields)


def cong_van(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    issuer = any_issuer(rng)
    unit = rng.choice(("VP", "TP", "ĐC", "VHXH"))
    number = f"{rng.randint(1, 3999)}/{issuer.abbreviation}-{unit}"
    person = make_person(rng) if rng.random() < 0.5 else None
    subject = rng.choice(
        (
            "tăng cường số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
            "xác minh thông tin hồ sơ đăng ký hộ tịch",
            "triển khai thực hiện Đề án 06 trên địa bàn",
            "đôn đốc giải quyết hồ sơ tồn đọng",
        )
    )
    under = (Para(nfc(f"V/v {subject}"), size=0.85, align="center"),)
    rows = [official_header(rng, issuer, number, when, under_number=under)]
    recipients = rng.sample(
        (
            "Các phòng, ban chuyên môn",
            "Ủy ban nhân dân các xã, thị trấn",
            "Công an huyện",
            "Bộ phận Tiếp nhận và Trả kết quả",
            "Văn phòng Đăng ký đất đai",
        ),
        rng.randint(1, 3),
    )
    if len(recipients) == 1:
        rows.append(
            single(Para(nfc(f"Kính gửi: {recipients[0]}."), align="center"), space_before=1.0)
        )
    else:
        rows.append(single(Para("Kính gửi:", align="center"), space_before=1.0))
        rows += [single(Para(nfc(f"- {r};"), indent=55.0)) for r in recipients]
    rows.append(body(" ".join(filler(deck, 2)), space_before=0.6))
    if person:
        rows.append(
            body(
                f"Đề nghị các đơn vị phối hợp xác minh, cung cấp thông tin liên quan đến "
                f"hồ sơ của {honorific(person).lower()} {person.full_name}, số định danh "
                f"cá nhân {person.personal_id}, cư trú tại {person.address.line()}."
            )
        )
    rows += [body(f"- {s}", indent=10.0) for s in filler(deck, rng.randint(2, 4))]
    rows.append(body("Trân trọng./."))
    rows.append(
        signature_row(
            issuer.signing, make_person(rng).full_name, "seal", ("- Như trên;", "- Lưu: VT.")
        )
    )
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        trich_yeu=nfc(subject),
        so_dinh_danh=[person.personal_id] if person else [],
        ho_ten=person.full_name if person else None,
    )
    return Document("cong_van", rows, fields)


def thong_bao(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 999)}/TB-{issuer.abbreviation}"
    subject = rng.choice(
        (
            "Về việc niêm yết công khai kết quả giải quyết thủ tục hành chính",
            "Kết luận của Chủ tịch Ủy ban nhân dân tại cuộc họp giao ban tháng",
            "Về việc thay đổi địa điểm tiếp nhận hồ sơ",
            "Về lịch tiếp công dân định kỳ",
            # a hard negative: a notice whose subject is a decision
            f"Về việc công khai Quyết định số {rng.randint(10, 999)}/QĐ-UBND về danh mục thủ "
            f"tục hành chính tiếp nhận qua dịch vụ bưu chính công ích",
        )
    )
    rows = [official_header(rng, issuer, number, when)]
    rows.append(
        single(Para("THÔNG BÁO", weight="bold", size=1.15, align="center"), space_before=1.2)
    )
    rows.append(single(Para(nfc(subject), weight="bold", align="center")))
    long = rng.random() < 0.5  # some run onto a second page
    for sentence in filler(deck, rng.randint(6, 10) if long else rng.randint(2, 4)):
        rows.append(body(sentence))
    rows.append(
        body(f"{issuer.name} thông báo để các cơ quan, tổ chức và công dân biết, thực hiện./.")
    )
    rows.append(
        signature_row(
            issuer.signing,
            make_person(rng).full_name,
            "seal",
            ("- Như trên;", "- Niêm yết tại trụ sở;", "- Lưu: VT."),
        )
    )
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        trich_yeu=nfc(subject.removeprefix("Về việc ")),
    )
    return Document("thong_bao", rows, fields)


def _subject_rows(rng: random.Random, title: str, subject: str) -> tuple[list[Row], str]:
    """The type title and its summary line, and the summary as `trich_yeu` (without "Về việc",
    which it carries most of the time; without it, it opens with a capital)."""
    summary = nfc(subject if rng.random() < 0.7 else subject[0].upper() + subject[1:])
    printed = f"Về việc {summary}" if summary == subject else summary
    rows = [
        single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.2),
        single(Para(printed, weight="bold", align="center")),
    ]
    return rows, summary


def to_trinh(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 999)}/TTr-{issuer.abbreviation}"
    person = make_person(rng) if rng.random() < 0.6 else None
    subject, ask = rng.choice(
        (
            (
                "đề nghị phê duyệt kế hoạch số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
                "xem xét, phê duyệt kế hoạch và bố trí kinh phí thực hiện",
            ),
            (
                "đề nghị cấp Giấy chứng nhận quyền sử dụng đất",
                "xem xét, ban hành quyết định cấp GIẤY CHỨNG NHẬN QUYỀN SỬ DỤNG ĐẤT",
            ),
            (
                "đề nghị khen thưởng cá nhân có thành tích xuất sắc",
                "xem xét, quyết định khen thưởng",
            ),
            (
                "đề nghị hỗ trợ kinh phí xây dựng nhà ở cho hộ nghèo",
                "xem xét, phê duyệt mức hỗ trợ",
            ),
        )
    )
    superior = rng.choice(
        (
            "Ủy ban nhân dân huyện",
            f"Chủ tịch Ủy ban nhân dân {issuer.place.province_label}",
            "Hội đồng nhân dân xã",
        )
    )
    rows = [official_header(rng, issuer, number, when)]
    subject_rows, summary = _subject_rows(rng, "TỜ TRÌNH", subject)
    rows += subject_rows
    rows.append(single(Para(nfc(f"Kính gửi: {superior}."), align="center"), space_before=0.8))
    rows += [body(b, space_before=0.1) for b in rng.sample(BASES, 2)]
    rows.append(body(" ".join(filler(deck, rng.randint(1, 2)))))
    if person:
        rows.append(
            body(
                f"Qua kiểm tra, hồ sơ của {honorific(person).lower()} {person.full_name}, số "
                f"định danh cá nhân {person.personal_id}, thường trú tại "
                f"{person.address.line()} đã đầy đủ, hợp lệ theo quy định."
            )
        )
    rows += [body(f"- {s}") for s in filler(deck, rng.randint(1, 3))]
    rows.append(body(f"{issuer.name} kính trình {superior} {ask}./."))
    recipients = ("- Như trên;", "- Lưu: VT.")
    rows.append(signature_row(issuer.signing, make_person(rng).full_name, "seal", recipients))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        trich_yeu=summary,
        so_dinh_danh=[person.personal_id] if person else [],
        ho_ten=person.full_name if person else None,
    )
    return Document("to_trinh", rows, fields)


def bao_cao(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    issuer = any_issuer(rng)
    number = f"{rng.randint(1, 999)}/BC-{issuer.abbreviation}"
    period = rng.choice(
        (f"6 tháng đầu năm {when.year}", f"năm {when.year - 1}", f"quý I năm {when.year}")
    )
    subject = rng.choice(
        (
            f"kết quả số hóa hồ sơ, kết quả giải quyết thủ tục hành chính {period}",
            f"tình hình thực hiện cơ chế một cửa, một cửa liên thông {period}",
            f"kết quả công tác đăng ký hộ tịch {period}",
        )
    )
    received, done = rng.randint(300, 4000), rng.randint(150, 300)
    rows = [official_header(rng, issuer, number, when)]
    subject_rows, summary = _subject_rows(rng, "BÁO CÁO", subject)
    rows += subject_rows
    if rng.random() < 0.5:
        rows.append(single(Para(nfc(f"Kính gửi: Ủy ban nhân dân {issuer.place.province_label}."),
                                align="center"), space_before=0.6))  # fmt: skip
    rows.append(single(Para("I. KẾT QUẢ THỰC HIỆN", weight="bold"), space_before=0.6))
    # hard negatives: a report that names decisions, submissions and certificates in passing
    rows.append(
        body(
            f"Thực hiện Quyết định số {rng.randint(10, 999)}/QĐ-UBND và Tờ trình số "
            f"{rng.randint(10, 999)}/TTr-UBND, trong kỳ báo cáo đã tiếp nhận {received} hồ sơ, "
            f"giải quyết đúng hạn {received - rng.randint(0, 40)} hồ sơ; số hóa {done} Giấy "
            f"chứng nhận, hợp đồng và giấy tờ khác."
        )
    )
    rows += [body(f"{i}. {s}") for i, s in enumerate(filler(deck, rng.randint(2, 5)), start=1)]
    rows.append(single(Para("II. TỒN TẠI, HẠN CHẾ", weight="bold"), space_before=0.4))
    rows += [body(s) for s in filler(deck, rng.randint(1, 2))]
    rows.append(single(Para("III. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI", weight="bold"), space_before=0.4))
    rows += [body(f"- {s}") for s in filler(deck, rng.randint(2, 4))]
    rows.append(body(f"Trên đây là báo cáo {subject} của {issuer.name}./."))
    recipients = ("- UBND huyện;", "- Lưu: VT.")
    rows.append(signature_row(issuer.signing, make_person(rng).full_name, "seal", recipients))
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name,
        trich_yeu=summary,
    )
    return Document("bao_cao", rows, fields)


def bien_ban(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    citizen, other = make_person(rng), make_person(rng)
    official = rng.random() < 0.6  # an office's minutes have a number; a family's do not
    issuer = commune_council(rng, citizen.address)
    subject, purpose = rng.choice(
        (
            ("xác minh hiện trạng thửa đất", "xác minh hiện trạng sử dụng đất của"),
            ("bàn giao hồ sơ, giấy tờ", "bàn giao hồ sơ, giấy tờ gốc cho"),
            ("hòa giải tranh chấp đất đai", "hòa giải tranh chấp ranh giới đất giữa"),
            ("thỏa thuận phân chia di sản thừa kế", "thỏa thuận phân chia di sản giữa"),
        )
    )
    number = f"{rng.randint(1, 300)}/BB-{issuer.abbreviation}" if official else None
    if official and number:
        rows = [official_header(rng, issuer, number, when)]
    else:
        rows = centred_motto(rng, citizen.address, when, dated_on_top=False)
    subject_rows, summary = _subject_rows(rng, "BIÊN BẢN", subject)
    rows += subject_rows
    hour, minute = rng.randint(7, 15), rng.choice((0, 15, 30))
    rows.append(
        body(
            f"Hôm nay, vào lúc {hour} giờ {minute:02d} phút, {vn_date(when, rng)}, tại "
            f"{citizen.address.line()}, chúng tôi gồm:",
            space_before=0.6,
        )
    )
    heading = rng.choice(("I. THÀNH PHẦN", "Thành phần tham dự:", "I. THÀNH PHẦN THAM DỰ"))
    rows.append(single(Para(heading, weight="bold"), space_before=0.3))
    members = [make_person(rng) for _ in range(rng.randint(1, 2))]
    rows += [
        body(f"- {honorific(m)} {m.full_name}, {role}", indent=5.0, space_before=0.0)
        for m, role in zip(members, ("công chức Địa chính - Xây dựng", "Trưởng thôn"), strict=False)
    ]
    for person in (citizen, other):
        rows.append(
            body(
                f"- {honorific(person)} {person.full_name}, số định danh cá nhân "
                f"{person.personal_id}, cư trú tại {person.address.line()}",
                indent=5.0,
                space_before=0.0,
            )
        )
    rows.append(single(Para("II. NỘI DUNG", weight="bold"), space_before=0.3))
    rows.append(body(f"Tiến hành {purpose} {honorific(citizen).lower()} {citizen.full_name}."))
    rows += [body(s) for s in filler(deck, rng.randint(1, 3))]
    end_hour = hour + rng.randint(1, 2)
    rows.append(
        body(
            f"Biên bản kết thúc vào lúc {end_hour} giờ cùng ngày, đã đọc lại cho các bên cùng "
            "nghe, thống nhất và ký tên dưới đây. Biên bản được lập thành 03 bản."
        )
    )
    rows.append(
        party_signatures(
            ("CÁC BÊN LIÊN QUAN", "NGƯỜI LẬP BIÊN BẢN" if official else "NGƯỜI CHỨNG KIẾN"),
            (citizen.full_name, members[0].full_name),
            ("hand", "seal" if official else "hand"),
        )
    )
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        co_quan_ban_hanh=issuer.name if official else None,
        trich_yeu=summary,
        so_dinh_danh=[citizen.personal_id, other.personal_id],
        ho_ten=citizen.full_name,
    )
    return Document("bien_ban", rows, fields)
