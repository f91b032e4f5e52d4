"""The HTTP API for other systems, under ``/api/v1`` (OpenAPI at ``/docs``): hand in a dossier,
follow it, fetch its documents, search.

Every request carries ``Authorization: Bearer TOKEN``, a token of `sohoa.storage.tokens` with a
role: ``submit`` uploads and reads status, ``read`` searches and fetches, ``admin`` does both.
Unknown or revoked: 401; the wrong role: 403.

`mount_api` puts the API in front of the clerks' page app, as an ASGI middleware that hands
``/api/v1`` and ``/docs`` to the API and everything else to the page, whose own token check
stays as it is; it also writes the page's reads of personal data to the audit log.

Uploads stream: the multipart body is parsed as it arrives (python-multipart's push parser),
each file written to a work folder on disk, counted against the per-file and per-request
limits (413 at the first byte over), then put into object storage and queued
(`sohoa.flows.uploads`) before the 202 is sent.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from html import escape
from pathlib import Path
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.background import BackgroundTask
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sohoa.config import Settings
from sohoa.flows import uploads, workdir
from sohoa.storage.audit import Action, AuditLog
from sohoa.storage.catalogue import Catalogue, CatalogueDocument, SearchHit
from sohoa.storage.objects import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    safe_key_part,
)
from sohoa.storage.search_terms import PERSON_ID
from sohoa.storage.tokens import (
    PAGE_TOKEN_NAME,
    Role,
    TokenError,
    TokenInfo,
    TokenStore,
    allows,
)
from sohoa.web.auth import presented_token

PREFIX = "/api/v1"
DOCS_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one upload may hold."""

    file_bytes: int = 512 * MiB
    request_bytes: int = 2048 * MiB
    files: int = 1000
    field_bytes: int = 1024


class TooLarge(Exception):
    pass


class BadUpload(Exception):
    pass


@dataclass
class _SpooledFile:
    name: str
    path: Path
    sha256: str
    size: int


@dataclass
class _Spool:
    """A multipart body's parts as they arrive: files onto disk, fields into memory (small)."""

    folder: Path
    limits: Limits
    files: list[_SpooledFile] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    _headers: dict[bytes, bytes] = field(default_factory=dict)
    _header_name: bytes = b""
    _header_value: bytes = b""
    _field: tuple[str, bytearray] | None = None
    _file: tuple[str, Path, IO[bytes], Any, list[int]] | None = None

    def parser(self, boundary: bytes) -> MultipartParser:
        callbacks: Any = {
            "on_part_begin": self._begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._data,
            "on_part_end": self._end,
        }
        return MultipartParser(boundary, callbacks)

    def _begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_name.lower()] = self._header_value
        self._header_name, self._header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = options.get(b"name", b"").decode(errors="replace")
        filename = options.get(b"filename")
        if filename is None:
            self._field = (name, bytearray())
            return
        if len(self.files) >= self.limits.files:
            raise TooLarge(f"at most {self.limits.files} files in one upload")
        shown = Path(filename.decode(errors="replace").replace("\\", "/")).name
        if shown in ("", ".", "..") or "\0" in shown:
            raise BadUpload(f"a file needs a name, not {shown!r}")
        path = self.folder / f"{len(self.files):04d}"
        self._file = (shown, path, path.open("xb"), hashlib.sha256(), [0])

    def _data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._file is not None:
            name, _, handle, digest, size = self._file
            size[0] += len(chunk)
            if size[0] > self.limits.file_bytes:
                raise TooLarge(f"{name} is over the limit of {self.limits.file_bytes} bytes a file")
            handle.write(chunk)
            digest.update(chunk)
        elif self._field is not None:
            self._field[1].extend(chunk)
            if len(self._field[1]) > self.limits.field_bytes:
                raise TooLarge(f"the field {self._field[0]} is too long")

    def _end(self) -> None:
        if self._file is not None:
            name, path, handle, digest, size = self._file
            handle.close()
            self.files.append(_SpooledFile(name, path, digest.hexdigest(), size[0]))
            self._file = None
        elif self._field is not None:
            self.fields[self._field[0]] = self._field[1].decode(errors="replace")
            self._field = None

    def close(self) -> None:
        if self._file is not None:
            self._file[2].close()


def _refused(status: int, detail: str) -> HTTPException:
    return HTTPException(status, detail, headers={"WWW-Authenticate": "Bearer"})


def _needs(*roles: Role) -> Callable[[Request], TokenInfo]:
    def check(request: Request) -> TokenInfo:
        tokens: TokenStore = request.app.state.tokens
        who = tokens.identify(presented_token(request))
        if who is None:
            raise _refused(401, "a valid token is required (Authorization: Bearer TOKEN)")
        if not any(allows(who.role, role) for role in roles):
            raise _refused(403, f"a {who.role} token may not do this")
        return who

    return check


