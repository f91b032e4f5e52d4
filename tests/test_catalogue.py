"""The catalogue and its Vietnamese search, on SQLite and on a real PostgreSQL server: both
engines must answer every query the same way."""

from __future__ import annotations

import secrets
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sohoa.config import Settings
from sohoa.flows.cataloguing import document_paper, reindex
from sohoa.pipeline.model import (
    DocumentFields,
    DocumentRecord,
    Manifest,
    StoredObject,
)
from sohoa.pipeline.reuse import Paper
from sohoa.storage.catalogue import Catalogue, SearchFilters, catalogue_url
from sohoa.storage.objects import ObjectStore
from tests.conftest import make_settings
from tests.postgres import postgres_url  # noqa: F401 (the fixture of the PostgreSQL runs)

PERSON = "036089001234"
OTHER_PERSON = "001190012345"


def document(doc_id: str, type_: str = "don", pages: int = 1, **fields: Any) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        type=type_,
        type_confidence=0.9,
        needs_review=False,
        pages=list(range(pages)),
        fields=DocumentFields(**fields),
        pdf=StoredObject(key=f"dossiers/x/documents/{doc_id}.pdf", sha256="0" * 64),
        text=StoredObject(key=f"dossiers/x/documents/{doc_id}.txt"),
        metadata=StoredObject(key=f"dossiers/x/documents/{doc_id}.json"),
    )


def manifest(
    dossier_id: str, *documents: DocumentRecord, created: str = "2025-01-01T00:00:00+00:00"
) -> Manifest:
    return Manifest(
        dossier_id=dossier_id,
        status="done",
        documents=list(documents),
        pipeline_version="test",
        created=created,
    )


def ids(catalogue: Catalogue, query: str = "", **filters: Any) -> list[str]:
    return [hit.document.id for hit in catalogue.search(query, SearchFilters(**filters))]


# --- Vietnamese matching and ranking -----------------------------------------------------------


def test_a_query_without_diacritics_finds_text_with_them(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("d1", document("a")), {"a": ["Họ và tên: Nguyễn Văn Hưởng"]})
    assert ids(catalogue, "nguyen van huong") == ["a"]


def test_an_exact_diacritic_match_ranks_above_a_folded_only_match(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest("d1", document("tone-misread"), document("exact")),
        {"tone-misread": ["Ông Nguyễn Văn Hướng"], "exact": ["Ông Nguyễn Văn Hưởng"]},
    )
    hits = catalogue.search("Hưởng")
    assert [(h.document.id, h.match) for h in hits] == [
        ("exact", "exact"),
        ("tone-misread", "folded"),
    ]


def test_d_and_đ_meet_both_ways(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest("d1", document("dinh"), document("dang")),
        {"dinh": ["Xã Phương Định"], "dang": ["Ông Dang Van Nam"]},
    )
    assert ids(catalogue, "phuong dinh") == ["dinh"]
    assert ids(catalogue, "Đặng") == ["dang"]


def test_tone_placement_variants_are_the_same_word(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest("d1", document("old-style"), document("new-style")),
        {"old-style": ["Bà Lê Thanh Hoà, thuý"], "new-style": ["Hòa giải ở xã"]},
    )
    hits = catalogue.search("hòa")
    assert {h.document.id for h in hits} == {"old-style", "new-style"}
    assert {h.match for h in hits} == {"exact"}
    assert ids(catalogue, "thúy") == ["old-style"]


def test_a_phrase_query_wants_its_words_together_and_in_order(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest("d1", document("together"), document("apart")),
        {"together": ["Ủy ban nhân dân xã"], "apart": ["Nhân viên của ủy ban dân số"]},
    )
    assert ids(catalogue, '"ủy ban nhân dân"') == ["together"]
    assert set(ids(catalogue, "ủy ban nhân dân")) == {"together", "apart"}


