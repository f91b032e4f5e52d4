"""Machine-readable codes as grids of dark modules, and the separator sheet that carries one.

QR codes come from segno, Code128 from zxing-cpp's writer; render.py scales the grid to pixels.
"""

from __future__ import annotations

import random
from functools import cache

import numpy as np
import segno
import zxingcpp

from samples.blocks import Code, Column, Para, Row, single

# paperless-ngx splits a scan at a page whose barcode says this ("patch T" sheets).
SEPARATOR_PAYLOAD = "PATCHT"
SEPARATOR_CAPTIONS = ("PATCH T", "TÁCH TÀI LIỆU", "Tờ phân cách hồ sơ", "--- TÁCH ---")


@cache
def modules(code: Code) -> tuple[tuple[bool, ...], ...]:
    """Rows of modules, True = dark; a linear code is one row, stretched to its height."""
    if code.symbology == "qr":
        # level M keeps the symbol readable through speckles and JPEG at 4 px a module
        matrix = segno.make_qr(code.payload, error="m").matrix
        return tuple(tuple(bool(v) for v in row) for row in matrix)
    barcode = zxingcpp.create_barcode(code.payload, zxingcpp.BarcodeFormat.Code128)
    bars = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))[0]
    return (tuple(bool(v == 0) for v in bars),)


def separator_rows(rng: random.Random) -> list[Row]:
    """A sheet put between documents before scanning: one big code, at most a short caption."""
    if rng.random() < 0.5:
        code = Code(SEPARATOR_PAYLOAD, "qr", module_mm=rng.uniform(2.0, 3.0))
    else:
        code = Code(SEPARATOR_PAYLOAD, "code128", module_mm=0.6, height_mm=rng.uniform(18, 30))
    rows = [
        Row((Column((), code=code, code_align="center"),), space_before=rng.uniform(6, 14)),
    ]
    if rng.random() < 0.6:
        caption = Para(rng.choice(SEPARATOR_CAPTIONS), weight="bold", size=1.3, align="center")
        rows.append(single(caption, space_before=1.0))
    return rows
