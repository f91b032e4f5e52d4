"""Papers citizens and firms write: applications, declarations, contracts, powers of attorney."""

from __future__ import annotations

import random
from datetime import date

from samples.blocks import (
    Column,
    Document,
    Fields,
    Para,
    Row,
    Signer,
    body,
    centred_motto,
    commune_council,
    field_rows,
    filler,
    motto_paras,
    party_rows,
    party_signatures,
    person_lines,
    place_date,
    shuffled_running_text,
    single,
)
from samples.identity import (
    Company,
    Person,
    make_address,
    make_company,
    make_person,
    vn_date,
)
from sohoa.pipeline.text import nfc


def don_de_nghi(rng: random.Random, when: date) -> Document:
    applicant = make_person(rng)
    office = commune_council(rng, applicant.address)
    contract_no = f"{rng.randint(1, 99):02d}/{when.year - 1}/HĐTĐ"
    # the last subject is a hard negative: an application that talks about a contract
    title, request, reason = rng.choice(
        (
            (
                "ĐƠN ĐỀ NGHỊ",
                "cấp bản sao trích lục khai sinh",
                "bổ sung hồ sơ đăng ký nhập học cho con",
            ),
            (
                "ĐƠN XIN XÁC NHẬN",
                "xác nhận thông tin về cư trú của tôi tại địa phương",
                "hoàn thiện hồ sơ vay vốn tại ngân hàng",
            ),
            ("ĐƠN ĐỀ NGHỊ", "xác nhận tình trạng hôn nhân", "làm thủ tục đăng ký kết hôn"),
            ("ĐƠN ĐĂNG KÝ", "đăng ký thành lập hộ kinh doanh", "mở cửa hàng tạp hóa tại gia đình"),
            (
                "ĐƠN ĐỀ NGHỊ",
                f"thanh lý hợp đồng thuê đất số {contract_no}",
                f"hợp đồng thuê đất số {contract_no} đã hết thời hạn và gia đình không có nhu cầu "
                "thuê tiếp",
            ),
        )
    )
    dated_on_top = rng.random() < 0.5
    rows = centred_motto(rng, applicant.address, when, dated_on_top)
    rows.append(single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.0))
    rows.append(single(Para(nfc(f"V/v {request}"), weight="bold", align="center")))
    recipient = rng.choice(
        (office.name, f"Chủ tịch {office.name}", "Bộ phận một cửa " + office.name)
    )
    rows.append(single(Para(nfc(f"Kính gửi: {recipient}."), align="center"), space_before=0.8))
    rows += field_rows(person_lines(rng, applicant), indent=0.0)
    rows.append(body(f"Nay tôi làm đơn này kính đề nghị {recipient} {request}."))
    rows.append(body(f"Lý do: {reason}."))
    rows.append(
        body(
            rng.choice(
                (
                    "Tôi xin cam đoan những thông tin nêu trên là đúng sự thật và chịu trách nhiệm "
                    "trước pháp luật về nội dung đã khai.",
                    "Tôi cam kết thực hiện đúng các quy định của pháp luật. Kính mong được "
                    "xem xét, giải quyết.",
                )
            )
        )
    )
    rows.append(body("Trân trọng cảm ơn!"))
    if not dated_on_top:
        line = Para(place_date(applicant.address, when, rng), weight="italic", align="center")
        rows.append(Row((Column((), 0.45), Column((line,), 0.55)), space_before=0.8))
    signing = Column(
        (
            Para("NGƯỜI LÀM ĐƠN", weight="bold", align="center"),
            Para("(Ký và ghi rõ họ tên)", weight="italic", size=0.85, align="center"),
            Para(applicant.full_name, weight="bold", align="center", space_before=3.5),
        ),
        0.55,
        signer="hand",
    )
    rows.append(Row((Column((), 0.45), signing), space_before=0.3))
    fields = Fields(
        ngay_ban_hanh=when, so_dinh_danh=[applicant.personal_id], ho_ten=applicant.full_name
    )
    return Document("don_de_nghi", rows, fields)


