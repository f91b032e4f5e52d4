from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.split import is_separator, page_cues, page_documents, split_documents

# An A4 page at 200 dpi; a character of print is about 20 pixels wide.
WIDTH, HEIGHT = 1654, 2339
CHAR = 20
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
RUNNING_TEXT = (
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Điều 1. Giao Ủy ban nhân dân xã Phương Định thực hiện quyết định này,",
    "bảo đảm đúng quy định của pháp luật, công khai, minh bạch và đúng thời hạn.",
)
SIGNATURE = ("NGƯỜI LÀM ĐƠN", "(Ký và ghi rõ họ tên)", "Nguyễn Văn Hưởng")


def line(text: str, top: float, left: float = 0.15) -> Line:
    """A line of print whose first word starts at `left` (share of the width), `top` (share of
    the height) down the page."""
    y0 = round(top * HEIGHT)
    x = round(left * WIDTH)
    words = []
    for word in text.split():
        words.append(Word(word, Box(x, y0, x + CHAR * len(word), y0 + 40), 90.0))
        x += CHAR * (len(word) + 1)
    return Line(Box(words[0].box.x0, y0, words[-1].box.x1, y0 + 40), 0.0, 0.0, tuple(words))


def centred(text: str, top: float) -> Line:
    return line(text, top, left=0.5 - CHAR * len(text) / 2 / WIDTH)


def page(*lines: Line, codes: tuple[str, ...] = ()) -> PageContent:
    return PageContent(False, PageText(WIDTH, HEIGHT, lines), codes)


def body(*texts: str, top: float = 0.3) -> tuple[Line, ...]:
    return tuple(line(text, top + 0.03 * n) for n, text in enumerate(texts))


def signed(top: float = 0.7) -> tuple[Line, ...]:
    return tuple(line(text, top + 0.03 * n, left=0.6) for n, text in enumerate(SIGNATURE))


def first_page(title: str, *, closed: bool = True) -> PageContent:
    header = (centred(MOTTO[0], 0.05), centred(MOTTO[1], 0.08), centred(title, 0.15))
    return page(*header, *body(*RUNNING_TEXT), *(signed() if closed else ()))


BLANK = PageContent(True, None)


def test_blank_back_belongs_to_the_page_before_it() -> None:
    pages = [first_page("ĐƠN ĐỀ NGHỊ"), BLANK, first_page("GIẤY ỦY QUYỀN")]
    documents = split_documents(pages)
    assert documents == [[0], [2]]
    assert page_documents([p.blank for p in pages], documents) == [0, 0, 1]


def test_documents_each_opening_with_motto_and_title_are_split() -> None:
    pages = [first_page("ĐƠN ĐỀ NGHỊ", closed=False), first_page("QUYẾT ĐỊNH", closed=False)]
    assert split_documents(pages) == [[0], [1]]


def test_page_numbered_in_the_top_margin_continues_its_document() -> None:
    second = page(centred("2", 0.04), *body(*RUNNING_TEXT, top=0.08), *signed(0.2))
    assert split_documents([first_page("QUYẾT ĐỊNH"), second]) == [[0, 1]]


def test_page_opening_mid_sentence_continues_its_document() -> None:
    second = page(*body("theo phân cấp hiện hành và các nguồn huy động hợp pháp khác.", top=0.06))
    assert split_documents([first_page("QUYẾT ĐỊNH"), second]) == [[0, 1]]


def test_appendix_stays_with_the_signed_document_it_is_attached_to() -> None:
    appendix = page(
        centred("Phụ lục", 0.04),
        centred("DANH SÁCH HỘ GIA ĐÌNH ĐƯỢC HỖ TRỢ", 0.06),
        centred("(Kèm theo Công văn số 1234/UBND-VP ngày 05/10/2023)", 0.08),
        *body(*RUNNING_TEXT, top=0.12),
    )
    assert split_documents([first_page("CÔNG VĂN"), appendix]) == [[0, 1]]


def test_appendix_headed_in_capitals_joins_the_signed_decision_before_it() -> None:
    appendix = page(
        centred("PHỤ LỤC", 0.04),
        centred("DANH MỤC THỦ TỤC HÀNH CHÍNH ĐƯỢC CÔNG BỐ", 0.06),
        centred("(Kèm theo Quyết định số 245/QĐ-UBND ngày 14/3/2024)", 0.08),
        *body(*RUNNING_TEXT, top=0.12),
    )
    assert split_documents([first_page("QUYẾT ĐỊNH"), appendix]) == [[0, 1]]


def test_a_copy_block_on_a_page_of_its_own_joins_the_document_it_copies() -> None:
    copy_block = page(
        line("UBND TỈNH QUẢNG NGÃI", 0.05),
        line("VĂN PHÒNG", 0.08),
        line("SAO Y BẢN CHÍNH", 0.12),
        line("Số: 05/SY-VP", 0.15),
        line("Quảng Ngãi, ngày 10 tháng 3 năm 2025", 0.15, left=0.55),
        *signed(0.25),
    )
    assert split_documents([first_page("QUYẾT ĐỊNH"), copy_block]) == [[0, 1]]