Submitter = Annotated[TokenInfo, Depends(_needs("submit"))]
Reader = Annotated[TokenInfo, Depends(_needs("read"))]
Anyone = Annotated[TokenInfo, Depends(_needs("submit", "read"))]
Admin = Annotated[TokenInfo, Depends(_needs("admin"))]


class NewToken(BaseModel):
    name: str
    role: Role


class IssuedToken(NewToken):
    token: str  # shown this once: only its hash is kept


def create_api(
    catalogue: Catalogue,
    store: ObjectStore,
    tokens: TokenStore,
    audit: AuditLog,
    limits: Limits,
    on_queued: Callable[[], None],
) -> FastAPI:
    api = FastAPI(
        title="sohoa API",
        version="1",
        summary="Hand in dossiers, hear when they are done, fetch their documents",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.tokens = tokens
    router = APIRouter(prefix=PREFIX)

    @api.get("/docs", include_in_schema=False)
    def docs(_who: Anyone) -> Response:
        # Rendered here, without scripts: Swagger UI would load them from a CDN, telling a
        # third party who reads the API's docs and when.
        return HTMLResponse(
            _docs_page(api.openapi()), headers={"Content-Security-Policy": DOCS_POLICY}
        )

    @router.get("/openapi.json", include_in_schema=False)
    def openapi(_who: Anyone) -> dict[str, Any]:
        return api.openapi()

    @router.post(
        "/dossiers",
        status_code=202,
        summary="Hand in a dossier: its files as multipart/form-data, an optional dossier_id",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "files": {
                                    "type": "array",
                                    "items": {"type": "string", "format": "binary"},
                                },
                                "dossier_id": {"type": "string"},
                            },
                            "required": ["files"],
                        }
                    }
                },
            }
        },
        responses={413: {"description": "a file or the request is over its size limit"}},
    )
    async def submit_dossier(
        request: Request,
        who: Submitter,
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        if idempotency_key is not None:
            earlier = await run_in_threadpool(_idempotent_answer, store, who.name, idempotency_key)
            if earlier is not None:
                return _accepted(earlier)
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limits.request_bytes:
            raise HTTPException(413, f"the request is over {limits.request_bytes} bytes")
        content_type, options = parse_options_header(request.headers.get("content-type", ""))
        if content_type != b"multipart/form-data" or b"boundary" not in options:
            raise HTTPException(415, "send the files as multipart/form-data")
        # The dossiers' work folder: one a killed server left is removed at the next start.
        try:
            with workdir.dossier_dir(Settings()) as folder:
                dossier_id = await _spool_and_queue(request, options[b"boundary"], folder, who)
        except workdir.WorkDirFull as e:
            raise HTTPException(507, str(e.strerror)) from e
        if idempotency_key is not None:
            dossier_id = await run_in_threadpool(
                _remember, store, who.name, idempotency_key, dossier_id
            )
        on_queued()
        return _accepted(dossier_id)

    async def _spool_and_queue(
        request: Request, boundary: bytes, folder: Path, who: TokenInfo
    ) -> str:
        spool = _Spool(folder, limits)
        parser = spool.parser(boundary)
        total = 0
        try:
            async for chunk in request.stream():
                total += len(chunk)
                if total > limits.request_bytes:
                    raise TooLarge(f"the request is over {limits.request_bytes} bytes")
                parser.write(chunk)
            parser.finalize()
        except TooLarge as e:
            raise HTTPException(413, str(e)) from e
        except BadUpload as e:
            raise HTTPException(422, str(e)) from e
        finally:
            spool.close()
        return str(await run_in_threadpool(_queue_upload, store, spool, who.name))

    @router.get("/dossiers/{dossier_id}", summary="A dossier's status; its manifest once done")
    def dossier(dossier_id: str, who: Anyone) -> uploads.DossierStatus:
        found = _storage(lambda: uploads.dossier_status(store, _safe_id(dossier_id)))
        if found is None:
            raise HTTPException(404, "no such dossier")
        if found.manifest is not None:
            audit.record(who.name, "dossier", "api", dossier_id=dossier_id)
        return found

    def document_of(document_id: str, who: TokenInfo, action: Action) -> CatalogueDocument:
        document = catalogue.document(document_id)
        if document is None:
            raise HTTPException(404, "no such document")
        audit.record(who.name, action, "api", document_id=document_id)
        return document

    @router.get("/documents/{document_id}", summary="A document's catalogue record")
    def document(document_id: str, who: Reader) -> CatalogueDocument:
        return document_of(document_id, who, "document")

    @router.get(
        "/documents/{document_id}/pdf",
        response_class=FileResponse,
        responses={200: {"content": {"application/pdf": {}}}},
        summary="The document's PDF/A, checksum verified",
    )
    def document_pdf(document_id: str, who: Reader) -> Response:
        found = document_of(document_id, who, "pdf")
        folder = Path(tempfile.mkdtemp(prefix="sohoa-pdf-"))
        try:
            _storage(lambda: store.download_file(found.pdf_key, folder / "document.pdf"))
        except HTTPException:
            shutil.rmtree(folder)
            raise
        return FileResponse(
            folder / "document.pdf",
            media_type="application/pdf",
            filename=f"{document_id}.pdf",
            background=BackgroundTask(shutil.rmtree, folder),
        )

    @router.get(
        "/documents/{document_id}/text",
        response_class=PlainTextResponse,
        summary="The document's text, a form feed between pages",
    )
    def document_text(document_id: str, who: Reader) -> Response:
        found = document_of(document_id, who, "text")
        text = _storage(lambda: store.get_bytes(found.text_key))
        return PlainTextResponse(text.decode(), media_type="text/plain; charset=utf-8")

    @router.get("/search", summary="Search the catalogue, as the page does; marks optional")
    def search(
        who: Reader,
        q: str = "",
        type: Annotated[str | None, Query(description="A type code of the taxonomy")] = None,
        person: Annotated[str | None, Query(description="A 12-digit personal ID")] = None,
        issuer: Annotated[str | None, Query(description="Part of the issuing body's name")] = None,
        date_from: Annotated[date | None, Query(alias="from")] = None,
        date_to: Annotated[date | None, Query(alias="to")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    ) -> list[SearchHit]:
        from sohoa.web.app import api_search_hits

        hits = api_search_hits(catalogue, q, type, person, issuer, date_from, date_to, limit)
        record_person_search(audit, who.name, "api", q, person)
        return hits

    @router.get("/tokens", summary="The tokens and their roles (never the tokens)")
    def list_tokens(_who: Admin) -> list[TokenInfo]:
        return tokens.list()

    @router.post("/tokens", status_code=201, summary="A new token, shown this once")
    def add_token(wanted: NewToken, _who: Admin) -> IssuedToken:
        try:
            token = tokens.add(wanted.name, wanted.role)
        except TokenError as e:
            raise HTTPException(409, str(e)) from e
        return IssuedToken(name=wanted.name, role=wanted.role, token=token)

    @router.delete("/tokens/{name}", status_code=204, summary="Revoke a token")
    def revoke_token(name: str, _who: Admin) -> Response:
        try:
            tokens.revoke(name)
        except TokenError as e:
            raise HTTPException(404, str(e)) from e
        return Response(status_code=204)

    api.include_router(router)
    return api


def record_person_search(
    audit: AuditLog, token: str, via: Any, query: str | None, person: str | None
) -> None:
    """A search for a personal ID, in the filter or typed as the query, is logged once per ID."""
    wanted = set(PERSON_ID.findall(query or ""))
    if person:
        wanted.add(person)
    for person_id in sorted(wanted):
        audit.record(token, "search", via, person_id=person_id, query=query or None)


def _docs_page(schema: dict[str, Any]) -> str:
    """The API's endpoints as a plain page, from its OpenAPI schema, with a link to it."""
    rows = []
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            rows.append(
                f"<tr><td><code>{escape(method.upper())} {escape(path)}</code></td>"
                f"<td>{escape(operation.get('summary', ''))}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>sohoa API</title>"
        "<style>body{font-family:sans-serif;margin:2em}td{padding:.3em 1em}</style>"
        f"<h1>{escape(schema['info']['title'])} {escape(schema['info']['version'])}</h1>"
        "<p>Every request carries <code>Authorization: Bearer TOKEN</code>. The whole "
        f"schema: <a href='{PREFIX}/openapi.json'>{PREFIX}/openapi.json</a>.</p>"
        f"<table>{''.join(rows)}</table></html>"
    )


def _safe_id(dossier_id: str) -> str:
    try:
        return safe_key_part(dossier_id)
    except ValueError as e:
        raise HTTPException(422, "a dossier id is letters, digits, '.', '_' and '-'") from e


def _storage(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ChecksumMismatch as e:
        raise HTTPException(502, "the stored object failed its checksum") from e
    except ObjectNotFound as e:
        raise HTTPException(404, "not in object storage") from e
    except StorageError as e:
        raise HTTPException(503, "object storage cannot be reached") from e


def _accepted(dossier_id: str) -> JSONResponse:
    return JSONResponse({"dossier_id": dossier_id, "status": "queued"}, status_code=202)


def _idempotent_answer(store: ObjectStore, token: str, key: str) -> str | None:
    try:
        return str(
            uploads.IdempotencyRecord.model_validate_json(
                store.get_bytes(uploads.idempotency_key(token, key))
            ).dossier_id
        )
    except ObjectNotFound:
        return None


def _remember(store: ObjectStore, token: str, key: str, dossier_id: str) -> str:
    """Keep the key's dossier; when the same key raced in twice, the first one's."""
    record = uploads.IdempotencyRecord(dossier_id=dossier_id).model_dump_json().encode()
    if store.put_if_absent(uploads.idempotency_key(token, key), record, "application/json"):
        return dossier_id
    return _idempotent_answer(store, token, key) or dossier_id


def _queue_upload(store: ObjectStore, spool: _Spool, token: str) -> str:
    if not spool.files:
        raise HTTPException(422, "the upload holds no files")
    names = [f.name for f in spool.files]
    if len(set(names)) != len(names):
        raise HTTPException(422, "two files of the upload have the same name")
    given = spool.fields.get("dossier_id", "").strip()
    dossier_id = (
        _safe_id(given) if given else uploads.derived_dossier_id([f.sha256 for f in spool.files])
    )
    request = uploads.UploadRequest(
        dossier_id=dossier_id,
        files=[
            uploads.UploadedFile(
                name=f.name,
                key=uploads.file_key(dossier_id, i, f.name),
                sha256=f.sha256,
                bytes=f.size,
            )
            for i, f in enumerate(spool.files)
        ],
        received=uploads.utc_now().isoformat(timespec="seconds"),
        token=token,
    )
    try:
        store.ensure_bucket()
        existing = uploads.find_request(store, dossier_id)
        if existing is not None:
            if existing.same_files(request):
                return dossier_id  # the same files again: the same dossier
            status = uploads.dossier_status(store, dossier_id)
            if status is not None and status.status in ("queued", "running"):
                raise HTTPException(
                    409, f"dossier {dossier_id} is being digitised from other files"
                )
        for spooled, stored in zip(spool.files, request.files, strict=True):
            store.put_file(stored.key, spooled.path, "application/octet-stream")
        uploads.queue(store, request)
    except StorageError as e:
        raise HTTPException(503, "object storage cannot be reached; nothing was accepted") from e
    return dossier_id


# --- In front of the page ---------------------------------------------------------------------

_PAGE_READS: list[tuple[re.Pattern[str], Action]] = [
    (re.compile(r"/documents/([^/]+)/pdf"), "pdf"),
    (re.compile(r"/documents/([^/]+)"), "document"),
    (re.compile(r"/api/documents/([^/]+)"), "document"),
]
_PAGE_SEARCHES = ("/", "/api/search")
_API_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class _HandOff:
    """Sends the API's paths to the API; logs the page's reads of personal data."""

    def __init__(self, app: ASGIApp, api: FastAPI, tokens: TokenStore, audit: AuditLog) -> None:
        self.app, self.api, self.tokens, self.audit = app, api, tokens, audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == "/docs" or path == PREFIX or path.startswith(f"{PREFIX}/"):
            who = await run_in_threadpool(self.tokens.identify, presented_token(Request(scope)))
            # Without a token in use, the page refuses it as it refuses everything: a stranger
            # cannot tell the API's paths from any other.
            if who is None:
                await self.app(scope, receive, send)
                return

            async def guarded(message: Message) -> None:
                if message["type"] == "http.response.start":
                    # Personal data: kept in no cache, never sniffed into something else.
                    message["headers"] = [*message.get("headers", []), *_API_HEADERS]
                await send(message)

            await self.api(scope, receive, guarded)
            return
        status: list[int] = []

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watched)
        if status == [200] and scope["method"] == "GET":
            await run_in_threadpool(self._log_page_read, Request(scope))

    def _log_page_read(self, request: Request) -> None:
        path = request.url.path
        who = self.tokens.identify(presented_token(request))
        name = who.name if who is not None else PAGE_TOKEN_NAME
        for pattern, action in _PAGE_READS:
            matched = pattern.fullmatch(path)
            if matched:
                self.audit.record(name, action, "page", document_id=matched.group(1))
                return
        if path in _PAGE_SEARCHES:
            params = request.query_params
            record_person_search(
                self.audit, name, "page", params.get("q"), params.get("person") or None
            )


def mount_api(
    page: FastAPI,
    catalogue: Catalogue,
    store: ObjectStore,
    tokens: TokenStore,
    limits: Limits | None = None,
) -> FastAPI:
    """`page` with the API in front of it, answering the `tokens` in use.
    `page.state.on_queued` is called after each upload is queued (the server's runner sets it
    to wake its thread)."""
    audit = AuditLog(catalogue)
    page.state.on_queued = lambda: None
    api = create_api(
        catalogue, store, tokens, audit, limits or Limits(), lambda: page.state.on_queued()
    )
    page.add_middleware(_HandOff, api=api, tokens=tokens, audit=audit)
    return page
