"""The search benchmark on a tiny catalogue, through the same code path as the 100,000-document
run, so that it keeps working as the catalogue changes."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bench.search import QUERY_KINDS, Targets, generate_dossiers, main, paper_pages
from samples.templates import make_document
from sohoa.pipeline.identifiers import personal_id_problem
from sohoa.pipeline.text import fold
from sohoa.storage import catalogue as catalogue_module
from sohoa.storage.catalogue import Catalogue, SearchFilters

DOCUMENTS = 200


def test_every_query_kind_finds_what_was_indexed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--documents", str(DOCUMENTS), "--queries", "10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    build = report["build"]
    assert build["documents"] == DOCUMENTS
    assert build["pages"] >= DOCUMENTS
    assert build["documents_per_second"] > 0 and build["bytes_on_disk"] > 0
    assert [q["kind"] for q in report["queries"]] == list(QUERY_KINDS)
    for latency in report["queries"]:
        assert latency["queries"] == 10
        assert latency["misses"] == 0, latency
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]


def test_generated_dossiers_hold_valid_ids_and_searchable_targets() -> None:
    targets = Targets()
    dossiers = list(generate_dossiers(30, random.Random(1), targets))
    assert sum(len(d.manifest.documents) for d in dossiers) == 30
    assert targets.person_ids and targets.numbers and targets.page_texts
    for person_id in targets.person_ids:
        assert personal_id_problem(person_id) is None
    document_ids = [doc.id for d in dossiers for doc in d.manifest.documents]
    assert len(set(document_ids)) == len(document_ids)


def test_a_long_paper_is_split_into_pages_in_order() -> None:
    paper = make_document(random.Random(3), "gcn_quyen_su_dung_dat")
    pages = paper_pages(paper)
    assert len(pages) > 1
    written = [para.text for row in paper.rows for col in row.columns for para in col.paras]
    assert "\n".join(pages).split("\n") == [line for line in written if line.strip()]


def test_filters_apply_before_the_ranked_matches_are_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the newest RANKED_MATCHES matching pages are ranked (what keeps common words under
    the benchmark's target), but of the pages the filters allow: an old paper of the person
    asked for is found behind any number of newer ones."""
    monkeypatch.setattr(catalogue_module, "RANKED_MATCHES", 2)
    catalogue = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    dossiers = list(generate_dossiers(12, random.Random(5), Targets()))
    for dossier in dossiers:
        catalogue.index_manifest(dossier.manifest, dossier.page_texts)
    oldest = next(
        document
        for dossier in dossiers
        for document in dossier.manifest.documents
        if document.fields.so_dinh_danh
        and "viet nam" in fold(" ".join(dossier.page_texts[document.id]))
    )
    newest_first = [hit.document.id for hit in catalogue.search("việt nam")]
    assert len(newest_first) == 2 and oldest.id not in newest_first
    filters = SearchFilters(person_id=oldest.fields.so_dinh_danh[0])
    assert [hit.document.id for hit in catalogue.search("việt nam", filters)] == [oldest.id]
    catalogue.close()
