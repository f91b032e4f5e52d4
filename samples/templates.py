"""Document templates: what each kind of paper says, as rows of paragraphs, plus its true fields.

A template is a function `(rng, when) -> Document`. Wording, field order and layout vary through
the phrase tuples below, so no two documents of a type need read alike. Layout (fonts, wrapping,
pages) is `render.py`'s job; a template only says what goes where.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice
from typing import Literal

from samples.identity import (
    Address,
    Company,
    Person,
    fold,
    id_valid_until,
    make_address,
    make_company,
    make_person,
    nfc,
    random_date,
    slash_date,
    vn_date,
)

Weight = Literal["regular", "bold", "italic", "bold_italic"]
Align = Literal["left", "center", "right"]
Signer = Literal["seal", "hand"]  # an organisation signs and stamps; a citizen only signs


@dataclass(frozen=True)
class Para:
    """A paragraph; render.py wraps it to its column."""

    text: str
    weight: Weight = "regular"
    size: float = 1.0  # relative to the document's body size
    align: Align = "left"
    indent: float = 0.0  # first-line indent, mm
    space_before: float = 0.0  # in body lines
    rule_below: bool = False  # the short rule under the motto and under the issuer
    mono: bool = False  # machine-readable zone of an ID card
    one_line: bool = False  # shrink the font rather than wrap (motto, card title)


@dataclass(frozen=True)
class Column:
    paras: tuple[Para, ...]
    width: float = 1.0  # fraction of the text width
    boxed: bool = False  # drawn frame around it: an ID card
    signer: Signer | None = None  # where a signature (and seal) goes


@dataclass(frozen=True)
class Row:
    columns: tuple[Column, ...]
    space_before: float = 0.0  # in body lines
    place: Align = "left"  # where a row narrower than the text width sits


@dataclass
class Fields:
    """The fields `sohoa` extracts; absent ones stay None / empty (design.md, manifest)."""

    so_ky_hieu: str | None = None
    ngay_ban_hanh: date | None = None
    co_quan_ban_hanh: str | None = None
    trich_yeu: str | None = None
    so_dinh_danh: list[str] = field(default_factory=list)
    ho_ten: str | None = None
    ma_so_thue: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "so_ky_hieu": self.so_ky_hieu,
            "ngay_ban_hanh": self.ngay_ban_hanh.isoformat() if self.ngay_ban_hanh else None,
            "co_quan_ban_hanh": self.co_quan_ban_hanh,
            "trich_yeu": self.trich_yeu,
            "so_dinh_danh": self.so_dinh_danh,
            "ho_ten": self.ho_ten,
            "ma_so_thue": self.ma_so_thue,
        }


@dataclass
class Document:
    type: str
    rows: list[Row]
    fields: Fields


def single(
    *paras: Para, space_before: float = 0.0, width: float = 1.0, place: Align = "left"
) -> Row:
    return Row((Column(paras, width=width),), space_before=space_before, place=place)


def body(text: str, *, indent: float = 10.0, space_before: float = 0.2) -> Row:
    return single(Para(nfc(text), indent=indent), space_before=space_before)


# --- issuers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    header: tuple[Para, ...]  # top-left block
    name: str  # canonical, sentence case: the `co_quan_ban_hanh` field
    abbreviation: str  # the part after the type in "245/QĐ-UBND"
    signing: tuple[str, ...]  # "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    place: Address
    head: str = "CHỦ TỊCH"  # who decides: "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ …"


def _uy(rng: random.Random) -> str:
    return rng.choice(("ỦY", "UỶ"))  # both tone placements are printed


def commune_council(rng: random.Random, place: Address | None = None) -> Issuer:
    place = place or make_address(rng)
    uy = _uy(rng)
    if rng.random() < 0.3:
        header = (
            Para(f"UBND {place.district.upper()}", size=0.95, align="center"),
            Para(
                f"UBND {place.commune.upper()}",
                weight="bold",
                size=0.95,
                align="center",
                rule_below=True,
            ),
        )
    else:
        header = (
            Para(f"{uy} BAN NHÂN DÂN", weight="bold", size=0.95, align="center"),
            Para(place.commune.upper(), weight="bold", size=0.95, align="center", rule_below=True),
        )
    signing = rng.choice(
        ((f"TM. {uy} BAN NHÂN DÂN", "CHỦ TỊCH"), ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), ("CHỦ TỊCH",))
    )
    return Issuer(header, f"Ủy ban nhân dân {place.commune}", "UBND", signing, place)


def district_council(rng: random.Random) -> Issuer:
    place = make_address(rng)
    uy = _uy(rng)
    header = (
        Para(f"{uy} BAN NHÂN DÂN", weight="bold", size=0.95, align="center"),
        Para(place.district.upper(), weight="bold", size=0.95, align="center", rule_below=True),
    )
    signing = rng.choice(((f"TM. {uy} BAN NHÂN DÂN", "CHỦ TỊCH"), ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")))
    return Issuer(header, f"Ủy ban nhân dân {place.district}", "UBND", signing, place)


def department(rng: random.Random) -> Issuer:
    place = make_address(rng)
    name, abbreviation = rng.choice(
        (
            ("Sở Tư pháp", "STP"),
            ("Sở Tài nguyên và Môi trường", "STNMT"),
            ("Sở Kế hoạch và Đầu tư", "SKHĐT"),
            ("Sở Giáo dục và Đào tạo", "SGDĐT"),
        )
    )
    header = (
        Para(f"UBND {place.province_label.upper()}", size=0.95, align="center"),
        Para(name.upper(), weight="bold", size=0.95, align="center", rule_below=True),
    )
    signing = rng.choice((("GIÁM ĐỐC",), ("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC")))
    full_name = f"{name} {place.province_label}"
    return Issuer(header, full_name, abbreviation, signing, place, head="GIÁM ĐỐC")


def commune_police(rng: random.Random, place: Address) -> Issuer:
    header = (
        Para(f"CÔNG AN {place.district.upper()}", size=0.95, align="center"),
        Para(
            f"CÔNG AN {place.commune.upper()}",
            weight="bold",
            size=0.95,
            align="center",
            rule_below=True,
        ),
    )
    name = f"Công an {place.commune}"
    return Issuer(header, name, "CAX", ("TRƯỞNG CÔNG AN",), place, head="TRƯỞNG CÔNG AN")


def any_issuer(rng: random.Random) -> Issuer:
    return rng.choice((commune_council, commune_council, district_council, department))(rng)


# --- shared blocks -------------------------------------------------------------------------------

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


def motto_paras(size: float = 0.95) -> tuple[Para, ...]:
    return (
        Para(MOTTO, weight="bold", size=size, align="center", one_line=True),
        Para(MOTTO_2, weight="bold", size=size, align="center", rule_below=True, one_line=True),
    )


def place_date(place: Address, when: date, rng: random.Random) -> str:
    return nfc(f"{place.locality}, {vn_date(when, rng)}")


def official_header(
    rng: random.Random, issuer: Issuer, number: str, when: date, under_number: tuple[Para, ...] = ()
) -> Row:
    """Issuer and number on the left, motto and place/date on the right (Decree 30 layout)."""
    left = Column((*issuer.header, Para(f"Số: {number}", align="center"), *under_number), 0.4)
    right = Column(
        (
            *motto_paras(0.9),
            Para(place_date(issuer.place, when, rng), weight="italic", align="center"),
        ),
        0.6,
    )
    return Row((left, right))


def centred_motto(rng: random.Random, place: Address, when: date, dated_on_top: bool) -> list[Row]:
    rows = [Row((Column(motto_paras(1.0), width=0.8),), place="center")]
    if dated_on_top:
        line = Para(place_date(place, when, rng), weight="italic", align="right")
        rows.append(single(line, space_before=0.5))
    return rows


def signature_row(
    signing: tuple[str, ...], name: str, signer: Signer, recipients: tuple[str, ...] = ()
) -> Row:
    """'Nơi nhận' on the left (small), the signing block on the right with room to sign."""
    left = Column(
        (
            Para("Nơi nhận:", weight="bold_italic", size=0.8),
            *(Para(r, size=0.8) for r in recipients),
        ),
        0.45,
    )
    right = Column(
        (
            *(Para(s, weight="bold", align="center") for s in signing),
            Para(name, weight="bold", align="center", space_before=4.0),
        ),
        0.55,
        signer=signer,
    )
    columns = (left, right) if recipients else (Column((), 0.45), right)
    return Row(columns, space_before=0.8)


def party_signatures(
    titles: tuple[str, str], names: tuple[str, str], signers: tuple[Signer, Signer]
) -> Row:
    columns = tuple(
        Column(
            (
                Para(title, weight="bold", align="center"),
                Para("(Ký, ghi rõ họ tên)", weight="italic", size=0.85, align="center"),
                Para(name, weight="bold", align="center", space_before=3.5),
            ),
            0.5,
            signer=signer,
        )
        for title, name, signer in zip(titles, names, signers, strict=True)
    )
    return Row(columns, space_before=1.0)


def honorific(person: Person) -> str:
    return "Ông" if person.sex == "Nam" else "Bà"


def person_lines(rng: random.Random, person: Person, *, numbered: bool = False) -> list[str]:
    """A person's particulars in one of the orders forms use."""
    name_label = rng.choice(("Họ và tên", "Họ, chữ đệm và tên", "Tôi tên là"))
    middle = [
        f"Ngày, tháng, năm sinh: {slash_date(person.birth_date)}",
        f"Giới tính: {person.sex}",
        f"{rng.choice(('Số định danh cá nhân', 'Số CCCD', 'Số định danh cá nhân/CCCD'))}: "
        f"{person.personal_id}",
    ]
    rng.shuffle(middle)
    if rng.random() < 0.5:
        middle[-1] += f", cấp ngày {slash_date(person.id_issue_date)}"
    tail = [f"Nơi thường trú: {person.address.line()}"]
    if rng.random() < 0.6:
        tail.append(f"Nghề nghiệp: {person.occupation}")
    if rng.random() < 0.6:
        tail.append(f"Số điện thoại: {person.phone}")
    lines = [f"{name_label}: {person.full_name}", *middle, *tail]
    if numbered:
        lines = [f"{i}. {line}" for i, line in enumerate(lines, start=1)]
    return [nfc(line) for line in lines]


