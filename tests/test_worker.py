from pathlib import Path

from pydantic import SecretStr

from sohoa.flows.worker import configuration_fingerprint
from tests.conftest import make_settings


def test_same_configuration_same_worker(tmp_path: Path) -> None:
    assert configuration_fingerprint(make_settings(tmp_path)) == configuration_fingerprint(
        make_settings(tmp_path)
    )


def test_another_endpoint_or_secret_gets_its_own_worker(tmp_path: Path) -> None:
    base = make_settings(tmp_path, s3_endpoint="s3.example:9000", s3_secret_key=SecretStr("a"))
    other_secret = base.model_copy(update={"s3_secret_key": SecretStr("b")})
    other_bucket = base.model_copy(update={"s3_bucket": "elsewhere"})
    fingerprints = {configuration_fingerprint(s) for s in (base, other_secret, other_bucket)}
    assert len(fingerprints) == 3


def test_fingerprint_does_not_reveal_the_secret(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, s3_secret_key=SecretStr("hunter2-very-secret"))
    assert "hunter2" not in configuration_fingerprint(settings)