def test_a_document_number_typed_without_đ_finds_its_document_first(
    catalogue: Catalogue,
) -> None:
    catalogue.index_manifest(
        manifest(
            "d1",
            document("cites-it"),
            document("decision", "quyet_dinh", so_ky_hieu="245/QĐ-UBND"),
            document("other-number", "quyet_dinh", so_ky_hieu="246/QĐ-UBND"),
        ),
        {
            "cites-it": ["Căn cứ Quyết định số 245/QĐ-UBND của Ủy ban"],
            "decision": ["QUYẾT ĐỊNH", "Số: 245/QĐ-UBND"],
            "other-number": ["Số: 246/QĐ-UBND"],
        },
    )
    hits = catalogue.search("245/QD-UBND")
    assert hits[0].document.id == "decision" and hits[0].match == "number"
    assert hits[0].page == 2  # where the number is written
    assert "other-number" not in [h.document.id for h in hits]


def test_a_personal_id_matches_exactly_not_as_part_of_a_longer_number(
    catalogue: Catalogue,
) -> None:
    catalogue.index_manifest(
        manifest(
            "d1",
            document("card", "cccd", so_dinh_danh=[PERSON]),
            document("someone-else", "cccd", so_dinh_danh=[OTHER_PERSON]),
        ),
        {"card": [f"Số định danh: {PERSON}"], "someone-else": [f"Số: {OTHER_PERSON}"]},
    )
    hits = catalogue.search(PERSON)
    assert [(h.document.id, h.match) for h in hits] == [("card", "person")]
    assert ids(catalogue, PERSON[:11]) == []


def test_hits_carry_a_snippet_with_the_match_highlighted_and_its_page(
    catalogue: Catalogue,
) -> None:
    catalogue.index_manifest(
        manifest("d1", document("a", pages=2)),
        {"a": ["Trang đầu không liên quan", "Điều 2. Giao cho ông Nguyễn Văn Hưởng thực hiện"]},
    )
    [hit] = catalogue.search("huong")
    assert hit.page == 2
    assert hit.snippet is not None
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["Hưởng"]


def test_a_query_of_punctuation_alone_finds_nothing(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("d1", document("a")), {"a": ["Số: 12/QĐ-UBND"]})
    assert ids(catalogue, " / - ") == []


# --- filters and listings ------------------------------------------------------------------------


@pytest.fixture
def filed(catalogue: Catalogue) -> Catalogue:
    """Three papers of one person and one of another, from two dossiers."""
    catalogue.index_manifest(
        manifest(
            "d1",
            document(
                "decision-2023",
                "quyet_dinh",
                ngay_ban_hanh="2023-05-02",
                co_quan_ban_hanh="Ủy ban nhân dân xã Phương Định",
                so_dinh_danh=[PERSON],
            ),
            document("card", "cccd", ngay_ban_hanh="2021-07-01", so_dinh_danh=[PERSON]),
        ),
        {"decision-2023": ["Quyết định về đất đai"], "card": ["Căn cước công dân"]},
    )
    catalogue.index_manifest(
        manifest(
            "d2",
            document(
                "decision-2024",
                "quyet_dinh",
                ngay_ban_hanh="2024-03-14",
                co_quan_ban_hanh="Ủy ban nhân dân phường Hòa Khánh",
                so_dinh_danh=[PERSON],
            ),
            document("neighbour", "quyet_dinh", ngay_ban_hanh="2024-01-01"),
            created="2025-02-01T00:00:00+00:00",
        ),
        {"decision-2024": ["Quyết định về đất đai"], "neighbour": ["Quyết định về đất đai"]},
    )
    return catalogue


def test_everything_on_file_for_a_person_is_listed_newest_first(filed: Catalogue) -> None:
    assert ids(filed, person_id=PERSON) == ["decision-2024", "decision-2023", "card"]


def test_a_query_is_narrowed_by_type_and_person(filed: Catalogue) -> None:
    assert set(ids(filed, "quyết định", type="quyet_dinh")) == {
        "decision-2023",
        "decision-2024",
        "neighbour",
    }
    assert set(ids(filed, "quyết định", type="quyet_dinh", person_id=PERSON)) == {
        "decision-2023",
        "decision-2024",
    }


def test_the_issuing_body_filter_takes_part_of_its_name_without_marks(filed: Catalogue) -> None:
    assert ids(filed, "dat dai", issuer="phuong dinh") == ["decision-2023"]


def test_the_date_range_is_inclusive_on_the_date_of_issue(filed: Catalogue) -> None:
    assert ids(filed, date_from=date(2024, 1, 1), date_to=date(2024, 3, 14)) == [
        "decision-2024",
        "neighbour",
    ]


