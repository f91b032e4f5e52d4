"""Object storage: the one interface the rest of `sohoa` uses, over any S3 API.

Every object carries its SHA-256 in user metadata (``x-amz-meta-sha256``) and reads verify it.
Errors come out as :class:`StorageError` subclasses: :class:`StorageUnavailable` is transient
(connection refused, timeouts, 5xx: retry later), the others are not. The client fails fast
(connect timeout of a few seconds, no retries of its own): retrying is the caller's decision,
made with :func:`is_transient`.

:meth:`ObjectStore.ensure_bucket`, the first call a command makes, is also its health check: it
waits :data:`PROBE_READ_TIMEOUT_S` for an answer, not the minutes a large transfer may need, so an
unreachable or frozen store is reported within seconds, saying what to check.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import CopySource
from minio.error import InvalidResponseError, S3Error, ServerError

from sohoa.config import Settings
from sohoa.errors import ExitCode, SohoaError

CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 60.0
# A health check's answer is small: a store that takes longer than this is frozen or overloaded.
PROBE_READ_TIMEOUT_S = 8.0
CHUNK_BYTES = 1024 * 1024
POOL_CONNECTIONS = 64
SHA256_KEY = "sha256"
USER_METADATA_PREFIX = "x-amz-meta-"

_SAFE_KEY_PART = re.compile(r"[A-Za-z0-9._-]+")
_AUTH_ERROR_CODES = frozenset(
    {
        "AccessDenied",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
    }
)
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket"})
_TRANSIENT_CODES = frozenset({"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout"})


class StorageError(SohoaError):
    """Object storage failed; permanent unless it is a :class:`StorageUnavailable`."""

    exit_code = ExitCode.STORAGE
    what = "object storage failed"
    advice = (
        "Check SOHOA_S3_ENDPOINT and the credentials, or run `sohoa storage status` for the "
        "embedded server"
    )


class StorageUnavailable(StorageError):
    """The store cannot be reached or is overloaded (refused, timed out, 5xx): retry later."""


class StorageAuthError(StorageError):
    """The store refused our credentials (wrong key pair, or no right to this bucket)."""


class ObjectNotFound(StorageError):
    """The object (or its bucket) does not exist."""

    exit_code = ExitCode.INPUT
    what = "not in object storage"
    advice = "Run `sohoa reindex` if the catalogue is stale"


class ChecksumMismatch(StorageError):
    """What was read does not match the SHA-256 recorded when it was stored."""


class PreconditionFailed(StorageError):
    """A conditional request's precondition (``If-Match``, ``If-None-Match``) did not hold."""


@dataclass(frozen=True)
class StoredObject:
    """What a put stored: the manifest's ``{"key", "sha256", "bytes"}``."""

    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None  # None for an object that `sohoa` did not write
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)  # user metadata, lower-case keys


@dataclass(frozen=True)
class ListedObject:
    """One object of a listing: what S3 lists, the ETag without its quotes."""

    key: str
    size: int
    etag: str
    last_modified: datetime


def safe_key_part(part: str) -> str:
    """``part`` unchanged if it is safe inside an object key, else ``ValueError``.

    Safe: only ``A-Z a-z 0-9 . _ -`` and no leading dot (so no ``..`` and no hidden names).
    For ids that come from users, such as dossier ids.
    """
    if not _SAFE_KEY_PART.fullmatch(part) or part.startswith("."):
        raise ValueError(
            f"{part!r} cannot be part of an object key: use only letters A-Z a-z, digits, "
            "'.', '_' and '-', and do not start with '.'"
        )
    return part


def is_transient(error: BaseException) -> bool:
    """True when ``error`` is worth retrying later (the store is unreachable or overloaded)."""
    return isinstance(error, StorageUnavailable) or isinstance(_classify(error), StorageUnavailable)


@dataclass(frozen=True)
class ClientCertificate:
    """For a server that demands a client certificate (mutual TLS): ours, and the CA that the
    server's certificate must chain to (files, read afresh on each new connection)."""

    ca: Path
    cert: Path
    key: Path