def to_khai(rng: random.Random, when: date) -> Document:
    person = make_person(rng)
    office = commune_council(rng, person.address)
    form, title, request = rng.choice(
        (
            ("CT01", "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ", "Đăng ký thường trú"),
            ("CC01", "TỜ KHAI CĂN CƯỚC", "Cấp đổi thẻ căn cước"),
            ("01/ĐK-TCT", "TỜ KHAI ĐĂNG KÝ THUẾ", "Đăng ký thuế cho cá nhân kinh doanh"),
            ("TP/HT-2020-KS.1", "TỜ KHAI ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh cho con"),
        )
    )
    tax = make_company(rng).tax_code if "THUẾ" in title else None
    rows = [single(Para(f"Mẫu {form}", weight="italic", size=0.85, align="right"))]
    rows.append(Row((Column(motto_paras(1.0), width=0.8),), place="center", space_before=0.4))
    rows.append(single(Para(title, weight="bold", size=1.15, align="center"), space_before=1.0))
    rows.append(single(Para(nfc(f"Kính gửi: {office.name}"), align="center"), space_before=0.5))
    lines = person_lines(rng, person, numbered=True)
    if tax:
        lines.append(f"{len(lines) + 1}. Mã số thuế: {tax}")
    lines.append(nfc(f"{len(lines) + 1}. Nội dung đề nghị: {request}."))
    rows += field_rows(lines, indent=0.0)
    rows.append(
        body(
            rng.choice(
                (
                    "Tôi xin cam đoan những thông tin kê khai trên là đúng sự thật và chịu trách "
                    "nhiệm trước pháp luật về cam đoan của mình.",
                    "Tôi cam đoan nội dung khai trên đây là đúng sự thật, nếu sai tôi hoàn "
                    "toàn chịu trách nhiệm.",
                )
            ),
            space_before=0.6,
        )
    )
    dated = Para(place_date(person.address, when, rng), weight="italic", align="center")
    rows.append(Row((Column((), 0.45), Column((dated,), 0.55)), space_before=0.8))
    rows.append(
        party_signatures(
            ("Ý KIẾN CỦA CHỦ HỘ", "NGƯỜI KÊ KHAI"),
            (make_person(rng).full_name, person.full_name),
            ("hand", "hand"),
        )
    )
    fields = Fields(
        ngay_ban_hanh=when,
        so_dinh_danh=[person.personal_id],
        ho_ten=person.full_name,
        ma_so_thue=[tax] if tax else [],
    )
    return Document("to_khai", rows, fields)


def hop_dong(rng: random.Random, when: date) -> Document:
    deck = shuffled_running_text(rng)
    kind, abbreviation, role_a, role_b, object_ = rng.choice(
        (
            ("HỢP ĐỒNG THUÊ NHÀ Ở", "HĐTN", "Bên cho thuê", "Bên thuê", "thuê nhà ở"),
            ("HỢP ĐỒNG MUA BÁN HÀNG HÓA", "HĐMB", "Bên bán", "Bên mua", "mua bán hàng hóa"),
            (
                "HỢP ĐỒNG CHUYỂN NHƯỢNG QUYỀN SỬ DỤNG ĐẤT",
                "HĐCN",
                "Bên chuyển nhượng",
                "Bên nhận chuyển nhượng",
                "chuyển nhượng quyền sử dụng đất",
            ),
            ("HỢP ĐỒNG DỊCH VỤ", "HĐDV", "Bên cung cấp dịch vụ", "Bên sử dụng dịch vụ", "dịch vụ"),
        )
    )
    party_a: Person | Company = make_person(rng)
    party_b: Person | Company = make_company(rng) if rng.random() < 0.6 else make_person(rng)
    if rng.random() < 0.3:
        party_a, party_b = party_b, party_a
    number = f"{rng.randint(1, 99):02d}/{when.year}/{abbreviation}"
    where = make_address(rng)
    rows = centred_motto(rng, where, when, dated_on_top=False)
    rows.append(single(Para(kind, weight="bold", size=1.15, align="center"), space_before=1.0))
    rows.append(single(Para(f"Số: {number}", align="center")))
    rows.append(
        body("Căn cứ Bộ luật Dân sự số 91/2015/QH13 ngày 24 tháng 11 năm 2015;", space_before=0.6)
    )
    rows.append(body("Căn cứ nhu cầu và khả năng thực tế của các bên."))
    rows.append(body(f"Hôm nay, {vn_date(when, rng)}, tại {where.line()}, chúng tôi gồm:"))
    rows += party_rows(rng, f"BÊN A ({role_a}):", party_a)
    rows += party_rows(rng, f"BÊN B ({role_b}):", party_b)
    rows.append(body(f"Hai bên thống nhất ký kết hợp đồng {object_} với các điều khoản sau:"))
    clauses = (
        "Điều 1. Đối tượng và nội dung hợp đồng",
        "Điều 2. Giá trị hợp đồng và phương thức thanh toán",
        "Điều 3. Quyền và nghĩa vụ của Bên A",
        "Điều 4. Quyền và nghĩa vụ của Bên B",
        "Điều 5. Giải quyết tranh chấp",
        "Điều 6. Điều khoản chung",
    )
    for clause in clauses:
        rows.append(single(Para(clause, weight="bold"), space_before=0.4))
        rows.append(body(" ".join(filler(deck, rng.randint(1, 2)))))
    rows.append(
        body("Hợp đồng được lập thành 04 bản có giá trị pháp lý như nhau, mỗi bên giữ 02 bản.")
    )

    def signer_of(party: Person | Company) -> tuple[str, Signer]:
        if isinstance(party, Company):
            return party.representative.full_name, "seal"
        return party.full_name, "hand"

    (name_a, sign_a), (name_b, sign_b) = signer_of(party_a), signer_of(party_b)
    rows.append(
        party_signatures(("ĐẠI DIỆN BÊN A", "ĐẠI DIỆN BÊN B"), (name_a, name_b), (sign_a, sign_b))
    )
    people = [p if isinstance(p, Person) else p.representative for p in (party_a, party_b)]
    fields = Fields(
        so_ky_hieu=number,
        ngay_ban_hanh=when,
        so_dinh_danh=[p.personal_id for p in people],
        ho_ten=people[0].full_name,
        ma_so_thue=[p.tax_code for p in (party_a, party_b) if isinstance(p, Company)],
    )
    return Document("hop_dong", rows, fields)


