"""Configuration: environment variables, with an optional TOML file underneath.

Precedence, highest first: ``SOHOA_*`` environment variables, then the file named by
``SOHOA_CONFIG`` (default ``<data dir>/sohoa.toml`` when it exists), then the defaults below.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user data folder (XDG), used when ``SOHOA_DATA_DIR`` is not set."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sohoa"


class _TomlFileSource(PydanticBaseSettingsSource):
    """Settings read from the optional TOML file (keys as the field names, lower case)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        explicit = os.environ.get("SOHOA_CONFIG")
        data_dir = Path(os.environ.get("SOHOA_DATA_DIR") or default_data_dir())
        path = Path(explicit) if explicit else data_dir / "sohoa.toml"
        if explicit and not path.is_file():
            raise FileNotFoundError(f"SOHOA_CONFIG names {path}, which does not exist")
        self._values: dict[str, Any] = tomllib.loads(path.read_text()) if path.is_file() else {}

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in self._values.items() if k in self.settings_cls.model_fields}


class Settings(BaseSettings):
    """Everything `sohoa` can be configured with. Secrets never appear in ``repr``."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="ignore")

    s3_endpoint: str | None = None
    s3_access_key: SecretStr | None = None
    s3_secret_key: SecretStr | None = None
    s3_bucket: str = "sohoa"
    s3_secure: bool = False
    catalogue_url: str | None = None
    data_dir: Path = Field(default_factory=default_data_dir)
    ocr_lang: str = "vie"
    # The agency's time zone: the web page shows times in it (an IANA name).
    time_zone: str = "Asia/Ho_Chi_Minh"
    # Worker processes for OCR; 0 means one per CPU core.
    workers: int = 0
    # Seconds one Tesseract call may take before the page is given up as failed (a hung or
    # pathological page must not stall a backlog).
    ocr_timeout_s: float = Field(default=180.0, gt=0)
    # Where dossiers are worked on (page PDFs before assembly); default `<data dir>/work`.
    work_dir: Path | None = None
    # A Prefect server to use (``http://host:4200/api``); sohoa then starts none of its own.
    prefect_api_url: str | None = None
    # The database of the Prefect server sohoa starts (``postgresql+asyncpg://…``); default
    # SQLite in ``<data dir>/prefect/``.
    prefect_database_url: SecretStr | None = None
    # Signing the digitised copies (docs/signing.md): a PKCS#12 file with its password in a
    # file, or a PKCS#11 token (module, token label, key label) with its PIN in a file. The
    # password and PIN may instead come from SOHOA_SIGN_PASSWORD / SOHOA_SIGN_PIN.
    sign_pkcs12: Path | None = None
    sign_password_file: Path | None = None
    sign_password: SecretStr | None = None
    sign_pkcs11_module: Path | None = None
    sign_pkcs11_token: str | None = None
    sign_pkcs11_key: str | None = None
    sign_pin_file: Path | None = None
    sign_pin: SecretStr | None = None
    sign_at_digitise: bool = False
    # The agency named on the copy, and the copy's form (Decree 30/2020, Appendix I, Part II).
    sign_agency: str | None = None
    sign_form: str = "SAO Y"
    # An RFC 3161 timestamp authority: signatures are then PAdES B-T instead of B-B.
    tsa_url: str | None = None
    # A folder of PEM or DER certificates that incoming signatures are checked against.
    trust_roots: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _TomlFileSource(settings_cls)

    @property
    def embedded_storage(self) -> bool:
        """True when no endpoint is configured and `sohoa` runs its own S3 server."""
        return not self.s3_endpoint

    @property
    def work_root(self) -> Path:
        return self.work_dir or self.data_dir / "work"

    @property
    def concurrency(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)
