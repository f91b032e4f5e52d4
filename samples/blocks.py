"""The building blocks of document templates: paragraphs, columns, rows, codes, issuers, shared
phrases, and the true fields a document carries.

A template says what goes where; layout (fonts, wrapping, pages) is `render.py`'s job.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import Literal

from samples.identity import (
    Address,
    Company,
    Person,
    make_address,
    slash_date,
    vn_date,
)
from sohoa.pipeline.text import nfc

Weight = Literal["regular", "bold", "italic", "bold_italic"]
Align = Literal["left", "center", "right"]
Signer = Literal["seal", "hand"]  # an organisation signs and stamps; a citizen only signs
Symbology = Literal["qr", "code128"]


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
class Code:
    """A machine-readable code printed on the page; render.py draws it from its modules."""

    payload: str
    symbology: Symbology = "qr"
    module_mm: float = 0.5  # 0.5 mm is 4 px at 200 dpi: what a scan needs to keep it readable
    height_mm: float = 0.0  # bar height of a linear code


@dataclass(frozen=True)
class Column:
    paras: tuple[Para, ...]
    width: float = 1.0  # fraction of the text width
    boxed: bool = False  # drawn frame around it: an ID card
    signer: Signer | None = None  # where a signature (and seal) goes
    code: Code | None = None  # drawn at the column's top, before its paragraphs
    code_align: Align = "left"


@dataclass(frozen=True)
class Row:
    columns: tuple[Column, ...]
    space_before: float = 0.0  # in body lines
    place: Align = "left"  # where a row narrower than the text width sits
    new_page: bool = False  # starts a fresh page (a certificate's inner pages)


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
    qr: dict[str, str] | None = None  # the payload of a provincial system's QR code, if printed


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


NAME_LABELS = ("Họ và tên", "Họ, chữ đệm và tên")


def honorific(person: Person) -> str:
    return "Ông" if person.sex == "Nam" else "Bà"


def person_lines(rng: random.Random, person: Person, *, numbered: bool = False) -> list[str]:
    """A person's particulars in one of the orders forms use."""
    name_label = rng.choice((*NAME_LABELS, "Tôi tên là"))
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


def party_rows(rng: random.Random, label: str, party: Person | Company) -> list[Row]:
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