# --- indexing ------------------------------------------------------------------------------------


def test_indexing_a_dossier_again_replaces_what_it_had(catalogue: Catalogue) -> None:
    catalogue.index_manifest(
        manifest("d1", document("first", so_dinh_danh=[PERSON])), {"first": ["bản cũ"]}
    )
    catalogue.index_manifest(manifest("d1", document("second")), {"second": ["bản mới"]})
    assert ids(catalogue, "bản") == ["second"]
    assert ids(catalogue, person_id=PERSON) == []
    assert catalogue.document("first") is None


def test_a_dossier_is_found_by_the_folder_name_it_came_from(catalogue: Catalogue) -> None:
    named = manifest("hs-0123456789ab", document("a"), document("b"))
    named.source_name = "Hồ sơ bà Lan 2024"
    catalogue.index_manifest(named, {"a": ["đơn"], "b": ["quyết định"]})
    catalogue.index_manifest(manifest("hs-other", document("c")), {"c": ["hồ sơ bà lan"]})

    hits = catalogue.search("ho so ba  Lan 2024")

    assert [(h.document.id, h.match) for h in hits[:2]] == [("a", "dossier"), ("b", "dossier")]
    assert {h.document.source_name for h in hits[:2]} == {"Hồ sơ bà Lan 2024"}


def test_a_dossier_is_found_by_its_id(catalogue: Catalogue) -> None:
    catalogue.index_manifest(manifest("000.00.12.H52-241203-0001", document("a")), {"a": ["đơn"]})
    catalogue.index_manifest(manifest("000.00.12.H52-241203-0002", document("b")), {"b": ["đơn"]})

    assert ids(catalogue, "000.00.12.h52-241203-0001") == ["a"]


def test_a_dossier_indexed_again_answers_to_its_new_name_only(catalogue: Catalogue) -> None:
    first = manifest("hs-1", document("a"))
    first.source_name = "ho so cu"
    catalogue.index_manifest(first, {"a": ["đơn"]})
    second = manifest("hs-1", document("a"))
    second.source_name = "ho so moi"
    catalogue.index_manifest(second, {"a": ["đơn"]})

    assert ids(catalogue, "ho so cu") == []
    assert ids(catalogue, "ho so moi") == ["a"]


def test_a_paper_filed_under_two_dossiers_stays_with_the_newer_manifest(
    catalogue: Catalogue,
) -> None:
    newer = manifest("later", document("paper"), created="2025-06-01T00:00:00+00:00")
    older = manifest("earlier", document("paper"), created="2025-01-01T00:00:00+00:00")
    catalogue.index_manifest(newer, {"paper": ["đơn"]})
    catalogue.index_manifest(older, {"paper": ["đơn"]})
    found = catalogue.document("paper")
    assert found is not None and found.dossier_id == "later"


# --- reuse candidates ----------------------------------------------------------------------------

DECISION_TEXT = "QUYẾT ĐỊNH Về việc giao đất cho ông Nguyễn Văn Hưởng tại xã Phương Định"


def file_papers(
    catalogue: Catalogue,
    dossier_id: str,
    *filed: tuple[DocumentRecord, str, str],
    created: str = "2025-01-01T00:00:00+00:00",
) -> None:
    """Index `filed` documents, each with its text and the original file it was read from
    (page 1 of it)."""
    texts = {doc.id: [text] for doc, text, _ in filed}
    papers = {doc.id: document_paper(doc, [(source, 1)], [text]) for doc, text, source in filed}
    catalogue.index_manifest(
        manifest(dossier_id, *(doc for doc, _, _ in filed), created=created), texts, papers
    )


def new_paper(doc: DocumentRecord, text: str, source: str = "new-file") -> Paper:
    return document_paper(doc, [(source, 1)], [text])


def candidate_ids(catalogue: Catalogue, paper: Paper, excluding_dossier: str = "new") -> list[str]:
    return [p.id for p in catalogue.reuse_candidates(paper, excluding_dossier)]


