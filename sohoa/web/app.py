"""The clerks' web page: search the catalogue, open a document, read its PDF; and the same as
JSON under ``/api/``. Pages are plain HTML forms rendered on the server, in Vietnamese.

Every request needs a token (`sohoa.web.auth`): the page's own, or one of the hand-off tokens
(`sohoa tokens add`); without one the answer is 401 and a login form, whatever the path, so a
stranger learns nothing, not even whether a document exists. A token's role decides what it may
do here: ``read`` searches and opens documents, ``review`` and ``admin`` also confirm and
correct them (the review pages); any other role gets a 403 page. A confirmation is recorded
under the token's name; the page's own token is the admin token named `PAGE_TOKEN_NAME`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from sohoa.pipeline.review import REVIEWED_FIELDS, shown_value
from sohoa.pipeline.taxonomy import load_taxonomy
from sohoa.pipeline.text import fold
from sohoa.storage.catalogue import (
    Catalogue,
    CatalogueDocument,
    CatalogueError,
    SearchFilters,
    SearchHit,
)
from sohoa.storage.objects import ChecksumMismatch, ObjectNotFound, ObjectStore, StorageError
from sohoa.storage.search_terms import PERSON_ID
from sohoa.storage.tokens import PAGE_TOKEN_NAME, Role, TokenInfo, TokenStore, allows
from sohoa.web.api import mount_api
from sohoa.web.auth import COOKIE, TOKEN_QUERY, presented_token
from sohoa.web.review_pages import ReviewSettings, add_review_pages

PAGE_RESULTS = 50
MAX_PAGES = 20
SORTED_RESULTS = PAGE_RESULTS * MAX_PAGES
# How the results may be ordered: best match first (the catalogue's ranking) or by a column.
SORTS = {
    "": "Phù hợp nhất",
    "date_desc": "Ngày ban hành mới nhất",
    "date_asc": "Ngày ban hành cũ nhất",
    "number": "Số, ký hiệu",
    "issuer": "Cơ quan ban hành",
}
# Pages are ours alone: no scripts, no third-party anything, not framed by other sites.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; frame-src 'self'; "
    "form-action 'self'; "
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


def sort_hits(hits: list[SearchHit], sort: str) -> list[SearchHit]:
    """The hits in the order the clerk chose; documents without the value last."""
    if sort in ("date_desc", "date_asc"):
        dated = [h for h in hits if h.document.ngay_ban_hanh]
        dated.sort(key=lambda h: h.document.ngay_ban_hanh or date.min, reverse=sort == "date_desc")
        return dated + [h for h in hits if not h.document.ngay_ban_hanh]
    if sort in ("number", "issuer"):
        column = "so_ky_hieu" if sort == "number" else "co_quan_ban_hanh"
        valued = [h for h in hits if getattr(h.document, column)]
        valued.sort(key=lambda h: fold(getattr(h.document, column)).lower())
        return valued + [h for h in hits if not getattr(h.document, column)]
    return hits


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
        raise InvalidSearch("Số định danh cá nhân gồm đúng 12 chữ số (CMND cũ: 9 chữ số).")
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
    """A date as clerks type it, dd/mm/yyyy."""
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y").date()
    except ValueError as e:
        raise InvalidSearch(f"{label}: ngày phải có dạng ngày/tháng/năm (14/03/2024).") from e


def _vietnamese_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _templates(time_zone: str) -> Jinja2Templates:
    environment = Environment(loader=PackageLoader("sohoa.web"), autoescape=True)
    environment.filters["vietnamese_date"] = _vietnamese_date
    zone = ZoneInfo(time_zone)

    def local_time(value: str | None) -> str:
        """An ISO 8601 time in the agency's zone, to the minute: 06/12/2026 08:33."""
        if not value:
            return ""
        return datetime.fromisoformat(value).astimezone(zone).strftime("%d/%m/%Y %H:%M")

    environment.filters["local_time"] = local_time
    environment.filters["shown"] = lambda value, field: shown_value(field, value)
    return Jinja2Templates(env=environment)


# The page's answers to what went wrong, for a clerk; the API answers JSON.
ERROR_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    404: "Không tìm thấy trang hoặc giấy tờ này.",
    405: "Thao tác này không được hỗ trợ ở địa chỉ này.",
    409: "Hồ sơ vừa được người khác sửa. Hãy mở lại và làm lại.",
    422: "Dữ liệu nhập vào không hợp lệ.",
    502: "Bản lưu trữ bị hỏng (sai mã kiểm tra). Hãy báo quản trị viên.",
    503: "Kho lưu trữ hoặc danh mục tạm thời không truy cập được. Hãy thử lại sau ít phút.",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/openapi.json"))


def needed_role(path: str) -> Role:
    """The role a page's path needs: the review pages write, everything else reads."""
    return "review" if path == "/review" or path.startswith("/review/") else "read"


