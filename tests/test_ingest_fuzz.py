"""Damaged files of every form in the format matrix, fed through ingest: a file is either
decoded, reported page by page, or rejected with a reason; no decoder's exception escapes.

The variants come from a seeded generator, so a failure is reproduced by its test id:
truncated at random points, bytes flipped at random, and headers swapped between forms (a
TIFF's first bytes on a PDF's body, and so on).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from sohoa.pipeline.ingest import InputRejected, UnreadablePage, decode_pages, open_source
from tests.forms import FORMS, Form

SEED = 20261206
VARIANTS_PER_FORM = 9  # three of each kind
# The whole run stays within a few seconds; a variant that takes long is a finding in itself.
SECONDS_PER_VARIANT = 5.0


def _small_pages(count: int) -> list[Image.Image]:
    pages = []
    for i in range(count):
        page = Image.new("L", (160, 220), 255)
        ImageDraw.Draw(page).rectangle((10 + 30 * i, 20, 40 + 30 * i, 50 + 15 * i), fill=0)
        pages.append(page)
    return pages


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each form's healthy file, as bytes."""
    folder = tmp_path_factory.mktemp("healthy")
    files = {}
    for form in FORMS:
        path = folder / f"{form.name}{form.suffix}"
        form.write(_small_pages(form.pages), path)
        files[form.name] = path.read_bytes()
    return files


def _truncated(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def _bit_flipped(data: bytes, rng: random.Random) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
    return bytes(damaged)


def _header_swapped(data: bytes, other: bytes, rng: random.Random) -> bytes:
    cut = rng.randint(4, 64)
    return other[:cut] + data[cut:]


def variants(form: Form, files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    rng = random.Random(f"{SEED}-{form.name}")
    data = files[form.name]
    others = [f for name, f in sorted(files.items()) if name != form.name]
    made = []
    for i in range(VARIANTS_PER_FORM // 3):
        made.append((f"truncated-{i}", _truncated(data, rng)))
        made.append((f"bit-flipped-{i}", _bit_flipped(data, rng)))
        made.append((f"header-swapped-{i}", _header_swapped(data, rng.choice(others), rng)))
    return made


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_damaged_files_are_decoded_reported_or_rejected_never_raised(
    tmp_path: Path, healthy: dict[str, bytes], form: Form
) -> None:
    for kind, data in variants(form, healthy):
        path = tmp_path / f"{kind}{form.suffix}"
        path.write_bytes(data)
        started = time.monotonic()
        try:
            source = open_source(path, path.name)
        except InputRejected as e:
            assert str(e) and str(tmp_path) not in str(e), (kind, str(e))
            continue
        pages = list(decode_pages(source))
        assert len(pages) <= source.pages, kind
        assert [p.number for p in pages] == sorted({p.number for p in pages}), kind
        for page in pages:
            if isinstance(page, UnreadablePage):
                assert page.reason.startswith("corrupt"), (kind, page.reason)
                assert str(tmp_path) not in page.reason, (kind, page.reason)
            else:
                page.raster.tobytes()  # decoded already: reading it cannot fail now
        assert time.monotonic() - started < SECONDS_PER_VARIANT, kind