def test_reuse_candidates_are_the_papers_that_could_be_the_same_oldest_first(
    catalogue: Catalogue,
) -> None:
    file_papers(
        catalogue,
        "later",
        (document("same-person", "quyet_dinh", so_dinh_danh=[PERSON]), "Giấy tờ khác", "f1"),
        created="2025-03-01T00:00:00+00:00",
    )
    file_papers(
        catalogue,
        "earlier",
        (document("same-original", "don"), "Đơn đề nghị", "scan"),
        (document("same-number", "quyet_dinh", so_ky_hieu="245/QĐ-UBND"), "Số 245", "f2"),
        (document("same-text", "quyet_dinh"), DECISION_TEXT, "f3"),
        (document("unrelated", "quyet_dinh"), "Thông báo lịch tiếp dân", "f4"),
    )
    new = new_paper(
        document("new", "quyet_dinh", so_ky_hieu="245/QD-UBND", so_dinh_danh=[PERSON]),
        DECISION_TEXT,
        source="scan",
    )
    assert candidate_ids(catalogue, new) == [
        "same-number",
        "same-original",
        "same-text",
        "same-person",
    ]


def test_a_paper_of_another_type_is_no_candidate_unless_read_from_the_same_original(
    catalogue: Catalogue,
) -> None:
    file_papers(
        catalogue,
        "earlier",
        (document("card", "cccd", so_dinh_danh=[PERSON]), DECISION_TEXT, "f1"),
        (document("numbered", "cong_van", so_ky_hieu="245/QĐ-UBND"), "Công văn", "f2"),
    )
    new = new_paper(
        document("new", "quyet_dinh", so_ky_hieu="245/QĐ-UBND", so_dinh_danh=[PERSON]),
        DECISION_TEXT,
    )
    assert candidate_ids(catalogue, new) == []
    assert candidate_ids(catalogue, replace(new, source_sha256="f1")) == ["card"]


def test_the_dossier_being_digitised_again_is_no_candidate_for_itself(
    catalogue: Catalogue,
) -> None:
    file_papers(catalogue, "d1", (document("a", "don", so_dinh_danh=[PERSON]), "Đơn", "f1"))
    again = new_paper(document("a2", "don", so_dinh_danh=[PERSON]), "Đơn", "f1")
    assert candidate_ids(catalogue, again, excluding_dossier="d1") == []


def test_a_candidate_carries_its_fields_text_signature_and_original(
    catalogue: Catalogue,
) -> None:
    filed = document("a", "quyet_dinh", so_ky_hieu="245/QĐ-UBND", ngay_ban_hanh="2024-03-14")
    file_papers(catalogue, "d1", (filed, DECISION_TEXT, "f1"))
    [candidate] = catalogue.reuse_candidates(new_paper(filed, DECISION_TEXT, "f1"), "new")
    assert candidate == new_paper(filed, DECISION_TEXT, "f1")


def test_a_replaced_document_is_no_longer_a_reuse_candidate(catalogue: Catalogue) -> None:
    file_papers(catalogue, "d1", (document("old", "don", so_dinh_danh=[PERSON]), "Đơn", "f1"))
    file_papers(catalogue, "d1", (document("new", "cccd"), "Căn cước", "f2"))
    probe = new_paper(document("probe", "don", so_dinh_danh=[PERSON]), "Đơn", "f1")
    assert candidate_ids(catalogue, probe, excluding_dossier="other") == []


def test_a_paper_spread_over_files_has_for_original_those_pages_of_those_files() -> None:
    def original(*pages: tuple[str, int]) -> str:
        return document_paper(document("a"), pages, ["Đơn"]).source_sha256

    assert original(("f1", 2), ("f2", 1)) == original(("f1", 2), ("f2", 1))
    assert original(("f1", 2), ("f2", 1)) != original(("f1", 2), ("f3", 1))
    assert original(("f1", 2), ("f2", 1)) != original(("f1", 2))


def test_a_document_shows_the_paper_it_reuses(catalogue: Catalogue) -> None:
    reused = document("copy").model_copy(update={"reuse_of": "first", "reuse_reason": "same_text"})
    catalogue.index_manifest(manifest("d1", reused), {"copy": ["đơn"]})
    found = catalogue.document("copy")
    assert found is not None and (found.reuse_of, found.reuse_reason) == ("first", "same_text")


def test_the_default_catalogue_is_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    assert catalogue_url(settings) == f"sqlite:///{tmp_path / 'catalogue.sqlite'}"


