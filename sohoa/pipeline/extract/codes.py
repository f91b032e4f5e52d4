"""What the QR codes printed on a paper say: personal IDs, the paper's number, and an ID card's
holder and issue date. Data beats OCR."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sohoa.pipeline.extract.people import PERSONAL_ID
from sohoa.pipeline.extract.reading import Reading
from sohoa.pipeline.identifiers import (
    personal_id_problem,
)
from sohoa.pipeline.text import nfc

_CARD_CODE = re.compile(
    r"(?P<id>\d{12})\|(?:\d{9})?\|(?P<name>[^|\d]+)\|\d{8}\|[^|]*\|[^|]*\|(?P<issued>\d{8})(?:\||$)"
)


@dataclass(frozen=True)
class _CardCode:
    """The QR code on the front of a chip ID card: "personal ID|old ID|full name|birth date
    (ddmmyyyy)|sex|residence|issue date (ddmmyyyy)"."""

    holder: str
    issued: str  # ISO date

    @classmethod
    def read(cls, payload: str) -> _CardCode | None:
        found = _CARD_CODE.match(payload)
        if found is None or personal_id_problem(found["id"]) is not None:
            return None
        try:
            issued = datetime.strptime(found["issued"], "%d%m%Y").date()
        except ValueError:
            return None
        return cls(nfc(found["name"].strip()), issued.isoformat())


@dataclass(frozen=True)
class CodeData:
    """What the QR codes of a document say: personal IDs, the paper's number, an ID card's."""

    personal_ids: list[str]
    number: Reading | None
    card: _CardCode | None

    @classmethod
    def read(cls, payloads: Iterable[str]) -> CodeData:
        ids: list[str] = []
        number = None
        card = None
        for payload in payloads:
            card = card or _CardCode.read(payload)
            for text in _payload_texts(payload):
                for match in PERSONAL_ID.findall(text):
                    value = re.sub(r"\s", "", match)
                    if personal_id_problem(value) is None and value not in ids:
                        ids.append(value)
            data = _json_object(payload)
            for key in ("so_ky_hieu", "so_van_ban", "so"):
                written = data.get(key)
                if number is None and isinstance(written, str) and written.strip():
                    number = Reading(nfc(written.strip()))
        return cls(ids, number, card)


def _json_object(payload: str) -> dict[str, object]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _payload_texts(payload: str) -> Iterator[str]:
    """The strings a payload holds: a JSON object's values, or the payload itself."""
    data = _json_object(payload)
    if not data:
        yield payload
        return
    for value in data.values():
        if isinstance(value, str | int):
            yield str(value)
