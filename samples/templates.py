"""Document templates by type: what each kind of paper says, as rows of paragraphs, plus its true
fields. A template is a function `(rng, when) -> Document`; wording, field order and layout vary
inside each, so no two documents of a type need read alike.

The templates live by family in `official.py`, `civil.py`, `citizen.py`, `certificates.py` and
`system.py`; the blocks they are made of in `blocks.py`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from samples.blocks import Document, Fields
from samples.certificates import gcn_dang_ky_doanh_nghiep, gcn_quyen_su_dung_dat
from samples.citizen import don_de_nghi, giay_uy_quyen, hop_dong, to_khai
from samples.civil import (
    cccd,
    giay_chung_nhan_ket_hon,
    giay_khai_sinh,
    trich_luc_khai_tu,
    xac_nhan_cu_tru,
    xac_nhan_tinh_trang_hon_nhan,
)
from samples.decree30 import KINDS as DECREE30_KINDS
from samples.decree30 import paper as decree30_paper
from samples.identity import random_date
from samples.official import bao_cao, bien_ban, cong_van, quyet_dinh, thong_bao, to_trinh
from samples.system import PAPER_NAMES, Case, giay_tiep_nhan_ho_so, make_case, with_qr

__all__ = ["TEMPLATES", "Document", "Fields", "make_document"]

QR_RATE = 0.25  # share of the papers the system could print that carry its QR code

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
    "giay_tiep_nhan_ho_so": giay_tiep_nhan_ho_so,
    "to_trinh": to_trinh,
    "bao_cao": bao_cao,
    "bien_ban": bien_ban,
    "giay_chung_nhan_ket_hon": giay_chung_nhan_ket_hon,
    "xac_nhan_tinh_trang_hon_nhan": xac_nhan_tinh_trang_hon_nhan,
    "trich_luc_khai_tu": trich_luc_khai_tu,
    "gcn_quyen_su_dung_dat": gcn_quyen_su_dung_dat,
    "gcn_dang_ky_doanh_nghiep": gcn_dang_ky_doanh_nghiep,
    # Drawn only with --decree30 (generate.DECREE30_WEIGHTS).
    **{doc_type: decree30_paper(doc_type) for doc_type in DECREE30_KINDS},
}


def make_document(rng: random.Random, doc_type: str, *, case: Case | None = None) -> Document:
    """A document of `doc_type`; `case` is the dossier the system filed it under, so that the
    receipt and every QR code in one dossier name the same dossier code."""
    when = random_date(rng, date(2019, 1, 1), date(2025, 6, 30))
    if doc_type == "giay_tiep_nhan_ho_so":
        return giay_tiep_nhan_ho_so(rng, when, case)
    document = TEMPLATES[doc_type](rng, when)
    printable = doc_type in PAPER_NAMES and document.fields.so_dinh_danh
    if printable and rng.random() < QR_RATE:
        document = with_qr(document, case or make_case(rng, when))
    return document
