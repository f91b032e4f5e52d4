"""A personal ID and a CMND number written in a decision's running text, read by real OCR
through `sohoa digitise`, find the paper again with `sohoa search --person`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clerk import Clerk
from tests.pages import save_jpeg, text_page

pytestmark = pytest.mark.slow

PERSONAL_ID = "054192623902"
CMND = "162345678"
DECISION = [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "QUYẾT ĐỊNH",
    "Về việc công nhận hộ gia đình",
    f"Điều 1. Công nhận hộ ông (bà) Nguyễn Văn An, số định danh cá nhân {PERSONAL_ID},",
    f"cư trú tại thôn Phú Long; ông Lê Văn Tám, CMND số {CMND}, thành viên hộ.",
]


def test_ids_in_running_text_are_searchable_by_person(tmp_path: Path) -> None:
    page = save_jpeg(text_page(lines=DECISION), tmp_path / "decision.jpg")
    clerk = Clerk(tmp_path / "data")
    try:
        done = clerk.run("digitise", page, "--dossier-id", "hs-ids", "--json")
        assert done.returncode == 0, done.stderr
        [document] = json.loads(done.stdout)["documents"]
        assert document["fields"]["so_dinh_danh"] == [PERSONAL_ID]
        assert document["fields"]["so_cmnd"] == [CMND]
        for person in (PERSONAL_ID, CMND):
            hits = clerk.search("--person", person)
            assert [h["document"]["id"] for h in hits] == [document["id"]]
    finally:
        clerk.stop_services()