class ObjectStore:
    """One bucket on an S3 server, with checksums on everything."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool,
        client_certificate: ClientCertificate | None = None,
    ) -> None:
        """``endpoint`` is ``host:port``, as the minio SDK takes it."""
        self.endpoint = endpoint
        self.bucket = bucket
        self.secure = secure or client_certificate is not None
        self._client, self._probe_client = (
            Minio(
                endpoint,
                access_key=access_key,
                secret_key=secret_key,
                secure=self.secure,
                http_client=fail_fast_http_client(read_timeout, client_certificate),
            )
            for read_timeout in (READ_TIMEOUT_S, PROBE_READ_TIMEOUT_S)
        )

    def __repr__(self) -> str:
        scheme = "https" if self.secure else "http"
        return f"ObjectStore({scheme}://{self.endpoint}/{self.bucket})"

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        """The configured store: the embedded server when no endpoint is set (started if needed).

        ``SOHOA_S3_ENDPOINT`` may be ``host:port`` (secure per ``SOHOA_S3_SECURE``) or a URL,
        whose scheme then decides.
        """
        if settings.embedded_storage:
            from sohoa.storage import embedded  # starts a server: only when it is wanted

            server = embedded.ensure_running(settings)
            return cls(
                server.host_port,
                server.access_key,
                server.secret_key,
                settings.s3_bucket,
                secure=server.client_certificate is not None,
                client_certificate=server.client_certificate,
            )
        assert settings.s3_endpoint is not None  # what embedded_storage says
        if settings.s3_access_key is None or settings.s3_secret_key is None:
            raise ValueError(
                "SOHOA_S3_ENDPOINT is set: set SOHOA_S3_ACCESS_KEY and SOHOA_S3_SECRET_KEY too"
            )
        endpoint, secure = _split_endpoint(settings.s3_endpoint, settings.s3_secure)
        return cls(
            endpoint,
            settings.s3_access_key.get_secret_value(),
            settings.s3_secret_key.get_secret_value(),
            settings.s3_bucket,
            secure,
        )

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists; :class:`StorageUnavailable` within seconds, saying
        what to check, when the store does not answer."""
        try:
            with _storage_errors():
                if self._probe_client.bucket_exists(self.bucket):
                    return
                try:
                    self._probe_client.make_bucket(self.bucket)
                except S3Error as error:
                    if error.code != "BucketAlreadyOwnedByYou":  # another process won the race
                        raise
        except StorageUnavailable as e:
            raise StorageUnavailable(f"{self!r}: {_what_to_check(e)}") from e

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> StoredObject:
        """Store ``data`` under ``key`` (replacing any object there).

        Metadata travels in HTTP headers: keys and values must be ASCII.
        """
        stored = StoredObject(key, hashlib.sha256(data).hexdigest(), len(data))
        with _storage_errors():
            self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata=_with_checksum(metadata, stored.sha256),
            )
        return stored

    def put_file(
        self,
        key: str,
        path: Path,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> StoredObject:
        """Store the file at ``path`` under ``key``, streaming it (big files never sit in memory).

        The file is read twice: once for its SHA-256, which must be known up front because it
        travels in the request headers, then for the upload.
        """
        with path.open("rb") as file:
            sha256 = hashlib.file_digest(file, "sha256").hexdigest()
        stored = StoredObject(key, sha256, path.stat().st_size)
        with _storage_errors():
            self._client.fput_object(
                self.bucket,
                key,
                str(path),
                content_type=content_type,
                metadata=_with_checksum(metadata, sha256),
            )
        return stored

    def stat(self, key: str) -> ObjectInfo | None:
        """The object's size, checksum and metadata; None if it does not exist."""
        try:
            with _storage_errors():
                found = self._client.stat_object(self.bucket, key)
        except ObjectNotFound:
            return None
        metadata = _user_metadata(found.metadata or {})
        return ObjectInfo(
            key=key,
            size=found.size or 0,
            sha256=metadata.get(SHA256_KEY),
            content_type=found.content_type,
            metadata=metadata,
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def get_bytes(self, key: str, verify: bool = True) -> bytes:
        """The object's content; :class:`ChecksumMismatch` if it fails its recorded SHA-256."""
        with _storage_errors(), self._get(key) as response:
            data = response.read()
            recorded = _user_metadata(response.headers).get(SHA256_KEY)
        if verify:
            _verify(key, recorded, hashlib.sha256(data).hexdigest())
        return data

    def download_file(self, key: str, path: Path, verify: bool = True) -> None:
        """Write the object to ``path``, streaming; on a checksum mismatch ``path`` is untouched.

        The content goes to a temporary file beside ``path``, renamed into place once verified.
        """
        partial = path.with_name(path.name + ".partial")
        digest = hashlib.sha256()
        try:
            with _storage_errors(), self._get(key) as response, partial.open("wb") as file:
                recorded = _user_metadata(response.headers).get(SHA256_KEY)
                for chunk in response.stream(CHUNK_BYTES):
                    digest.update(chunk)
                    file.write(chunk)
            if verify:
                _verify(key, recorded, digest.hexdigest())
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Every key under ``prefix``, in order, fetched page by page as the caller iterates."""
        with _storage_errors():
            for found in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if found.object_name is not None:
                    yield found.object_name

    def list_objects(self, prefix: str = "") -> Iterator[ListedObject]:
        """Every object under ``prefix``, in key order, with its size, ETag and LastModified."""
        with _storage_errors():
            for found in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if found.object_name is None or found.is_dir:
                    continue
                yield ListedObject(
                    key=found.object_name,
                    size=found.size or 0,
                    etag=(found.etag or "").strip('"'),
                    last_modified=found.last_modified or datetime.fromtimestamp(0, UTC),
                )

    # Conditional writes (RFC 9110 preconditions on PUT, which S3, MinIO and SeaweedFS honour)
    # make an object a lock: only one of several writers racing for the same key wins. The
    # minio SDK's put_object cannot send the headers, so these requests are made through its
    # signed-request method.

    def put_if_absent(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> str | None:
        """Store ``data`` under ``key`` only if no object is there (``If-None-Match: *``).

        Returns the new object's ETag, or None when an object already was there.
        """
        return self._conditional_put(key, data, content_type, metadata, {"If-None-Match": "*"})

    def replace_if_match(
        self,
        key: str,
        etag: str,
        data: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None = None,
    ) -> str | None:
        """Replace the object at ``key`` only if it still is the version ``etag`` names
        (``If-Match``). Returns the new ETag, or None when it changed or is gone."""
        return self._conditional_put(key, data, content_type, metadata, {"If-Match": _quoted(etag)})

    def get_with_etag(self, key: str, verify: bool = True) -> tuple[bytes, str]:
        """The object's content and its ETag, read in one request (so they go together)."""
        with _storage_errors(), self._get(key) as response:
            data = response.read()
            recorded = _user_metadata(response.headers).get(SHA256_KEY)
            etag = (response.headers.get("ETag") or "").strip('"')
        if verify:
            _verify(key, recorded, hashlib.sha256(data).hexdigest())
        return data, etag

    def delete(self, key: str, if_match: str | None = None) -> bool:
        """Remove the object at ``key``; with ``if_match``, only if it still is that version.

        True when it is gone (also when there was nothing to remove); False when ``if_match``
        did not match. A server that ignores ``If-Match`` on DELETE removes it regardless.
        """
        if if_match is None:
            with _storage_errors():
                self._client.remove_object(self.bucket, key)
            return True
        try:
            with _storage_errors():
                self._client._execute(
                    "DELETE", self.bucket, key, headers={"If-Match": _quoted(if_match)}
                )
        except ObjectNotFound:
            return True
        except PreconditionFailed:
            return False
        return True

    def copy(self, source: str, target: str) -> None:
        """Copy the object at ``source`` to ``target`` inside the bucket, on the server,
        metadata included."""
        with _storage_errors():
            self._client.copy_object(self.bucket, target, CopySource(self.bucket, source))

    def _conditional_put(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: Mapping[str, str] | None,
        precondition: dict[str, str],
    ) -> str | None:
        sha256 = hashlib.sha256(data).hexdigest()
        headers = {
            "Content-Type": content_type,
            **{
                f"{USER_METADATA_PREFIX}{name}": value
                for name, value in _with_checksum(metadata, sha256).items()
            },
            **precondition,
        }
        try:
            with _storage_errors():
                response = self._client._execute(
                    "PUT", self.bucket, key, body=data, headers=headers
                )
        except (PreconditionFailed, ObjectNotFound):
            return None  # If-Match on a missing object: some servers say 404, not 412
        return (response.headers.get("ETag") or "").strip('"')

    @contextmanager
    def _get(self, key: str) -> Iterator[urllib3.BaseHTTPResponse]:
        response = self._client.get_object(self.bucket, key)
        try:
            yield response
        finally:
            response.close()
            response.release_conn()


def _what_to_check(error: StorageUnavailable) -> str:
    cause = error.__cause__
    reason = cause.reason if isinstance(cause, urllib3.exceptions.MaxRetryError) else cause
    if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
        return (
            f"the store accepted the connection but did not answer within "
            f"{PROBE_READ_TIMEOUT_S:g} s: it is frozen or overloaded (check the server's health "
            "and load, or a proxy or firewall between)"
        )
    # Before ConnectTimeoutError, which urllib3 makes it a subclass of.
    if isinstance(reason, urllib3.exceptions.NewConnectionError):
        return (
            "the connection was refused: check that the S3 server runs and listens at that "
            "address (SOHOA_S3_ENDPOINT; `sohoa storage status` for the embedded one)"
        )
    if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
        return (
            f"no connection within {CONNECT_TIMEOUT_S:g} s: check that the host is up and "
            "reachable from here (SOHOA_S3_ENDPOINT, network, firewall)"
        )
    return f"{error} (check that the S3 server runs and is healthy)"


def fail_fast_http_client(
    read_timeout: float, client_certificate: ClientCertificate | None = None
) -> urllib3.PoolManager:
    """A client for the minio SDK that fails within seconds when the store does not answer."""
    # minio's own client waits 5 minutes to connect and retries 5 times: an unreachable store
    # would hang a clerk's command. TLS is checked as minio checks it.
    ca_certs = os.environ.get("SSL_CERT_FILE") or certifi.where()
    cert_file = key_file = None
    if client_certificate is not None:
        ca_certs = str(client_certificate.ca)
        cert_file, key_file = str(client_certificate.cert), str(client_certificate.key)
    return urllib3.PoolManager(
        # Pages are read and stored from one thread per core: keep a connection for each.
        maxsize=POOL_CONNECTIONS,
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=read_timeout),
        retries=0,
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_certs,
        cert_file=cert_file,
        key_file=key_file,
    )


def _split_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """``host:port`` and whether to use TLS, from ``host:port`` or ``http(s)://host:port``."""
    if "://" not in endpoint:
        return endpoint, secure
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or url.path.strip("/"):
        raise ValueError(
            f"SOHOA_S3_ENDPOINT {endpoint!r}: expected host:port or http(s)://host:port"
        )
    return url.netloc, url.scheme == "https"


def _with_checksum(metadata: Mapping[str, str] | None, sha256: str) -> dict[str, Any]:
    return {**(metadata or {}), SHA256_KEY: sha256}


def _quoted(etag: str) -> str:
    return etag if etag.startswith('"') else f'"{etag}"'


def _user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    """User metadata from response headers, prefix dropped and keys lower-cased.

    Servers differ in the case they send back (SeaweedFS keeps it, AWS lowers it).
    """
    return {
        name.lower().removeprefix(USER_METADATA_PREFIX): value
        for name, value in headers.items()
        if name.lower().startswith(USER_METADATA_PREFIX)
    }


def _verify(key: str, recorded: str | None, actual: str) -> None:
    if recorded is None:
        raise ChecksumMismatch(f"{key}: no SHA-256 recorded, so its content cannot be verified")
    if recorded != actual:
        raise ChecksumMismatch(f"{key}: content has SHA-256 {actual}, {recorded} was recorded")


@contextmanager
def _storage_errors() -> Iterator[None]:
    """Turn the SDK's and urllib3's exceptions into :class:`StorageError` subclasses."""
    try:
        yield
    except StorageError:
        raise
    except Exception as error:
        translated = _classify(error)
        if translated is None:
            raise
        raise translated from error


def _classify(error: BaseException) -> StorageError | None:
    """The :class:`StorageError` that ``error`` amounts to; None if it is not a storage error."""
    if isinstance(error, S3Error):
        status = error.response.status if error.response is not None else 0
        if error.code in _AUTH_ERROR_CODES:
            return StorageAuthError(f"the store refused our credentials: {error.code} ({error})")
        if error.code == "PreconditionFailed" or status == 412:
            return PreconditionFailed(f"{error.object_name}: {error.code}")
        if error.code in _MISSING_CODES:
            return ObjectNotFound(f"{error.object_name or error.bucket_name}: {error.code}")
        if error.code in _TRANSIENT_CODES or status >= 500:
            return StorageUnavailable(f"the store failed: {error.code} ({error})")
        return StorageError(str(error))
    if isinstance(error, ServerError):
        return (StorageUnavailable if error.status_code >= 500 else StorageError)(str(error))
    if isinstance(error, InvalidResponseError):
        # A non-S3 answer, e.g. a proxy's HTML error page; its HTTP status is the `_code`.
        status = getattr(error, "_code", 0)
        transient = isinstance(status, int) and status >= 500
        return (StorageUnavailable if transient else StorageError)(str(error))
    if isinstance(error, urllib3.exceptions.MaxRetryError) and isinstance(
        error.reason, urllib3.exceptions.SSLError
    ):
        return StorageError(f"TLS failed (check SOHOA_S3_SECURE and certificates): {error.reason}")
    if isinstance(error, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError):
        return StorageUnavailable(f"the store cannot be reached: {error}")
    return None
