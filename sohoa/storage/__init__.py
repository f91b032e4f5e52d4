"""Storage: the object store (any S3 API) and the embedded S3 server behind it.

Knows nothing of OCR, Prefect or the CLI. The rest of `sohoa` goes through :class:`ObjectStore`.
"""

from sohoa.storage.objects import (
    ChecksumMismatch,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    StorageAuthError,
    StorageError,
    StorageUnavailable,
    StoredObject,
    is_transient,
    safe_key_part,
)

__all__ = [
    "ChecksumMismatch",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "StorageAuthError",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "is_transient",
    "safe_key_part",
]