def create_app(
    catalogue: Catalogue,
    store: ObjectStore,
    token: str,
    *,
    time_zone: str = "Asia/Ho_Chi_Minh",
    ocr_lang: str = "vie",
) -> FastAPI:
    """The web application over `catalogue` and `store`, answering only requests that carry
    `token` (the page's own, an admin token) or a hand-off token in use; times are shown in
    `time_zone`, and OCR boxes are read from the readings of `ocr_lang`."""
    app = FastAPI(
        title="sohoa",
        summary="Search digitised Vietnamese administrative documents",
        docs_url=None,  # the interactive docs load scripts from a CDN; the schema is enough
        redoc_url=None,
    )
    templates = _templates(time_zone)
    type_names = {t.code: t.names[0] for t in load_taxonomy().types}
    tokens = TokenStore(catalogue)
    tokens.adopt(PAGE_TOKEN_NAME, token, "admin")

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

    def signed_in(response: Response, presented: str) -> Response:
        # A session cookie: closing the browser on a shared desk logs the clerk out.
        response.set_cookie(COOKIE, presented, httponly=True, samesite="strict")
        return response

    def forbidden(request: Request, who: TokenInfo) -> Response:
        if is_api(request):
            return JSONResponse({"detail": f"a {who.role} token may not do this"}, status_code=403)
        message = (
            f"Mã truy cập “{who.name}” chỉ được tra cứu. Kiểm tra và sửa giấy tờ cần mã có vai "
            "trò review hoặc admin."
            if allows(who.role, "read")
            else f"Mã truy cập “{who.name}” (vai trò {who.role}) không dùng được trên trang này."
        )
        return error_page(request, 403, message)

    async def identified(candidate: str | None) -> TokenInfo | None:
        return await run_in_threadpool(tokens.identify, candidate)

    @app.middleware("http")
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path == "/login" and request.method == "POST":
            response = await call_next(request)
        elif TOKEN_QUERY in request.query_params:
            presented = request.query_params[TOKEN_QUERY]
            if await identified(presented) is None:
                return refused(request)
            # Accept a link's token once, then take it out of the address bar.
            kept = [(k, v) for k, v in request.query_params.multi_items() if k != TOKEN_QUERY]
            target = request.url.path + (f"?{urlencode(kept)}" if kept else "")
            response = signed_in(RedirectResponse(target, status_code=303), presented)
        elif (who := await identified(presented_token(request))) is not None:
            request.state.who = who
            request.state.may_review = allows(who.role, "review")
            if request.url.path == "/logout" or allows(who.role, needed_role(request.url.path)):
                response = await call_next(request)
            else:
                response = forbidden(request, who)
        else:
            return refused(request)
        # Personal data: never kept in a shared browser's cache.
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response

    def error_page(request: Request, status: int, message: str | None = None) -> Response:
        return templates.TemplateResponse(
            request,
            "error.html",
            {"status": status, "message": message or ERROR_MESSAGES.get(status, "Đã có lỗi.")},
            status_code=status,
        )

    @app.exception_handler(CatalogueError)
    async def catalogue_unusable(request: Request, error: CatalogueError) -> Response:
        if not is_api(request):
            return error_page(request, 503)
        return JSONResponse({"detail": f"the catalogue cannot be used: {error}"}, status_code=503)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_api(request):
            return await http_exception_handler(request, error)
        return error_page(request, error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if is_api(request):
            return await request_validation_exception_handler(request, error)
        return error_page(request, 422)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = parse_qs((await request.body()).decode(errors="replace"))
        presented = form.get(TOKEN_QUERY, [""])[0].strip()
        if await identified(presented) is None:
            return login_page(request, wrong_token=True)
        return signed_in(RedirectResponse("/", status_code=303), presented)

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
        sort: str = "",
        page: Annotated[int, Query(ge=1, le=MAX_PAGES)] = 1,
    ) -> Response:
        form = {
            "q": q,
            "type": type,
            "person": person.strip(),
            "issuer": issuer,
            "from": date_from,
            "to": date_to,
            "sort": sort if sort in SORTS else "",
        }
        hits: list[SearchHit] | None = None
        more = False
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
                # A sorted list is sorted whole (up to the catalogue's cap), then paged.
                wanted = SORTED_RESULTS if form["sort"] else page * PAGE_RESULTS + 1
                found = sort_hits(catalogue.search(q, filters, wanted), form["sort"])
                hits = found[(page - 1) * PAGE_RESULTS : page * PAGE_RESULTS]
                more = len(found) > page * PAGE_RESULTS
        except InvalidSearch as e:
            problem = str(e)
        return templates.TemplateResponse(
            request,
            "search.html",
            {
                "form": form,
                "hits": hits,
                "page": page,
                "per_page": PAGE_RESULTS,
                "more": more,
                "sorts": SORTS,
                "page_link": lambda **changed: "/?" + urlencode({**form, "page": page, **changed}),
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
            {
                "document": document,
                "type_names": type_names,
                "field_labels": REVIEWED_FIELDS,
                "revisions": catalogue.revisions(document_id=document_id),
            },
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

    add_review_pages(
        app,
        templates,
        catalogue,
        store,
        ReviewSettings(ocr_lang=ocr_lang, type_names=type_names),
    )
    return mount_api(app, catalogue, store, tokens)
