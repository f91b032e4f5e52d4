"""The clerks' web page: search the catalogue, open a document, read its PDF; and the same as
JSON under ``/api/``. Pages are plain HTML forms rendered on the server, in Vietnamese.

Every request needs the token (`sohoa.web.auth`); without it the answer is 401 and a login
form, whatever the path, so a stranger learns nothing, not even whether a document exists.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from starlette.background import BackgroundTask

from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.storage.catalogue import (
    Catalogue,
    CatalogueDocument,
    CatalogueError,
    SearchFilters,
    SearchHit,
)
from sohoa.storage.objects import ChecksumMismatch, ObjectNotFound, ObjectStore, StorageError
from sohoa.storage.search_terms import PERSON_ID
from sohoa.web.api import mount_api
from sohoa.web.auth import COOKIE, TOKEN_QUERY, is_token, presented_token

PAGE_RESULTS = 50
# Names clerks know the fields by; "type" is what the classifier flags when it was unsure.
FIELD_LABELS = {
    "type": "Loại giấy tờ",
    "so_ky_hieu": "Số, ký hiệu",
    "ngay_ban_hanh": "Ngày ban hành",
    "co_quan_ban_hanh": "Cơ quan ban hành",
    "trich_yeu": "Trích yếu",
    "so_dinh_danh": "Số định danh cá nhân",
    "ho_ten": "Họ và tên",
    "ma_so_thue": "Mã số thuế",
}
# Pages are ours alone: no scripts, no third-party anything, not framed by other sites.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; form-action 'self'; "
    "frame-ancestors 'self'; base-uri 'none'"
)


class InvalidSearch(ValueError):
    """A filter the clerk typed is not one the catalogue can use; the message says why."""


@dataclass(frozen=True)
class SnippetPart:
    text: str
    highlighted: bool


def snippet_parts(hit: SearchHit) -> list[SnippetPart]:
    """The hit's snippet cut at its highlights, for the template to mark up (and escape)."""
    snippet = hit.snippet or ""
    parts: list[SnippetPart] = []
    shown = 0
    for start, end in sorted(hit.highlights):
        if start > shown:
            parts.append(SnippetPart(snippet[shown:start], False))
        parts.append(SnippetPart(snippet[start:end], True))
        shown = end
    if shown < len(snippet):
        parts.append(SnippetPart(snippet[shown:], False))
    return parts


def search_filters(
    type_code: str | None,
    person_id: str | None,
    issuer: str | None,
    date_from: date | None,
    date_to: date | None,
) -> SearchFilters:
    if type_code and type_code not in load_taxonomy().codes:
        raise InvalidSearch(f"Không có loại giấy tờ “{type_code}”.")
    if person_id and not PERSON_ID.fullmatch(person_id):
        raise InvalidSearch("Số định danh cá nhân gồm đúng 12 chữ số.")
    return SearchFilters(
        type=type_code or None,
        person_id=person_id or None,
        issuer=issuer or None,
        date_from=date_from,
        date_to=date_to,
    )


def api_search_hits(
    catalogue: Catalogue,
    q: str,
    type_code: str | None,
    person_id: str | None,
    issuer: str | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
) -> list[SearchHit]:
    """A search of the JSON APIs: 422 for a filter the catalogue cannot use, or nothing to
    look for."""
    try:
        filters = search_filters(type_code, person_id, issuer, date_from, date_to)
    except InvalidSearch as e:
        raise HTTPException(422, str(e)) from e
    if not q.strip() and filters == SearchFilters():
        raise HTTPException(422, "give a query (q) or a filter")
    return catalogue.search(q, filters, limit)


