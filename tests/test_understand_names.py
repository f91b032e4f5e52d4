"""A name read from capitals takes its marks from the same person's other paper."""

from datetime import date

from sohoa.ocr.engine import Box, Line, PageText, Word
from sohoa.pipeline.extract import NameSource
from sohoa.pipeline.model import DocumentFields
from sohoa.pipeline.page import PageContent
from sohoa.pipeline.understand import UnderstoodDocument, reconcile_names, understand_dossier

CAPITALS = NameSource(capitals=True, sure=True)
MIXED_CASE = NameSource(capitals=False, sure=True)


def paper(
    name: str, ids: tuple[str, ...] = (), review: tuple[str, ...] = (), type: str = "cccd"
) -> UnderstoodDocument:
    return UnderstoodDocument(
        pages=[0],
        type=type,
        type_confidence=1.0,
        fields=DocumentFields(ho_ten=name, so_dinh_danh=list(ids)),
        review=list(review),
    )


def application(name: str, ids: tuple[str, ...] = ()) -> UnderstoodDocument:
    return paper(name, ids, type="don_de_nghi")


def test_takes_marks_from_the_same_persons_other_paper():
    card = paper("Trần Thanh Khai", ("036189001234",))
    form = application("Trần Thành Khải", ("036189001234",))
    reconciled = reconcile_names([card, form], [CAPITALS, MIXED_CASE])
    assert reconciled[0].fields.ho_ten == "Trần Thành Khải"
    assert reconciled[1] == form


def test_takes_marks_by_the_folded_name_where_the_card_has_no_id():
    card = paper("Lý Thủ Thảo")
    form = application("Lý Thu Thảo", ("036189001234",))
    reconciled = reconcile_names([card, form], [CAPITALS, MIXED_CASE])
    assert reconciled[0].fields.ho_ten == "Lý Thu Thảo"


def test_does_not_when_ids_differ():
    card = paper("Trần Thanh Khai", ("036189001234",))
    form = application("Trần Thành Khải", ("001091183173",))
    reconciled = reconcile_names([card, form], [CAPITALS, MIXED_CASE])
    assert reconciled[0].fields.ho_ten == "Trần Thanh Khai"


def test_does_not_when_two_candidates_conflict():
    card = paper("Trần Thanh Khai")
    forms = [application("Trần Thành Khải"), application("Trần Thanh Khải")]
    reconciled = reconcile_names([card, *forms], [CAPITALS, MIXED_CASE, MIXED_CASE])
    assert reconciled[0].fields.ho_ten == "Trần Thanh Khai"


def test_does_not_change_the_folded_name():
    card = paper("Bùi Bích Huyện", ("036189001234",))
    form = application("Bùi Bích Hiền", ("036189001234",))  # other letters: OCR's or a typo
    reconciled = reconcile_names([card, form], [CAPITALS, MIXED_CASE])
    assert reconciled[0].fields.ho_ten == "Bùi Bích Huyện"


def test_does_not_take_marks_from_a_name_read_unsure_or_itself_in_capitals():
    card = paper("Trần Thanh Khai", ("036189001234",))
    unsure = application("Trần Thành Khải", ("036189001234",))
    capitals = paper("Trần Thành Khải", ("036189001234",), type="giay_khai_sinh")
    reconciled = reconcile_names(
        [card, unsure, capitals], [CAPITALS, NameSource(sure=False), CAPITALS]
    )
    assert reconciled[0].fields.ho_ten == "Trần Thanh Khai"


def test_clears_only_the_marks_review_flag():
    lost_marks = NameSource(capitals=True, sure=True, review_for_marks_only=True)
    unsure = NameSource(capitals=True, sure=False)
    form = application("Hoàng Thị Huyền", ("036189001234",))
    flagged = [
        paper("Hoàng Thị Huyen", ("036189001234",), review=("ho_ten", "ngay_ban_hanh")),
        paper("Hoàng Thị Huyen", ("036189001234",), review=("ho_ten",)),
    ]
    reconciled = reconcile_names([*flagged, form], [lost_marks, unsure, MIXED_CASE])
    assert [d.fields.ho_ten for d in reconciled[:2]] == ["Hoàng Thị Huyền"] * 2
    assert reconciled[0].review == ["ngay_ban_hanh"]
    assert reconciled[1].review == ["ho_ten"]


def printed(*lines: tuple[str, float, float]) -> PageContent:
    """An A4 page at 200 dpi holding each (text, top, left) line, shares of the page."""
    width, height, char = 1654, 2339, 20
    read = []
    for text, top, left in lines:
        x, y = round(left * width), round(top * height)
        words = []
        for token in text.split():
            words.append(Word(token, Box(x, y, x + char * len(token), y + 40), 90.0))
            x += char * (len(token) + 1)
        read.append(Line(Box(words[0].box.x0, y, x, y + 40), 0.0, 0.0, tuple(words)))
    return PageContent(False, PageText(width, height, tuple(read)))


def test_a_dossier_spells_an_id_cards_name_as_the_holders_form_does():
    form = printed(
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0.05, 0.25),
        ("TỜ KHAI", 0.15, 0.45),
        ("Họ và tên: Trần Thành Khải", 0.3, 0.15),
        ("Số định danh cá nhân: 036189001234", 0.33, 0.15),
    )
    card = printed(
        ("CĂN CƯỚC CÔNG DÂN", 0.1, 0.25),
        ("Số định danh cá nhân / Personal identification number: 036189001234", 0.14, 0.25),
        ("Họ và tên / Full name: TRẦN THANH KHAI", 0.17, 0.25),
    )
    names = [d.fields.ho_ten for d in understand_dossier([form, card], date(2026, 1, 1))]
    assert names == ["Trần Thành Khải", "Trần Thành Khải"]