def field_rows(lines: list[str], indent: float = 10.0) -> list[Row]:
    return [single(Para(line, indent=indent)) for line in lines]


def shuffled_running_text(rng: random.Random) -> Iterator[str]:
    """Filler sentences in random order; drawing from one deck, a document never repeats one."""
    return iter(rng.sample(RUNNING_TEXT, len(RUNNING_TEXT)))


def filler(deck: Iterator[str], k: int) -> list[str]:
    return list(islice(deck, k))


RUNNING_TEXT = (
    "Các cơ quan, đơn vị có liên quan có trách nhiệm phối hợp chặt chẽ trong quá trình thực hiện, "
    "bảo đảm đúng quy định của pháp luật, công khai, minh bạch và đúng thời hạn.",
    "Trong quá trình triển khai, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời về Văn "
    "phòng để tổng hợp, báo cáo cấp có thẩm quyền xem xét, giải quyết.",
    "Việc tiếp nhận và trả kết quả giải quyết thủ tục hành chính được thực hiện tại Bộ phận một "
    "cửa, qua dịch vụ bưu chính công ích hoặc trên Cổng dịch vụ công quốc gia.",
    "Hồ sơ, giấy tờ đã được số hóa và lưu trữ trong kho dữ liệu điện tử của tổ chức, cá nhân thì "
    "không yêu cầu nộp lại khi thực hiện các thủ tục hành chính tiếp theo.",
    "Cán bộ, công chức được giao nhiệm vụ có trách nhiệm hướng dẫn tổ chức, cá nhân hoàn thiện hồ "
    "sơ theo đúng quy định, không yêu cầu bổ sung giấy tờ ngoài danh mục đã công bố.",
    "Kinh phí thực hiện được bố trí từ nguồn ngân sách nhà nước theo phân cấp hiện hành và các "
    "nguồn huy động hợp pháp khác theo quy định của pháp luật.",
    "Định kỳ hằng quý, các đơn vị báo cáo kết quả thực hiện về Ủy ban nhân dân để theo dõi, chỉ "
    "đạo; thời hạn gửi báo cáo trước ngày 20 của tháng cuối quý.",
    "Người đứng đầu cơ quan, đơn vị chịu trách nhiệm trước cấp trên về kết quả thực hiện nhiệm vụ "
    "được giao và về những sai sót phát sinh trong quá trình giải quyết hồ sơ.",
    "Đẩy mạnh ứng dụng công nghệ thông tin, chuyển đổi số trong giải quyết thủ tục hành chính; "
    "tăng cường thanh toán trực tuyến phí, lệ phí và số hóa kết quả giải quyết.",
    "Tổ chức tuyên truyền, phổ biến rộng rãi để người dân, doanh nghiệp biết, thực hiện và "
    "giám sát việc thực hiện; niêm yết công khai tại trụ sở và trên trang thông tin điện tử.",
    "Các nội dung khác không quy định tại văn bản này thì thực hiện theo quy định của pháp luật "
    "hiện hành và hướng dẫn của cơ quan chuyên môn cấp trên.",
    "Trường hợp hồ sơ chưa đầy đủ, chưa hợp lệ, cán bộ tiếp nhận hướng dẫn một lần, đầy đủ bằng "
    "văn bản để người nộp bổ sung, hoàn thiện trong thời hạn quy định.",
    "Thời hạn giải quyết được tính từ ngày nhận đủ hồ sơ hợp lệ; quá thời hạn mà chưa có kết quả "
    "thì cơ quan giải quyết phải thông báo bằng văn bản và nêu rõ lý do.",
    "Giao Văn phòng chủ trì, phối hợp với các bộ phận chuyên môn theo dõi, đôn đốc, kiểm tra việc "
    "thực hiện và tổng hợp kết quả báo cáo theo quy định.",
)

