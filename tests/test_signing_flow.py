"""`sohoa sign` and signing at digitisation, through the real embedded S3 server, catalogue,
Prefect flow and Tesseract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sohoa.config import Settings
from sohoa.flows import prefect_server, worker
from sohoa.flows.cataloguing import document_paper
from sohoa.flows.digitise import commit_dossier, committed_manifest, store_document
from sohoa.flows.signing import sign_dossier
from sohoa.pipeline.model import (
    DocumentRecord,
    DocumentSignature,
    Manifest,
    PageRecord,
    SourceRecord,
    SourceSignature,
    StoredObject,
)
from sohoa.signing.pdfa_signed import validate_signed
from sohoa.signing.sign import open_copy_signer
from sohoa.signing.verify import check_signatures, load_trust_roots
from sohoa.storage import embedded
from sohoa.storage.catalogue import Catalogue
from sohoa.storage.objects import ObjectStore
from sohoa.web.app import create_app
from tests import test_catalogue
from tests.conftest import make_settings
from tests.signing_fixtures import AGENCY, make_pdfa, pkcs12_env, real_dev, write_secret
from tests.signing_pki import Pki, make_pki

SOHOA = [sys.executable, "-m", "sohoa.cli"]
# The incoming papers: what each one's page says.
PHRASES = {
    "signed.pdf": "Quyết định về việc cấp giấy chứng nhận quyền sử dụng đất",
    "altered.pdf": "Giấy khai sinh của Nguyễn Văn Hưởng sinh ngày 14 tháng 3 năm 2024",
}


@pytest.fixture(scope="module")
def pki() -> Pki:
    return make_pki()


def _pdf_text(path: Path, page: int = 1) -> str:
    return subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _stored_dossier(
    store: ObjectStore, catalogue: Catalogue, folder: Path, dossier_id: str = "hs-sign"
) -> Manifest:
    """A committed dossier of two documents, the second flagged for review."""
    documents, texts = [], {}
    for index, (word, flagged) in enumerate((("Quyết", False), ("Giấy", True))):
        pdf = make_pdfa(folder / f"d{index}", word)
        prefix = f"dossiers/{dossier_id}/documents/{dossier_id}-{index}"
        stored = store.put_file(f"{prefix}.pdf", pdf, "application/pdf")
        texts[f"{dossier_id}-{index}"] = [word]
        text = store.put_bytes(f"{prefix}.txt", word.encode(), "text/plain; charset=utf-8")
        documents.append(
            DocumentRecord(
                id=f"{dossier_id}-{index}",
                needs_review=flagged,
                pages=[index],
                pdf=StoredObject(key=stored.key, sha256=stored.sha256, bytes=stored.size),
                text=StoredObject(key=text.key, sha256=text.sha256),
                metadata=StoredObject(key=f"{prefix}.json"),
            )
        )
    manifest = Manifest(
        dossier_id=dossier_id,
        status="done",
        documents=documents,
        pipeline_version="test",
        created="2026-01-01T00:00:00+00:00",
    )
    commit_dossier(store, catalogue, manifest, texts)
    return manifest


@pytest.mark.slow
def test_sign_signs_unflagged_documents_then_flagged_ones_once_confirmed_and_never_twice(
    tmp_path: Path, s3_store: ObjectStore, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    manifest = _stored_dossier(s3_store, catalogue, tmp_path / "made")
    for name, value in pkcs12_env(pki, tmp_path).items():
        monkeypatch.setenv(name, value)
    roots = load_trust_roots(pki.write_root(tmp_path / "roots"))
    work = tmp_path / "work"
    work.mkdir()

    with open_copy_signer(Settings()) as copy_signer:
        first = sign_dossier(s3_store, catalogue, copy_signer, manifest, work)
        assert (first.signed, first.awaiting_review) == (["hs-sign-0"], ["hs-sign-1"])
        committed = committed_manifest(s3_store, "hs-sign")
        assert committed is not None and committed.created != manifest.created
        signed, held = committed.documents
        assert held.signature is None and held.pdf == manifest.documents[1].pdf
        assert signed.signature is not None and signed.unsigned_pdf == manifest.documents[0].pdf
        assert signed.pdf.key == signed.signature.key and signed.pdf.key.endswith(".signed.pdf")
        assert signed.signature.form == "SAO Y"
        catalogued = catalogue.document("hs-sign-0")
        assert catalogued is not None and catalogued.pdf_key == signed.pdf.key
        assert catalogued.signature == signed.signature

        out = tmp_path / "doc-0.pdf"
        s3_store.download_file(signed.pdf.key, out)
        [record] = check_signatures(out, roots)
        assert record.intact and record.covers_whole_file and record.trusted
        assert validate_signed(out).passed
        assert "Quyết" in _pdf_text(out) and AGENCY in _pdf_text(out)
        # The unsigned PDF/A stays as it was, under its own key.
        unsigned = tmp_path / "unsigned.pdf"
        s3_store.download_file(signed.unsigned_pdf.key, unsigned)  # type: ignore[union-attr]
        assert out.read_bytes().startswith(unsigned.read_bytes())

        confirmed = sign_dossier(s3_store, catalogue, copy_signer, committed, work, confirm=True)
        assert (confirmed.signed, confirmed.already_signed) == (["hs-sign-1"], ["hs-sign-0"])
        again = sign_dossier(s3_store, catalogue, copy_signer, confirmed.manifest, work)
        assert again.signed == [] and again.already_signed == ["hs-sign-0", "hs-sign-1"]
        assert committed_manifest(s3_store, "hs-sign") == confirmed.manifest
        s3_store.download_file(confirmed.manifest.documents[1].pdf.key, out)
        assert "Giấy" in _pdf_text(out)
    catalogue.close()


@pytest.mark.slow
def test_a_correction_of_a_signed_copy_leaves_the_signed_file_and_is_unsigned_until_signed_again(
    tmp_path: Path, s3_store: ObjectStore, pki: Pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sohoa.flows.review import confirm

    catalogue = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    manifest = _stored_dossier(s3_store, catalogue, tmp_path / "made", "hs-sign-review")
    for name, value in pkcs12_env(pki, tmp_path).items():
        monkeypatch.setenv(name, value)
    work = tmp_path / "work"
    work.mkdir()
    with open_copy_signer(Settings()) as copy_signer:
        signed = sign_dossier(s3_store, catalogue, copy_signer, manifest, work).manifest
        copy = signed.documents[0]
        assert copy.signature is not None

        reviewed = confirm(
            s3_store, catalogue, copy.id, {"so_ky_hieu": "12/QĐ-UBND"}, "lan"
        ).manifest.documents[0]

        assert reviewed.signature is None and reviewed.unsigned_pdf is None
        assert reviewed.pdf.key not in (copy.pdf.key, copy.unsigned_pdf.key)  # type: ignore[union-attr]
        assert s3_store.get_bytes(copy.pdf.key)  # the signed copy stays
        out = tmp_path / "reviewed.pdf"
        s3_store.download_file(reviewed.pdf.key, out)
        assert check_signatures(out, []) == []
        again = sign_dossier(
            s3_store,
            catalogue,
            copy_signer,
            committed_manifest(s3_store, manifest.dossier_id),
            work,
        )  # type: ignore[arg-type]
        assert again.signed == [copy.id]
    catalogue.close()


@pytest.fixture
def isolated_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    yield {**env, "SOHOA_DATA_DIR": str(data_dir)}
    settings = make_settings(data_dir)
    worker.stop_all(settings)
    prefect_server.stop(settings)
    embedded.stop(settings)


def test_sign_with_a_wrong_password_exits_1_before_anything_is_read(
    tmp_path: Path, pki: Pki, isolated_env: dict[str, str]
) -> None:
    env = {**isolated_env, **pkcs12_env(pki, tmp_path)}
    write_secret(Path(env["SOHOA_SIGN_PASSWORD_FILE"]), "sai")
    done = subprocess.run(
        [*SOHOA, "sign", "hs-any"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1
    assert "wrong password" in done.stderr and "nothing was signed" in done.stderr
    assert "sai" not in done.stderr
    # The signer is opened first: no storage was started to look for the dossier.
    assert not (tmp_path / "data" / "s3").exists()


@pytest.mark.slow
def test_digitise_signs_at_digitisation_and_records_incoming_signatures(
    tmp_path: Path, pki: Pki, isolated_env: dict[str, str]
) -> None:
    env = {
        **isolated_env,
        **pkcs12_env(pki, tmp_path),
        "SOHOA_TRUST_ROOTS": str(pki.write_root(tmp_path / "roots")),
    }
    # An incoming paper signed with the test key, and a copy of it altered after signing.
    incoming = tmp_path / "in"
    incoming.mkdir()
    with open_copy_signer(Settings(**_settings_from(env))) as copy_signer:
        for name, phrase in PHRASES.items():
            copy_signer.sign(make_pdfa(tmp_path / f"made-{name}", phrase), tmp_path / name)
    (incoming / "signed.pdf").write_bytes((tmp_path / "signed.pdf").read_bytes())
    data = bytearray((tmp_path / "altered.pdf").read_bytes())
    data[data.index(b"quyet_dinh")] ^= 0x01
    (incoming / "altered.pdf").write_bytes(bytes(data))

    done = subprocess.run(
        [*SOHOA, "digitise", str(incoming), "--dossier-id", "hs-dig", "--json"],
        capture_output=True,
        text=True,
        env={**env, "SOHOA_SIGN_AT_DIGITISE": "true"},
        timeout=600,
    )
    assert done.returncode in (0, 4), done.stderr
    manifest = Manifest.model_validate(json.loads(done.stdout))
    by_name = {s.name: s for s in manifest.sources}
    [good] = by_name["signed.pdf"].signatures
    [bad] = by_name["altered.pdf"].signatures
    assert good.intact and good.trusted and "Ủy ban nhân dân xã Thử" in (good.signer or "")
    assert not bad.intact and "altered after it was signed" in bad.reason
    for document in manifest.documents:
        # Signed at digitisation unless flagged for review.
        assert (document.signature is None) == document.needs_review
    for document in manifest.documents:
        shown = subprocess.run(
            [*SOHOA, "show", document.id],
            capture_output=True,
            text=True,
            env={**env, "COLUMNS": "1000"},  # one line a row
            timeout=120,
        ).stdout
        came_from = {manifest.pages[i].source.split("#")[0] for i in document.pages}
        assert ("altered after it was signed" in shown) == ("altered.pdf" in came_from)
        assert (": intact, trusted" in shown) == ("signed.pdf" in came_from), shown
        assert "Ủy ban nhân dân xã Thử" in shown, shown
    flagged = [d.id for d in manifest.documents if d.needs_review]
    signed = subprocess.run(
        [*SOHOA, "sign", "hs-dig", "--confirm", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert signed.returncode == 0, signed.stderr
    after = Manifest.model_validate(json.loads(signed.stdout))
    assert (not flagged) or f"signed: {', '.join(flagged)}" in signed.stderr
    store = ObjectStore.from_settings(make_settings(Path(env["SOHOA_DATA_DIR"])))
    roots = load_trust_roots(Path(env["SOHOA_TRUST_ROOTS"]))
    out = tmp_path / "out.pdf"
    for document in after.documents:
        assert document.signature is not None
        store.download_file(document.pdf.key, out)
        [record] = check_signatures(out, roots)
        assert record.intact and record.trusted and validate_signed(out).passed
        shown = [p for p in (after.pages[i] for i in document.pages) if not p.blank]
        for number, page in enumerate(shown, 1):
            text = _pdf_text(out, number)
            # The phrase's opening words: OCR of the 100 dpi test page may miss a tone mark.
            opening = " ".join(PHRASES[page.source.split("#")[0]].split()[:3])
            assert opening in " ".join(text.split())
            assert ("SAO Y" in text) == (number == 1)


def _settings_from(env: dict[str, str]) -> dict[str, str]:
    """The signing settings `env` configures, as Settings keyword arguments."""
    return {
        name.removeprefix("SOHOA_").lower(): value
        for name, value in env.items()
        if name.startswith("SOHOA_SIGN_")
    }


@pytest.mark.slow
@pytest.mark.parametrize("flagged", [False, True])
def test_storing_a_document_at_digitisation_signs_it_unless_flagged(
    tmp_path: Path,
    s3_store: ObjectStore,
    pki: Pki,
    monkeypatch: pytest.MonkeyPatch,
    flagged: bool,
) -> None:
    for name, value in pkcs12_env(pki, tmp_path).items():
        monkeypatch.setenv(name, value)
    make_pdfa(tmp_path / "made", "Quyết")
    record = DocumentRecord(
        id=f"doc-at-digitise-{flagged}",
        needs_review=flagged,
        pages=[0],
        pdf=StoredObject(key=""),
        text=StoredObject(key=""),
        metadata=StoredObject(key=""),
    )
    paper = document_paper(record, [("0" * 64, 1)], ["Quyết"])
    catalogue = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    work = tmp_path / "work"
    work.mkdir()
    with open_copy_signer(Settings()) as copy_signer:
        stored = store_document.fn(
            s3_store,
            catalogue,
            "hs-at-digitise",
            record,
            paper,
            [tmp_path / "made" / "fragment.pdf"],
            ["Quyết"],
            work,
            copy_signer,
        )
    catalogue.close()
    assert (stored.signature is None) == flagged
    metadata = json.loads(s3_store.get_bytes(stored.metadata.key))
    assert metadata["signature"] == (None if flagged else stored.signature.model_dump())  # type: ignore[union-attr]
    out = tmp_path / "stored.pdf"
    s3_store.download_file(stored.pdf.key, out)
    assert "Quyết" in _pdf_text(out) and ("SAO Y" in _pdf_text(out)) != flagged
    assert len(check_signatures(out, [])) == (0 if flagged else 1)


def test_digitise_with_a_misconfigured_signer_exits_1_before_reading_anything(
    tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    page = make_pdfa(tmp_path / "in", "Quyết")
    env = {**isolated_env, "SOHOA_SIGN_AT_DIGITISE": "true", "SOHOA_SIGN_AGENCY": AGENCY}
    done = subprocess.run(
        [*SOHOA, "digitise", str(page), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert "no signing key" in done.stderr and "nothing was digitised" in done.stderr
    assert done.stdout == "" and not (tmp_path / "data" / "s3").exists()


def test_the_web_page_shows_the_copy_signature_and_the_incoming_ones(tmp_path: Path) -> None:
    signed = test_catalogue.document("copy", "quyet_dinh", pages=1)
    signed.signature = DocumentSignature(
        signer="Common Name: Ủy ban nhân dân xã Thử",
        cert_sha256="ab" * 32,
        signed_at="2026-12-06T01:00:00+00:00",
        form="SAO Y",
        key="dossiers/hs-1/documents/copy.signed.pdf",
        sha256="cd" * 32,
    )
    dossier = test_catalogue.manifest("hs-1", signed)
    altered = SourceSignature(
        signer="Common Name: Ủy ban nhân dân tỉnh Quảng Ngãi",
        signed_at="2025-01-07T02:51:50+00:00",
        intact=False,
        covers_whole_file=True,
        trusted=False,
        reason="the file was altered after it was signed",
    )
    dossier.sources = [
        SourceRecord(
            name="in.pdf", sha256="e" * 64, pages=1, bytes=1, key="k", signatures=[altered]
        )
    ]
    dossier.pages = [
        PageRecord(
            index=0,
            source="in.pdf#1",
            blank=False,
            rotation=0,
            skew=0.0,
            ocr_confidence=90.0,
            document=0,
            dpi=200,
        )
    ]
    catalogue = Catalogue(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")
    catalogue.index_manifest(dossier, {"copy": ["QUYẾT ĐỊNH"]})
    token = "test-token"
    no_storage = ObjectStore("127.0.0.1:9", "key", "secret", "sohoa", secure=False)
    client = TestClient(
        create_app(catalogue, no_storage, token), headers={"Authorization": f"Bearer {token}"}
    )
    page = client.get("/documents/copy").text
    catalogue.close()
    assert "SAO Y, ký số bởi Common Name: Ủy ban nhân dân xã Thử" in page
    assert "tỉnh Quảng Ngãi" in page and "đã bị sửa đổi hoặc hỏng" in page
    assert "the file was altered after it was signed" in page


@pytest.mark.slow
def test_a_real_signed_paper_is_digitised_with_its_signatures_recorded_untrusted(
    tmp_path: Path, isolated_env: dict[str, str]
) -> None:
    real = real_dev()
    if real is None:
        pytest.skip("the real development set is not here")
    paper = real / "ocr-local-vbhc" / "01 TTr.signed_20250513_144607.pdf"
    if not paper.is_file():
        pytest.skip(f"{paper.name} is not in the real development set")
    before = paper.read_bytes()
    done = subprocess.run(
        [*SOHOA, "digitise", str(paper), "--dossier-id", "hs-real", "--json"],
        capture_output=True,
        text=True,
        env=isolated_env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    [source] = Manifest.model_validate(json.loads(done.stdout)).sources
    assert source.signed and source.signatures
    assert all(s.intact and not s.trusted for s in source.signatures)
    assert source.signatures[-1].covers_whole_file
    assert any("QUẢNG NGÃI" in (s.signer or "").upper() for s in source.signatures)
    assert all("no trust roots are configured" in s.reason for s in source.signatures)
    store = ObjectStore.from_settings(make_settings(Path(isolated_env["SOHOA_DATA_DIR"])))
    assert store.get_bytes(source.key) == before == paper.read_bytes()
