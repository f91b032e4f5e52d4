"""A clerk's review, in a real browser: `sohoa serve` on a data dir with a digitised sample
dossier (real Tesseract, the embedded SeaweedFS), Debian's Chromium driven by Playwright.

Screenshots of the queue and of a document under review are saved with the other browser
screenshots (see `tests.test_browser`); docs/review.md shows copies of them.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.clerk import Clerk
from tests.pages import text_page
from tests.test_browser import Server, browser, screenshot, server

pytestmark = pytest.mark.slow

__all__ = ["browser", "server"]  # the fixtures, shared with the search page's visit

CORRECTED = "1700/QĐ-STP"  # the sample's decision reads 1634/QĐ-STP


@pytest.fixture(scope="module", autouse=True)
def flagged_decision(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A decision whose number was filled in apart from its printed kind, as registries do by
    hand: flagged for review whatever the sample dossier's reading is."""
    lines = [
        "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN",
        "Số: 25          /QĐ-UBND",
        "QUYẾT ĐỊNH",
        "Về việc giao đất cho hộ gia đình ông Trần Văn Bình",
        "Căn cứ Luật Đất đai ngày 18 tháng 01 năm 2024;",
        "Điều 1. Giao đất cho hộ ông Trần Văn Bình tại xã Nghi Phong.",
    ]
    path = tmp_path_factory.mktemp("flagged") / "decision.png"
    text_page(dpi=300, lines=lines).save(path, dpi=(300, 300))
    manifest = Clerk(server.data_dir).digitise(path, "--dossier-id", "hs-flagged")
    [document] = manifest.documents
    assert document.review == ["so_ky_hieu"]
    return document.id


def logged_in(server: Server, browser: Browser, token: str | None = None) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server.url + "/")
    page.fill("input[name=token]", token or server.token)
    submit(page)
    return page


def new_token(server: Server, name: str, role: str) -> str:
    """A hand-off token made as an administrator makes one, while the page is served."""
    made = Clerk(server.data_dir).run("tokens", "add", name, "--role", role)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


def submit(page: Page) -> None:
    """Press Enter in the focused field, and wait for the page the form leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def decision_id(page: Page, server: Server) -> str:
    page.goto(server.url + "/?q=1634%2FQD-STP")
    href = page.locator("tbody a[href^='/documents/']").first.get_attribute("href")
    assert href is not None
    return href.rsplit("/", 1)[1]


def test_a_flagged_document_is_confirmed_with_the_keyboard_alone(
    server: Server, browser: Browser
) -> None:
    page = logged_in(server, browser)
    page.goto(server.url + "/review")
    flagged = page.locator("tbody tr").count()
    assert flagged >= 1, "the sample dossier has no flagged document"
    screenshot(page, "review-queue.png")

    with page.expect_navigation(url=re.compile(r"/review/\w+")):
        page.keyboard.press("Enter")  # on "start", which has the focus: the oldest flagged
    reviewed = page.url.split("/review/")[1].split("?")[0]
    expect(page.locator(".flagged input").first).to_be_focused()
    image = page.locator("img[src$='/pages/1.png']")
    expect(image).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # the page rendered
    assert page.locator(".outline").count() >= 1  # the flagged field's words, outlined
    screenshot(page, "review-document.png")

    submit(page)
    expect(page.locator(".done").first).to_contain_text("Đã xác nhận")
    page.goto(server.url + "/review")
    assert page.locator(f"a[href^='/review/{reviewed}']").count() == 0
    assert page.locator("tbody tr").count() == flagged - 1


def test_a_corrected_number_is_found_by_search_and_its_revision_stays(
    server: Server, browser: Browser
) -> None:
    page = logged_in(server, browser)
    document = decision_id(page, server)
    page.goto(f"{server.url}/review/{document}")
    page.fill("input[name=so_ky_hieu]", CORRECTED)
    submit(page)

    page.goto(server.url + "/")
    page.fill("input[name=q]", CORRECTED)
    submit(page)
    expect(page.locator("tbody tr").first).to_contain_text(CORRECTED)

    page.goto(f"{server.url}/documents/{document}")
    page.reload()
    history = page.locator("table.revisions")
    expect(history).to_contain_text("1634/QĐ-STP")
    expect(history).to_contain_text(CORRECTED)
    expect(history).to_contain_text("page")  # the page's own token's name

    page.click("a[href='/dossiers/dossier-a']")  # the dossier's page: its papers and revisions
    page.wait_for_load_state("load")
    expect(page.locator("table").first).to_contain_text(CORRECTED)
    expect(page.locator("table.revisions")).to_contain_text(CORRECTED)


def test_an_invalid_personal_id_is_refused_in_vietnamese(server: Server, browser: Browser) -> None:
    page = logged_in(server, browser)
    document = decision_id(page, server)
    page.goto(f"{server.url}/review/{document}")
    page.fill("input[name=so_dinh_danh]", "003089001234")
    submit(page)
    expect(page.locator(".problem")).to_contain_text("không có tỉnh nào mang mã 003")
    expect(page.locator("input[name=so_dinh_danh]")).to_be_focused()
    expect(page.locator("input[name=so_dinh_danh]")).to_have_value("003089001234")


def test_a_read_token_searches_but_cannot_confirm(server: Server, browser: Browser) -> None:
    page = logged_in(server, browser, new_token(server, "an", "read"))
    document = decision_id(page, server)  # it searches
    expect(page.locator("nav a[href='/review']")).to_have_count(0)
    opened = page.goto(f"{server.url}/documents/{document}")
    assert opened is not None and opened.status == 200
    expect(page.locator("a[href^='/review/']")).to_have_count(0)

    refused = page.goto(f"{server.url}/review/{document}")
    assert refused is not None and refused.status == 403
    expect(page.locator(".problem")).to_contain_text("“an” chỉ được tra cứu")
    posted = page.request.post(
        f"{server.url}/review/{document}", form={"so_ky_hieu": "9/QĐ-STP"}, max_redirects=0
    )
    assert posted.status == 403
    page.goto(f"{server.url}/documents/{document}")
    expect(page.locator("table.revisions")).not_to_contain_text("9/QĐ-STP")


def test_a_review_tokens_confirmation_is_recorded_under_its_name(
    server: Server, browser: Browser
) -> None:
    page = logged_in(server, browser, new_token(server, "lan", "review"))
    document = decision_id(page, server)
    page.goto(f"{server.url}/review/{document}")
    page.fill("input[name=so_ky_hieu]", "1701/QĐ-STP")
    submit(page)
    expect(page.locator(".done").first).to_contain_text("Đã xác nhận")

    page.goto(f"{server.url}/documents/{document}")
    latest = page.locator("table.revisions tbody tr").last
    expect(latest).to_contain_text("lan")
    expect(latest).to_contain_text("1701/QĐ-STP")