def test_a_new_sqlite_catalogue_opens_while_another_connection_is_writing_it(
    tmp_path: Path,
) -> None:
    # As when dossiers started side by side all open a new catalogue at once: SQLite answers
    # "database is locked" to the switch to WAL at once, without its busy timeout.
    path = tmp_path / "catalogue.sqlite"
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("CREATE TABLE other (x)")
    commit = threading.Timer(0.3, writer.execute, ["COMMIT"])
    commit.start()

    Catalogue(f"sqlite:///{path}").close()  # raises CatalogueError if it did not wait

    commit.join()
    writer.close()


# --- the object store is the truth ---------------------------------------------------------------


@pytest.mark.slow
def test_a_catalogue_rebuilt_from_storage_answers_as_the_one_built_while_digitising(
    s3_settings: Settings, tmp_path: Path
) -> None:
    # A bucket of its own: the rebuild reads every manifest in it.
    s3_store = ObjectStore.from_settings(
        s3_settings.model_copy(update={"s3_bucket": f"reindex-{secrets.token_hex(4)}"})
    )
    s3_store.ensure_bucket()
    texts = {
        "decision": ["QUYẾT ĐỊNH\nVề việc giao đất", "Giao cho ông Nguyễn Văn Hưởng"],
        "card": [f"CĂN CƯỚC CÔNG DÂN\nSố định danh: {PERSON}"],
    }
    dossier = manifest(
        "rebuilt",
        document("decision", "quyet_dinh", pages=2, so_ky_hieu="245/QĐ-UBND"),
        document("card", "cccd", so_dinh_danh=[PERSON], ho_ten="Nguyễn Văn Hưởng"),
    )
    for doc in dossier.documents:
        s3_store.put_bytes(doc.text.key, "\f".join(texts[doc.id]).encode(), "text/plain")
    s3_store.put_bytes(
        "dossiers/rebuilt/manifest.json", dossier.model_dump_json().encode(), "application/json"
    )
    live = Catalogue(f"sqlite:///{tmp_path / 'live.sqlite'}")
    live.index_manifest(dossier, texts)
    rebuilt = Catalogue(f"sqlite:///{tmp_path / 'rebuilt.sqlite'}")
    rebuilt.index_manifest(manifest("gone", document("stale")), {"stale": ["Nguyễn Văn Hưởng"]})

    assert reindex(s3_store, rebuilt, lambda _: None) == 1

    for query, filters in [
        ("nguyen van huong", SearchFilters()),
        ('"giao đất"', SearchFilters()),
        ("245/QD-UBND", SearchFilters()),
        ("", SearchFilters(person_id=PERSON)),
        ("hưởng", SearchFilters(type="cccd")),
    ]:
        assert rebuilt.search(query, filters) == live.search(query, filters)


@pytest.mark.slow
def test_several_processes_may_open_a_new_postgresql_catalogue_at_once(
    request: pytest.FixtureRequest,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import create_engine, make_url, text

    server_url = request.getfixturevalue("postgres_url")
    name = f"fresh_{secrets.token_hex(4)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)

    def open_and_close(_: int) -> None:
        Catalogue(url).close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(open_and_close, range(6)))  # raises if one collided


def test_opening_the_catalogue_again_keeps_the_locks_of_its_open_connections(
    tmp_path: Path,
) -> None:
    """Closing any descriptor of a file drops every POSIX lock the process holds on it: were
    the database file opened to be made private, another process closing its last connection
    would take the database for unused and delete the write-ahead log under the open one."""
    database = tmp_path / "catalogue.sqlite"
    first = Catalogue(f"sqlite:///{database}")
    with first.connect() as conn:  # a pooled connection, open from here on
        conn.execute(text("SELECT count(*) FROM documents"))
    second = Catalogue(f"sqlite:///{database}")
    writer = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]);"
        "c.execute('PRAGMA user_version = 7'); c.commit(); c.close()"
    )
    subprocess.run([sys.executable, "-c", writer, str(database)], check=True)

    assert (tmp_path / "catalogue.sqlite-wal").exists()
    with first.connect() as conn:
        assert conn.execute(text("PRAGMA user_version")).scalar() == 7
    first.close()
    second.close()
