"""Synthetic scanned dossiers with ground truth.

    python -m samples.generate --seed 1 --count 20 --out out/samples
    python -m samples.generate --seed 7 --pages 200 --dpi 300 --format pdf --clean --out out/bench
    python -m samples.generate --committed      # rebuilds samples/dossiers/ exactly

A dossier is planned first (documents, layouts, effects, files: everything the truth needs, no
pixels), then its pages are drawn, degraded and written one at a time, so memory stays flat in the
number of pages. Truth format: see `truth_json` and samples/dossiers/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, cast

from PIL import Image

from samples.codes import separator_rows
from samples.degrade import (
    ColourMode,
    Effects,
    apply_effects,
    blank_back,
    blank_effects,
    draw_effects,
)
from samples.identity import random_date
from samples.render import DocStyle, PageLayout, draw_page, layout_document, layout_separator
from samples.system import make_case
from samples.templates import Document, make_document
from samples.writers import StreamingPdf, StreamingTiff, save_single

OutputFormat = Literal["pdf", "tiff", "jpeg", "png"]
FORMATS: tuple[OutputFormat, ...] = ("pdf", "tiff", "jpeg", "png")
# Colour modes each format may hold, repeated to weight the draw; the first is the clean choice.
COLOURS: dict[OutputFormat, tuple[ColourMode, ...]] = {
    "pdf": ("rgb", "rgb", "rgb", "gray", "gray", "bilevel"),
    "tiff": ("rgb", "gray", "bilevel", "bilevel"),
    "jpeg": ("rgb", "rgb", "rgb", "gray", "bilevel"),  # bilevel pages are stored as PNG
    "png": ("rgb", "gray", "bilevel"),
}
TIFF_COMPRESSION: dict[ColourMode, tuple[str, ...]] = {
    "bilevel": ("group4",),
    "gray": ("tiff_lzw", "tiff_adobe_deflate"),
    "rgb": ("tiff_lzw", "tiff_adobe_deflate", "jpeg"),
}
# How often each type turns up in a counter's dossiers.
TYPE_WEIGHTS = {
    "don_de_nghi": 3, "cccd": 3, "to_khai": 2, "quyet_dinh": 2, "giay_khai_sinh": 2,
    "xac_nhan_cu_tru": 2, "cong_van": 1, "thong_bao": 1, "hop_dong": 1, "giay_uy_quyen": 1,
    "giay_tiep_nhan_ho_so": 2, "to_trinh": 1, "bao_cao": 1, "bien_ban": 1,
    "giay_chung_nhan_ket_hon": 1, "xac_nhan_tinh_trang_hon_nhan": 1, "trich_luc_khai_tu": 1,
    "gcn_quyen_su_dung_dat": 1, "gcn_dang_ky_doanh_nghiep": 1,
}  # fmt: skip
# The Decree 30 types real paper showed the sets lack (samples/decree30.py), drawn beside the
# others only with --decree30: the default sets, and so every benchmark's held-out set, stay
# the same.
DECREE30_WEIGHTS = {"nghi_quyet": 1, "chi_thi": 1, "thong_tu": 1, "ke_hoach": 1, "giay_moi": 1}
ONE_PAGE_TYPE = "cccd"  # always fits on one page: fills the last page of an exact-length dossier
BLANK_BACK_RATE = 0.18  # pages scanned duplex whose back is empty
BLEED_THROUGH_RATE = 0.5
SPLIT_FILES_RATE = 0.3  # mixed-format PDF/TIFF dossiers delivered as one file per document
NO_DPI_RATE = 0.3  # PNG pages saved without resolution
SEPARATOR_DOSSIER_RATE = 0.2  # dossiers scanned with separator sheets between documents
SEPARATOR_RATE = 0.6  # in those, how many documents get a separator sheet before them
PageKind = Literal["page", "blank", "separator"]


@dataclass(frozen=True)
class PlannedPage:
    layout: PageLayout
    blank: bool  # a blank back: `layout` is its front's, used for bleed-through only
    bleed_through: bool
    document: int | None  # None on a separator sheet, which belongs to no document
    effects: Effects
    file: str
    page_in_file: int  # 1-based
    compression: str | None  # TIFF only
    dpi_in_file: bool
    separator: bool = False

    @property
    def stored_size(self) -> tuple[int, int]:
        width, height = self.layout.size
        return (height, width) if self.effects.rotation in (90, 270) else (width, height)


@dataclass(frozen=True)
class PlannedDocument:
    document: Document
    style: DocStyle
    pages: list[int]


@dataclass(frozen=True)
class DossierPlan:
    dossier_id: str
    seed: int
    dpi: int
    fmt: OutputFormat
    documents: list[PlannedDocument]
    pages: list[PlannedPage]

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(page.file for page in self.pages))


def derived_seed(seed: int, index: int) -> int:
    """A seed per dossier of a set, independent of the set's size and of other sets' seeds."""
    return int.from_bytes(hashlib.sha256(f"{seed}/{index}".encode()).digest()[:6], "big")


def plan_dossier(
    seed: int,
    *,
    dossier_id: str,
    n_documents: int | None = None,
    n_pages: int | None = None,
    dpi: int | None = None,
    fmt: OutputFormat | Literal["mixed"] = "mixed",
    degrade: bool = True,
    document_types: Sequence[str] | None = None,
    decree30: bool = False,
) -> DossierPlan:
    """Everything about a dossier except its pixels. `n_pages` makes it exactly that long;
    otherwise it has `n_documents` (default 2-5), or exactly `document_types` in that order.
    `decree30` draws the Decree 30 types of `DECREE30_WEIGHTS` too."""
    rng = random.Random(seed)
    dpi = dpi or rng.choice((200, 300))
    chosen: OutputFormat = (
        rng.choice(("pdf", "pdf", "tiff", "jpeg", "png")) if fmt == "mixed" else fmt
    )
    colours = COLOURS[chosen]
    if document_types is None and n_pages is None:
        n_documents = n_documents or rng.randint(2, 5)
    budget = n_pages if n_pages is not None else sys.maxsize
    case = make_case(rng, random_date(rng, date(2019, 1, 1), date(2025, 6, 30)))
    separated = degrade and rng.random() < SEPARATOR_DOSSIER_RATE
    documents: list[PlannedDocument] = []
    # (layout, kind, document): a separator carries the index of the document it goes before
    layouts: list[tuple[PageLayout, PageKind, int]] = []
    for doc_type in document_type_stream(rng, document_types, n_documents, decree30):
        remaining = budget - len(layouts)
        if remaining <= 0:
            break
        index = len(documents)
        if separated and remaining > 1 and rng.random() < SEPARATOR_RATE:
            sheet = layout_separator(separator_rows(rng), DocStyle.draw(rng), dpi)
            layouts.append((sheet, "separator", index))
            remaining -= 1
        document = make_document(rng, doc_type, case=case)
        style = DocStyle.draw(rng)
        pages = layout_document(document, style, dpi)
        if len(pages) > remaining:  # too long for what is left: a one-page paper fills the gap
            document = make_document(rng, ONE_PAGE_TYPE, case=case)
            pages = layout_document(document, style, dpi)
        first = len(layouts)
        for page in pages:
            layouts.append((page, "page", index))
            if degrade and len(layouts) < budget and rng.random() < BLANK_BACK_RATE:
                layouts.append((page, "blank", index))
        documents.append(PlannedDocument(document, style, list(range(first, len(layouts)))))
    # One file per document only in mixed sets: a format asked for by name (benchmarks) is one file.
    split = degrade and chosen in ("pdf", "tiff") and len(documents) > 1
    split = split and rng.random() < SPLIT_FILES_RATE and fmt == "mixed"
    planned: list[PlannedPage] = []
    pages_in_file: Counter[str] = Counter()
    front_effects = Effects()
    for i, (layout, kind, owner) in enumerate(layouts):
        blank = kind == "blank"
        if blank:
            effects = blank_effects(front_effects)
        else:
            effects = front_effects = draw_effects(rng, degrade=degrade, colours=colours)
        # a separator travels in the file of the document it precedes
        name = file_name(chosen, i, owner if split else None, effects.colour)
        pages_in_file[name] += 1
        compression = rng.choice(TIFF_COMPRESSION[effects.colour]) if chosen == "tiff" else None
        dpi_in_file = not (name.endswith(".png") and degrade and rng.random() < NO_DPI_RATE)
        bleed = blank and rng.random() < BLEED_THROUGH_RATE
        planned.append(
            PlannedPage(
                layout,
                blank,
                bleed,
                None if kind == "separator" else owner,
                effects,
                name,
                pages_in_file[name],
                compression,
                dpi_in_file,
                separator=kind == "separator",
            )
        )
    return DossierPlan(dossier_id, seed, dpi, chosen, documents, planned)


def document_type_stream(
    rng: random.Random, forced: Sequence[str] | None, count: int | None, decree30: bool = False
) -> Iterator[str]:
    if forced is not None:
        yield from forced
        return
    drawn = {**TYPE_WEIGHTS, **DECREE30_WEIGHTS} if decree30 else TYPE_WEIGHTS
    types, weights = list(drawn), list(drawn.values())
    produced = 0
    while count is None or produced < count:
        yield rng.choices(types, weights)[0]
        produced += 1


def file_name(fmt: OutputFormat, page_index: int, document: int | None, colour: ColourMode) -> str:
    """Names sort in page order, so a folder listed by name gives the pages in order."""
    if fmt in ("pdf", "tiff"):
        extension = "pdf" if fmt == "pdf" else "tif"
        return f"scan.{extension}" if document is None else f"scan-{document + 1:02d}.{extension}"
    extension = "png" if fmt == "png" or colour == "bilevel" else "jpg"
    return f"page-{page_index + 1:03d}.{extension}"


def truth_json(plan: DossierPlan) -> dict[str, object]:
    """The ground truth (design.md's manifest, minus what only the pipeline can know)."""
    pages = [
        {
            "source": f"{page.file}#{page.page_in_file}",
            "text": "" if page.blank else page.layout.text,
            "rotation": page.effects.rotation,
            "skew": page.effects.skew,
            "blank": page.blank,
            "dpi": plan.dpi,
            "dpi_in_file": page.dpi_in_file,
            "document": page.document,
            "separator": page.separator,
            "size": list(page.stored_size),
            "colour": page.effects.colour,
        }
        for page in plan.pages
    ]
    documents = [
        {
            "type": planned.document.type,
            "pages": planned.pages,
            "fields": planned.document.fields.to_json(),
            "qr": planned.document.qr,
            "font": planned.style.label,
        }
        for planned in plan.documents
    ]
    return {
        "dossier_id": plan.dossier_id,
        "seed": plan.seed,
        "files": plan.files,
        "pages": pages,
        "documents": documents,
    }


def scanned_pages(plan: DossierPlan) -> Iterator[tuple[PlannedPage, Image.Image]]:
    """Draws and degrades the pages one by one; only a front is kept, for its back's bleed."""
    front: Image.Image | None = None
    for index, page in enumerate(plan.pages):
        rng = random.Random(f"{plan.seed}/page/{index}")
        if page.blank:
            ghost = front if page.bleed_through else None
            image = blank_back(page.layout.size, plan.dpi, ghost, page.effects, rng)
        else:
            front = draw_page(page.layout)
            image = apply_effects(front, page.layout, page.effects, rng)
        yield page, image


def write_dossier(plan: DossierPlan, folder: Path) -> None:
    with ExitStack() as stack:
        pdfs: dict[str, StreamingPdf] = {}
        tiffs: dict[str, StreamingTiff] = {}
        for page, image in scanned_pages(plan):
            path = folder / page.file
            if plan.fmt == "pdf":
                if page.file not in pdfs:
                    pdfs[page.file] = stack.enter_context(StreamingPdf(path))
                pdfs[page.file].add_page(image, plan.dpi, page.effects.jpeg_quality)
            elif plan.fmt == "tiff":
                if page.file not in tiffs:
                    tiffs[page.file] = stack.enter_context(StreamingTiff(path))
                tiffs[page.file].add_page(image, plan.dpi, cast(str, page.compression))
            else:
                dpi = plan.dpi if page.dpi_in_file else None
                save_single(image, path, dpi, page.effects.jpeg_quality)


def prepare_folder(folder: Path) -> None:
    """Replaces an earlier generated dossier; refuses to empty a folder it did not make."""
    if folder.exists() and any(folder.iterdir()):
        if not (folder / "truth.json").exists():
            raise FileExistsError(f"{folder} exists and is not a generated dossier")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def generate_dossier(
    seed: int,
    out_dir: Path,
    *,
    n_documents: int | None = None,
    n_pages: int | None = None,
    dpi: int | None = None,
    fmt: OutputFormat | Literal["mixed"] = "mixed",
    degrade: bool = True,
    document_types: Sequence[str] | None = None,
    dossier_id: str | None = None,
    decree30: bool = False,
) -> Path:
    """Writes `out_dir/<dossier_id>/` (input files + truth.json) and returns that folder.

    `degrade=False` gives clean, upright, unstamped RGB pages (for throughput benchmarks)."""
    plan = plan_dossier(
        seed,
        dossier_id=dossier_id or f"sample-{seed}",
        n_documents=n_documents,
        n_pages=n_pages,
        dpi=dpi,
        fmt=fmt,
        degrade=degrade,
        document_types=document_types,
        decree30=decree30,
    )
    folder = Path(out_dir) / plan.dossier_id
    prepare_folder(folder)
    write_dossier(plan, folder)
    truth = json.dumps(truth_json(plan), ensure_ascii=False, indent=1)
    (folder / "truth.json").write_text(truth + "\n", encoding="utf-8")
    return folder


def generate_set(
    seed: int,
    out_dir: Path,
    n_dossiers: int,
    *,
    pages: tuple[int, int] | None = None,
    **options: object,
) -> list[Path]:
    """`n_dossiers` dossiers `sample-001`…; `pages=(low, high)` draws each one's exact length.
    Other options are `generate_dossier`'s."""
    folders = []
    for index in range(n_dossiers):
        dossier_seed = derived_seed(seed, index)
        n_pages = random.Random(dossier_seed).randint(*pages) if pages else None
        folder = generate_dossier(
            dossier_seed,
            out_dir,
            n_pages=n_pages,
            dossier_id=f"sample-{index + 1:03d}",
            **options,  # type: ignore[arg-type]
        )
        folders.append(folder)
        print(f"wrote {folder}", file=sys.stderr)
    return folders


# --- the dossiers committed in samples/dossiers/ -------------------------------------------------

COMMITTED_DIR = Path(__file__).parent / "dossiers"


@dataclass(frozen=True)
class CommittedDossier:
    name: str
    seed: int  # found once by trying seeds until the plan showed what the dossier is meant to show
    fmt: OutputFormat
    document_types: tuple[str, ...]
    dpi: int = 200


COMMITTED = (
    # PDF: application with the system's QR code, ID copy, two-page decision; a blank back, a
    # turned page, skew
    CommittedDossier("dossier-a", 67, "pdf", ("don_de_nghi", "cccd", "quyet_dinh")),
    # TIFF with a bilevel (group4) page
    CommittedDossier("dossier-b", 20, "tiff", ("to_khai", "giay_khai_sinh")),
    # folder of JPEG pages with a PNG (bilevel) page saved without resolution; separator sheets
    CommittedDossier("dossier-c", 24, "jpeg", ("thong_bao", "xac_nhan_cu_tru", "cccd")),
)


def committed_plan(spec: CommittedDossier) -> DossierPlan:
    return plan_dossier(
        spec.seed,
        dossier_id=spec.name,
        dpi=spec.dpi,
        fmt=spec.fmt,
        document_types=spec.document_types,
    )


def write_committed(out_dir: Path = COMMITTED_DIR) -> list[Path]:
    folders = []
    for spec in COMMITTED:
        folder = generate_dossier(
            spec.seed,
            out_dir,
            dpi=spec.dpi,
            fmt=spec.fmt,
            document_types=spec.document_types,
            dossier_id=spec.name,
        )
        folders.append(folder)
        print(f"wrote {folder}", file=sys.stderr)
    return folders


# --- command line --------------------------------------------------------------------------------


def page_range(text: str) -> tuple[int, int]:
    """'20' or '4-8'."""
    low, _, high = text.partition("-")
    bounds = (int(low), int(high or low))
    if not 1 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"not a page count or range: {text}")
    return bounds


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m samples.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1, help="number of dossiers (default 1)")
    parser.add_argument("--out", type=Path, help="folder to write dossiers into")
    parser.add_argument(
        "--pages",
        "--pages-per-dossier",
        type=page_range,
        help="exact pages per dossier, N or MIN-MAX (blank backs count); default: 2-5 documents",
    )
    parser.add_argument("--documents", type=int, help="documents per dossier (without --pages)")
    parser.add_argument("--dpi", type=int, choices=(200, 300), help="default: 200 or 300 at random")
    parser.add_argument("--format", choices=(*FORMATS, "mixed"), default="mixed")
    parser.add_argument(
        "--clean", action="store_true", help="no degradation: upright, unstamped, for benchmarks"
    )
    parser.add_argument(
        "--committed", action="store_true", help=f"rebuild the dossiers in {COMMITTED_DIR}"
    )
    parser.add_argument(
        "--decree30",
        action="store_true",
        help="draw nghị quyết, chỉ thị, thông tư, kế hoạch and giấy mời too (other sets)",
    )
    args = parser.parse_args(argv)
    if not args.committed and args.out is None:
        parser.error("--out is required (or --committed)")
    if args.pages and args.documents:
        parser.error("--pages and --documents exclude each other")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.committed:
        write_committed()
        return 0
    generate_set(
        args.seed,
        args.out,
        args.count,
        pages=args.pages,
        n_documents=args.documents,
        dpi=args.dpi,
        fmt=args.format,
        degrade=not args.clean,
        decree30=args.decree30,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