def _form_date(value: str, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise InvalidSearch(f"{label}: ngày phải có dạng năm-tháng-ngày (2024-03-14).") from e


def _vietnamese_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _templates() -> Jinja2Templates:
    environment = Environment(loader=PackageLoader("sohoa.web"), autoescape=True)
    environment.filters["vietnamese_date"] = _vietnamese_date
    return Jinja2Templates(env=environment)


def create_app(catalogue: Catalogue, store: ObjectStore, token: str) -> FastAPI:
    """The web application over `catalogue` and `store`, answering only requests that carry
    `token`."""
    app = FastAPI(
        title="sohoa",
        summary="Search digitised Vietnamese administrative documents",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
    )
    templates = _templates()
    type_names = {t.code: t.names[0] for t in load_taxonomy().types}

    def login_page(request: Request, wrong_token: bool = False) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"wrong_token": wrong_token},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    def refused(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return login_page(request)
        return JSONResponse(
            {"detail": "a valid token is required"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    def signed_in(response: Response) -> Response:
        # A session cookie: closing the browser on a shared desk logs the clerk out.
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.middleware("http")
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path == "/login" and request.method == "POST":
            response = await call_next(request)
        elif TOKEN_QUERY in request.query_params:
            if not is_token(request.query_params[TOKEN_QUERY], token):
                return refused(request)
            # Accept a link's token once, then take it out of the address bar.
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != TOKEN_QUERY]
            target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
            response = signed_in(RedirectResponse(target, status_code=303))
        elif is_token(presented_token(request), token):
            response = await call_next(request)
        else:
            return refused(request)
        # Personal data: never kept in a shared browser's cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    @app.exception_handler(CatalogueError)
    async def catalogue_unusable(_request: Request, error: CatalogueError) -> Response:
        return JSONResponse({"detail": f"the catalogue cannot be used: {error}"}, status_code=503)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode(errors="replace"))
        if not is_token(form.get(TOKEN_QUERY, [""])[0].strip(), token):
            return login_page(request, wrong_token=True)
        return signed_in(RedirectResponse("/", status_code=303))

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, httponly=True, samesite="strict")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q: str = "",
        type: str = "",
        person: str = "",
        issuer: str = "",
        date_from: Annotated[str, Query(alias="from")] = "",
        date_to: Annotated[str, Query(alias="to")] = "",
    ) -> Response:
        form = {
            "q": q,
            "type": type,
            "person": person.strip(),
            "issuer": issuer,
            "from": date_from,
            "to": date_to,
        }
        hits: list[SearchHit] | None = None
        problem = None
        try:
            filters = search_filters(
                type,
                person.strip(),
                issuer.strip(),
                _form_date(date_from, "Từ ngày"),
                _form_date(date_to, "Đến ngày"),
            )
            if q.strip() or filters != SearchFilters():
                hits = catalogue.search(q, filters, PAGE_RESULTS)
        except InvalidSearch as e:
            problem = str(e)
        return templates.TemplateResponse(
            request,
            "search.html",
            {
                "form": form,
                "hits": hits,
                "problem": problem,
                "type_names": type_names,
                "snippet_parts": snippet_parts,
            },
            status_code=422 if problem else 200,
        )

    @app.get("/documents/{document_id}", response_class=HTMLResponse, include_in_schema=False)
    def document_page(request: Request, document_id: str) -> Response:
        document = catalogue.document(document_id)
        if document is None:
            return templates.TemplateResponse(
                request, "not_found.html", {"document_id": document_id}, status_code=404
            )
        return templates.TemplateResponse(
            request,
            "document.html",
            {"document": document, "type_names": type_names, "field_labels": FIELD_LABELS},
        )

    @app.get(
        "/documents/{document_id}/pdf",
        response_class=FileResponse,
        responses={200: {"content": {"application/pdf": {}}}},
        summary="The document's PDF/A, checksum verified",
    )
    def document_pdf(document_id: str) -> Response:
        document = catalogue.document(document_id)
        if document is None:
            raise HTTPException(404, "no such document")
        # Verified before a byte is sent: the whole file lands in a temporary folder first,
        # on disk rather than in memory, since a long document's PDF can be large.
        folder = Path(tempfile.mkdtemp(prefix="sohoa-pdf-"))
        try:
            store.download_file(document.pdf_key, folder / "document.pdf")
        except ChecksumMismatch as e:
            shutil.rmtree(folder)
            raise HTTPException(502, "the stored PDF failed its checksum") from e
        except ObjectNotFound as e:
            shutil.rmtree(folder)
            raise HTTPException(404, "the PDF is not in object storage") from e
        except StorageError as e:
            shutil.rmtree(folder)
            raise HTTPException(503, "object storage cannot be reached") from e
        return FileResponse(
            folder / "document.pdf",
            media_type="application/pdf",
            filename=f"{document_id}.pdf",
            content_disposition_type="inline",
            background=BackgroundTask(shutil.rmtree, folder),
        )

    @app.get("/api/search", summary="Search the catalogue; marks optional")
    def api_search(
        q: str = "",
        type: Annotated[str | None, Query(description="A type code of the taxonomy")] = None,
        person: Annotated[str | None, Query(description="A 12-digit personal ID")] = None,
        issuer: Annotated[str | None, Query(description="Part of the issuing body's name")] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    ) -> list[SearchHit]:
        return api_search_hits(catalogue, q, type, person, issuer, date_from, date_to, limit)

    @app.get("/api/documents/{document_id}", summary="A document's catalogue record")
    def api_document(document_id: str) -> CatalogueDocument:
        document = catalogue.document(document_id)
        if document is None:
            raise HTTPException(404, "no such document")
        return document

    return mount_api(app, catalogue, store, token)