BASES = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung "
    "một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng "
    "11 năm 2019;",
    "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",
    "Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
    "Căn cứ Nghị định số 45/2020/NĐ-CP ngày 08 tháng 4 năm 2020 của Chính phủ về thực hiện thủ tục "
    "hành chính trên môi trường điện tử;",
    "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về thực hiện cơ chế "
    "một cửa, một cửa liên thông trong giải quyết thủ tục hành chính;",
    "Căn cứ Luật Cư trú ngày 13 tháng 11 năm 2020;",
)


# --- document types ------------------------------------------------------------------------------


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
    rows = [
        Row((Column(front, card, boxed=True),), space_before=rng.uniform(0.0, 3.0), place=place),
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


def _party_rows(rng: random.Random, label: str, party: Person | Company) -> list[Row]:
    rows = [single(Para(nfc(label), weight="bold"), space_before=0.5)]
    if isinstance(party, Company):
        rep = party.representative
        lines = [
            f"Tên tổ chức: {party.name}",
            f"Mã số thuế: {party.tax_code}",
            f"Địa chỉ trụ sở: {party.address.line()}",
            f"Người đại diện: {honorific(rep)} {rep.full_name}    Chức vụ: {party.title}",
            f"Số định danh cá nhân: {rep.personal_id}",
        ]
    else:
        lines = [
            f"{honorific(party)}: {party.full_name}    Sinh ngày: {slash_date(party.birth_date)}",
            f"Số định danh cá nhân: {party.personal_id}    "
            f"Cấp ngày: {slash_date(party.id_issue_date)}",
            f"Nơi cư trú: {party.address.line()}",
        ]
        if rng.random() < 0.5:
            lines.append(f"Điện thoại: {party.phone}")
    return rows + field_rows([nfc(line) for line in lines])


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
    rows += _party_rows(rng, f"BÊN A ({role_a}):", party_a)
    rows += _party_rows(rng, f"BÊN B ({role_b}):", party_b)
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
    rows += _party_rows(rng, f"BÊN {uy.upper()} QUYỀN (Bên A):", principal)
    rows += _party_rows(rng, f"BÊN ĐƯỢC {uy.upper()} QUYỀN (Bên B):", agent)
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


TEMPLATES: dict[str, Callable[[random.Random, date], Document]] = {
    "don_de_nghi": don_de_nghi,
    "quyet_dinh": quyet_dinh,
    "cccd": cccd,
    "giay_khai_sinh": giay_khai_sinh,
    "to_khai": to_khai,
    "cong_van": cong_van,
    "thong_bao": thong_bao,
    "hop_dong": hop_dong,
    "giay_uy_quyen": giay_uy_quyen,
    "xac_nhan_cu_tru": xac_nhan_cu_tru,
}


def make_document(rng: random.Random, doc_type: str) -> Document:
    when = random_date(rng, date(2019, 1, 1), date(2025, 6, 30))
    return TEMPLATES[doc_type](rng, when)
