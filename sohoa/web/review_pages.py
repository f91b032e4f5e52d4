"""The review pages: the queue of flagged documents, a document under review (its page images
beside its fields, the flagged field's words outlined), and a dossier's page.

No scripts run on sohoa's pages, so the keyboard works through plain HTML: the flagged field
has the focus when the page opens, Tab moves between fields, Enter confirms (with whatever was
corrected), and access keys open the next document (N) or the queue (Q).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pdf2image import convert_from_path

from sohoa.flows.review import (
    ChangedMeanwhile,
    NotOnFile,
    committed,
    confirm,
    manifest_revisions,
    review_pages,
)
from sohoa.pipeline.model import Manifest
from sohoa.pipeline.review import REVIEWED_FIELDS, InvalidValue, field_value, shown_value
from sohoa.storage.catalogue import Catalogue, CatalogueDocument, ReviewQueue
from sohoa.storage.objects import ObjectNotFound, ObjectStore, StorageError

QUEUE_PAGE = 50
PAGE_IMAGE_WIDTH = 1100  # pixels: enough to read a handwritten number beside the fields


@dataclass(frozen=True)
class ReviewSettings:
    ocr_lang: str  # whose stored readings hold the OCR boxes
    type_names: Mapping[str, str]


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    value: str  # as the clerk types it
    flagged: bool


def add_review_pages(
    app: FastAPI,
    templates: Jinja2Templates,
    catalogue: Catalogue,
    store: ObjectStore,
    settings: ReviewSettings,
) -> None:
    def queue_filters(type: str, dossier: str, field: str) -> ReviewQueue:
        return ReviewQueue(type=type or None, dossier_id=dossier or None, field=field or None)

    def next_flagged(after: str, queue: str) -> str | None:
        """The document the queue (its filters as a query string) offers after `after`."""
        filters = dict(parse_qsl(queue))
        wanted = queue_filters(*(filters.get(k, "") for k in ("type", "dossier", "field")))
        waiting = [d.id for d in catalogue.review_queue(wanted, limit=2)]
        others = [i for i in waiting if i != after]
        return others[0] if others else None

    @app.get("/review", response_class=HTMLResponse, include_in_schema=False)
    def review_queue(
        request: Request,
        type: str = "",
        dossier: str = "",
        field: str = "",
        page: Annotated[int, Query(ge=1)] = 1,
        confirmed: str = "",
    ) -> Response:
        form = {"type": type, "dossier": dossier, "field": field}
        flagged = catalogue.review_queue(
            queue_filters(type, dossier, field), QUEUE_PAGE + 1, (page - 1) * QUEUE_PAGE
        )
        return templates.TemplateResponse(
            request,
            "review_queue.html",
            {
                "form": form,
                "documents": flagged[:QUEUE_PAGE],
                "more": len(flagged) > QUEUE_PAGE,
                "page": page,
                "query": urlencode(form),
                "type_names": settings.type_names,
                "field_labels": REVIEWED_FIELDS,
                "confirmed": confirmed,
            },
        )

    def review_page(
        request: Request,
        document: CatalogueDocument,
        typed: Mapping[str, str] | None = None,
        problem: InvalidValue | None = None,
        queue: str = "",
        confirmed: str = "",
    ) -> Response:
        try:
            manifest = committed(store, document.dossier_id)
        except ObjectNotFound as e:
            raise HTTPException(404) from e
        except StorageError as e:
            raise HTTPException(503) from e
        [record] = [d for d in manifest.documents if d.id == document.id]
        rows = [
            FieldRow(
                name,
                label,
                typed[name]
                if typed and name in typed
                else shown_value(name, field_value(record, name)),
                name in record.review,
            )
            for name, label in REVIEWED_FIELDS.items()
        ]
        focus = problem.field if problem else (record.review or ["so_ky_hieu"])[0]
        following = next_flagged(document.id, queue)
        return templates.TemplateResponse(
            request,
            "review.html",
            {
                "document": document,
                "record": record,
                "rows": rows,
                "focus": focus,
                "problem": str(problem) if problem else None,
                "pages": review_pages(
                    store, manifest, document.id, record.review, settings.ocr_lang
                ),
                "revisions": [r for r in manifest.revisions if r.document_id == document.id],
                "next_id": following,
                "queue": queue,
                "confirmed": confirmed,
                "type_names": settings.type_names,
                "field_labels": REVIEWED_FIELDS,
            },
            status_code=422 if problem else 200,
        )

    def catalogued(document_id: str) -> CatalogueDocument:
        document = catalogue.document(document_id)
        if document is None:
            raise HTTPException(404)
        return document

    @app.get("/review/{document_id}", response_class=HTMLResponse, include_in_schema=False)
    def review_document(
        request: Request, document_id: str, queue: str = "", confirmed: str = ""
    ) -> Response:
        return review_page(request, catalogued(document_id), queue=queue, confirmed=confirmed)

    @app.post("/review/{document_id}", response_class=HTMLResponse, include_in_schema=False)
    async def confirm_document(request: Request, document_id: str) -> Response:
        document = catalogued(document_id)
        form = dict(
            parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)
        )
        queue = form.pop("queue", "")
        manifest = committed(store, document.dossier_id)
        [record] = [d for d in manifest.documents if d.id == document_id]
        # Only what the clerk changed is checked and set: a value the machine read in a form
        # the page would refuse is confirmed as it is.
        typed = {
            name: value
            for name, value in form.items()
            if name in REVIEWED_FIELDS
            and value.split() != shown_value(name, field_value(record, name)).split()
        }
        try:
            # Recorded under the name of the token the clerk signed in with (sohoa.web.app).
            confirm(store, catalogue, document_id, typed, request.state.who.name)
        except InvalidValue as e:
            return review_page(request, document, form, e, queue)
        except NotOnFile as e:
            raise HTTPException(404) from e
        except ChangedMeanwhile as e:
            raise HTTPException(409) from e
        following = next_flagged(document_id, queue)
        target = (
            f"/review/{following}?{urlencode({'queue': queue, 'confirmed': document_id})}"
            if following
            else f"/review?{urlencode({**dict(parse_qsl(queue)), 'confirmed': document_id})}"
        )
        return RedirectResponse(target, status_code=303)

    @app.get(
        "/documents/{document_id}/pages/{number}.png",
        include_in_schema=False,
        responses={200: {"content": {"image/png": {}}}},
    )
    def page_image(document_id: str, number: int) -> Response:
        document = catalogued(document_id)
        if not 1 <= number <= document.page_count:
            raise HTTPException(404)
        with tempfile.TemporaryDirectory(prefix="sohoa-page-") as work:
            pdf = Path(work) / "document.pdf"
            try:
                store.download_file(document.pdf_key, pdf)
            except ObjectNotFound as e:
                raise HTTPException(404) from e
            except StorageError as e:
                raise HTTPException(503) from e
            images = convert_from_path(
                pdf, first_page=number, last_page=number, size=(PAGE_IMAGE_WIDTH, None)
            )
        if not images:
            raise HTTPException(404)
        png = io.BytesIO()
        images[0].save(png, "PNG")
        return Response(png.getvalue(), media_type="image/png")

    @app.get("/dossiers/{dossier_id}", response_class=HTMLResponse, include_in_schema=False)
    def dossier_page(request: Request, dossier_id: str) -> Response:
        documents = catalogue.dossier_documents(dossier_id)
        manifests: list[Manifest] = []
        unreachable = False
        try:
            manifests = manifest_revisions(store, dossier_id)
        except ObjectNotFound:
            pass
        except StorageError:
            unreachable = True
        if not documents and not manifests and not unreachable:
            raise HTTPException(404)
        manifest = manifests[-1] if manifests else None
        order = {d.id: n for n, d in enumerate(manifest.documents)} if manifest else {}
        documents.sort(key=lambda d: order.get(d.id, len(order)))
        return templates.TemplateResponse(
            request,
            "dossier.html",
            {
                "dossier_id": dossier_id,
                "documents": documents,
                "manifest": manifest,
                "earlier": manifests[:-1],
                "unreachable": unreachable,
                "type_names": settings.type_names,
                "field_labels": REVIEWED_FIELDS,
            },
        )