def test_a_first_page_carrying_an_electronic_copy_stamp_still_starts_a_document() -> None:
    stamped = page(
        line("SAO Y", 0.03, left=0.6),
        centred(MOTTO[0], 0.05),
        centred(MOTTO[1], 0.08),
        line("Số: 12/TB-UBND", 0.12),
        centred("THÔNG BÁO", 0.15),
        *body(*RUNNING_TEXT),
    )
    assert split_documents([first_page("QUYẾT ĐỊNH"), stamped]) == [[0], [1]]


def test_page_without_cues_after_a_signed_page_starts_a_document() -> None:
    plain = page(*body(*RUNNING_TEXT, top=0.06))
    assert split_documents([first_page("ĐƠN ĐỀ NGHỊ"), plain]) == [[0], [1]]


def test_signer_name_in_the_right_column_closes_a_document() -> None:
    certificate = page(
        centred(MOTTO[0], 0.05),
        centred("TRÍCH LỤC KHAI SINH", 0.15),
        *body(*RUNNING_TEXT),
        line("Trần Minh Việt", 0.8, left=0.65),
    )
    plain = page(*body(*RUNNING_TEXT, top=0.06))
    assert split_documents([certificate, plain]) == [[0], [1]]


def test_signature_block_behind_seal_noise_closes_a_document() -> None:
    decision = page(*body(*RUNNING_TEXT), line("nà: nhàm : TM. ỦY BAN NHÂN DÂN", 0.6, left=0.25))
    plain = page(*body(*RUNNING_TEXT, top=0.06))
    assert split_documents([decision, plain]) == [[0], [1]]


def test_a_page_with_text_only_in_its_lower_half_has_no_title() -> None:
    # Nothing in the header zone: a signing page, a form's back.
    assert not page_cues(page(*body(*RUNNING_TEXT, top=0.6), *signed(top=0.8))).title


def test_issuer_number_starts_a_document_without_a_readable_motto() -> None:
    letter = page(
        line("ỦY BAN NHÂN DÂN", 0.05, left=0.12),
        line("Số: 245/QĐ-UBND", 0.1, left=0.12),
        *body(*RUNNING_TEXT),
    )
    assert split_documents([first_page("TỜ KHAI", closed=False), letter]) == [[0], [1]]


def test_id_card_copy_after_a_form_starts_a_new_document() -> None:
    card = page(
        line("CĂN CƯỚC CÔNG DÂN", 0.1, left=0.25),
        line("Họ và tên / Full name: HỒ XUÂN HIẾU", 0.17, left=0.25),
        line("IDVNM0939978678040093997867<<2", 0.4, left=0.25),
        line("9310106M3310104VNM<<<<<<<<<<<0", 0.43, left=0.25),
    )
    assert split_documents([first_page("TỜ KHAI", closed=False), card]) == [[0], [1]]


def test_printed_paper_with_a_new_qr_code_starts_a_document() -> None:
    receipt = page(*body(*RUNNING_TEXT * 4, top=0.1), codes=("HS-0012|1.0008",))
    assert split_documents([first_page("ĐƠN ĐỀ NGHỊ", closed=False), receipt]) == [[0], [1]]


def test_signatories_over_their_signature_notes_are_no_title() -> None:
    signatures = page(
        centred("NGƯỜI NỘP HỒ SƠ NGƯỜI TIẾP NHẬN HỒ SƠ", 0.07),
        centred("(Ký, ghi rõ họ tên) (Ký, ghi rõ họ tên)", 0.1),
        centred("Đặng Xuân Hiếu Hồ Quang Cường", 0.2),
    )
    assert not page_cues(signatures).title


def test_separator_sheet_ends_the_document_and_belongs_to_none() -> None:
    separator = page(centred("PATCH T", 0.5), codes=("PATCHT",))
    continuation_like = page(*body("theo phân cấp hiện hành và các nguồn huy động hợp pháp."))
    pages = [first_page("QUYẾT ĐỊNH", closed=False), separator, BLANK, continuation_like]
    documents = split_documents(pages)
    assert documents == [[0], [3]]
    assert page_documents([p.blank for p in pages], documents) == [0, None, None, 1]


def test_sheet_with_a_code_and_next_to_no_text_is_a_separator() -> None:
    assert is_separator(page(centred("Tờ phân cách hồ sơ", 0.3), codes=("HS-0012",)))


def test_printed_paper_with_a_qr_code_is_not_a_separator() -> None:
    paper = page(
        centred("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", 0.1),
        *body(*RUNNING_TEXT * 4),
        codes=("HS-0012|1.0008",),
    )
    assert not is_separator(paper)


def test_all_blank_dossier_has_no_document() -> None:
    assert split_documents([BLANK, BLANK]) == []
