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
from samples.citizen import don_de_nghi, giay_uy_quyen, hop_dong, to_khai
from samples.civil import cccd, giay_khai_sinh, xac_nhan_cu_tru
from samples.identity import random_date
from samples.official import cong_van, quyet_dinh, thong_bao

__all__ = ["TEMPLATES", "Document", "Fields", "make_document"]

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
