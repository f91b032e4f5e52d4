"""A digital signature's box printed on page 1 ("Ký bởi: … Cơ quan: … Thời gian ký: …") over
the header is no part of the issuer, the summary or the issuing date."""

from sohoa.pipeline.extract import extract_fields
from tests.test_extract import TODAY, body, centred, laid_out

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


def _signed_notice(date_line: str, box_at: int = 1150) -> list[list[tuple[int, str]]]:
    """A provincial notice whose signature box stands at the top right, above the motto; its
    lines run into the header's lines as OCR reads them."""
    return [
        [(box_at, "Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi")],
        [(box_at, "Cơ quan: Tỉnh Quảng Ngãi")],
        [(box_at, "Thời gian ký: 26/01/2025 11:12:09 +07:00")],
        [(300, "ỦY BAN NHÂN DÂN"), (800, MOTTO)],
        [(320, "TỈNH QUẢNG NGÃI"), (880, MOTTO_2)],
        [(330, "Số: 46/TB-UBND"), (850, date_line)],
        centred("THÔNG BÁO"),
        centred("Về việc thụ lý giải quyết khiếu nại lần hai"),
        body("Ngày 10 tháng 01 năm 2025, Ủy ban nhân dân tỉnh nhận được đơn khiếu nại."),
    ]


def test_the_signature_box_is_not_the_issuer():
    page = laid_out(*_signed_notice("Quảng Ngãi, ngày 24 tháng 01 năm 2025"))
    fields = extract_fields("thong_bao", [page], TODAY).fields
    assert fields.co_quan_ban_hanh == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert fields.trich_yeu == "thụ lý giải quyết khiếu nại lần hai"


def test_the_time_of_signing_is_not_the_issuing_date():
    page = laid_out(*_signed_notice("Quảng Ngãi, ngày 24 tháng 01 năm 2025"))
    assert extract_fields("thong_bao", [page], TODAY).fields.ngay_ban_hanh == "2025-01-24"


def test_a_handwritten_day_that_does_not_read_is_not_replaced_by_the_time_of_signing():
    page = laid_out(*_signed_notice("Quảng Ngãi, ngày tháng 01 năm 2025"))
    extraction = extract_fields("thong_bao", [page], TODAY)
    assert extraction.fields.ngay_ban_hanh is None
    assert "ngay_ban_hanh" in extraction.review


def test_a_signature_box_over_the_issuer_column_is_not_the_issuer():
    rows = _signed_notice("Quảng Ngãi, ngày 24 tháng 01 năm 2025", box_at=280)
    extraction = extract_fields("thong_bao", [laid_out(*rows)], TODAY)
    assert extraction.fields.co_quan_ban_hanh == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert "co_quan_ban_hanh" not in extraction.review


def test_a_signature_box_in_a_letters_left_column_is_not_its_summary():
    rows = [
        [(300, "VĂN PHÒNG CHÍNH PHỦ"), (800, MOTTO)],
        [(880, MOTTO_2)],
        [(330, "Số: 3722/VPCP-CN"), (850, "Hà Nội, ngày 28 tháng 4 năm 2026")],
        [(280, "V/v cơ chế đặc thù xây dựng")],
        [(280, "Người ký: Văn phòng Chính phủ")],
        [(280, "Email: vpcp@chinhphu.vn")],
        [(280, "Thời gian ký: 28.04.2026 16:20:11 +07:00")],
        [(280, "Kính gửi: Ủy ban nhân dân tỉnh Đồng Nai")],
        body("Xét đề nghị của Ủy ban nhân dân tỉnh Đồng Nai, Thủ tướng Chính phủ có ý kiến."),
    ]
    extraction = extract_fields("cong_van", [laid_out(*rows)], TODAY)
    assert extraction.fields.trich_yeu == "cơ chế đặc thù xây dựng"
    assert extraction.fields.ngay_ban_hanh == "2026-04-28"


def test_a_signature_box_read_on_one_line_with_the_issuer_is_cut_off_at_its_label():
    rows = [
        [(300, "ỦY BAN NHÂN DÂN"), (1150, "Ký bởi: Ủy ban nhân dân tỉnh Quảng Ngãi")],
        [(320, "TỈNH QUẢNG NGÃI"), (1150, "Thời gian ký: 26/01/2025 11:12:09")],
        [(800, MOTTO)],
        [(880, MOTTO_2)],
        [(330, "Số: 46/TB-UBND"), (850, "Quảng Ngãi, ngày 24 tháng 01 năm 2025")],
        centred("THÔNG BÁO"),
        centred("Về việc thụ lý giải quyết khiếu nại lần hai"),
        body("Ngày 10 tháng 01 năm 2025, Ủy ban nhân dân tỉnh nhận được đơn khiếu nại."),
    ]
    fields = extract_fields("thong_bao", [laid_out(*rows)], TODAY).fields
    assert fields.co_quan_ban_hanh == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert fields.ngay_ban_hanh == "2025-01-24"


def test_a_signature_box_left_of_the_motto_on_one_line_leaves_the_motto_and_date():
    rows = [
        [(300, "ỦY BAN NHÂN DÂN"), (800, MOTTO)],
        [(320, "TỈNH QUẢNG NGÃI"), (880, MOTTO_2)],
        [(100, "Thời gian ký: 26/01/2025"), (850, "Quảng Ngãi, ngày 24 tháng 01 năm 2025")],
        [(330, "Số: 46/TB-UBND")],
        centred("THÔNG BÁO"),
        centred("Về việc thụ lý giải quyết khiếu nại lần hai"),
        body("Ngày 10 tháng 01 năm 2025, Ủy ban nhân dân tỉnh nhận được đơn khiếu nại."),
    ]
    assert extract_fields("thong_bao", [laid_out(*rows)], TODAY).fields.ngay_ban_hanh == (
        "2025-01-24"
    )