def giay_uy_quyen(rng: random.Random, when: date) -> Document:
    principal, agent = make_person(rng), make_person(rng)
    uy = rng.choice(("ủy", "uỷ"))
    rows = centred_motto(rng, principal.address, when, dated_on_top=rng.random() < 0.5)
    rows.append(
        single(
            Para(f"GIẤY {uy.upper()} QUYỀN", weight="bold", size=1.15, align="center"),
            space_before=1.0,
        )
    )
    rows.append(body("Căn cứ Bộ luật Dân sự năm 2015;", space_before=0.6))
    rows.append(body(f"Hôm nay, {vn_date(when, rng)}, chúng tôi gồm:"))
    rows += party_rows(rng, f"BÊN {uy.upper()} QUYỀN (Bên A):", principal)
    rows += party_rows(rng, f"BÊN ĐƯỢC {uy.upper()} QUYỀN (Bên B):", agent)
    task = rng.choice(
        (
            "nộp hồ sơ và nhận kết quả thủ tục cấp Giấy chứng nhận quyền sử dụng đất",
            "làm thủ tục đăng ký khai sinh cho con",
            "nhận lương hưu và trợ cấp bảo hiểm xã hội hằng tháng",
            "ký các giấy tờ liên quan đến việc đăng ký hộ kinh doanh",
        )
    )
    rows.append(body(f"Nội dung {uy} quyền: Bên B được thay mặt Bên A {task}."))
    months = rng.choice((3, 6, 12))
    rows.append(body(f"Thời hạn {uy} quyền: {months} tháng kể từ ngày ký."))
    rows.append(
        body(
            f"Bên được {uy} quyền chỉ thực hiện trong phạm vi được {uy} quyền và chịu trách "
            f"nhiệm trước pháp luật về việc thực hiện."
        )
    )
    rows.append(
        party_signatures(
            (f"BÊN {uy.upper()} QUYỀN", f"BÊN ĐƯỢC {uy.upper()} QUYỀN"),
            (principal.full_name, agent.full_name),
            ("hand", "hand"),
        )
    )
    fields = Fields(
        ngay_ban_hanh=when,
        so_dinh_danh=[principal.personal_id, agent.personal_id],
        ho_ten=principal.full_name,
    )
    return Document("giay_uy_quyen", rows, fields)
