"""The `sohoa` XMP namespace: a document's type and fields inside its PDF/A.

PDF/A allows properties outside the predefined schemas only when the packet describes them in
a PDF/A extension schema (ISO 19005-2, 6.6.2.3). pikepdf's PDF/A writer keeps predefined
properties only and its validator knows no extension schemas, so the `sohoa` description is
added to the packet after pikepdf has written and checked the file, and the findings about
these namespaces, and only those, are set aside when the file is checked again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import pikepdf
import pikepdf.pdfa

SOHOA_NS = "http://ns.sohoa.vn/xmp/1.0/"
_EXTENSION_NS = {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
# How pikepdf's validator names what this module adds: by URI or by property prefix.
_ADDED_NAMES = (SOHOA_NS, *_EXTENSION_NS.values(), "sohoa:", *(f"{p}:" for p in _EXTENSION_NS))

# Every property the namespace may carry, with the description its schema gives.
PROPERTIES: dict[str, str] = {
    "dossier_id": "Dossier (hồ sơ) the document belongs to",
    "document_id": "Identifier of the document within sohoa",
    "type": "Document type code (sohoa taxonomy)",
    "type_confidence": "Classifier's calibrated confidence in the type, 0-1",
    "needs_review": "True when a person should check the type or fields",
    "so_ky_hieu": "Document number and notation (số, ký hiệu)",
    "ngay_ban_hanh": "Issuing date, ISO 8601",
    "co_quan_ban_hanh": "Issuing body",
    "co_quan_chu_quan": "Parent body of the issuer (cơ quan chủ quản)",
    "trich_yeu": "Summary (trích yếu)",
    "so_dinh_danh": "Personal identification numbers (12 digits)",
    "so_cmnd": "Legacy identity card (CMND) numbers (9 digits)",
    "ho_ten": "Full name of the main person",
    "ma_so_thue": "Tax codes",
}

XmpValue = str | Sequence[str]
# What `sohoa_description` writes: one rdf:Description, with none nested inside it.
_DESCRIPTION = re.compile(
    r'<rdf:Description rdf:about="" xmlns:sohoa="'
    + re.escape(SOHOA_NS)
    + r'".*?</rdf:Description>',
    re.DOTALL,
)


def sohoa_description(values: Mapping[str, XmpValue | None]) -> str:
    """An rdf:Description with the given `sohoa` properties (None and empty lists left out)
    and the extension schema that declares every property it uses."""
    present = {name: value for name, value in values.items() if value not in (None, [], ())}
    unknown = set(present) - set(PROPERTIES)
    if unknown:
        raise ValueError(f"not sohoa XMP properties: {sorted(unknown)}")
    namespaces = " ".join(
        f'xmlns:{prefix}="{uri}"' for prefix, uri in {"sohoa": SOHOA_NS, **_EXTENSION_NS}.items()
    )
    body = "".join(_property(name, value) for name, value in present.items())
    declared = "".join(_declaration(name, present[name]) for name in present)
    return (
        f'<rdf:Description rdf:about="" {namespaces}>'
        '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
        "<pdfaSchema:schema>sohoa document type and fields</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{SOHOA_NS}</pdfaSchema:namespaceURI>"
        "<pdfaSchema:prefix>sohoa</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{declared}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
        f"{body}</rdf:Description>"
    )


def add_sohoa_metadata(pdf: pikepdf.Pdf, values: Mapping[str, XmpValue | None]) -> None:
    """Add the `sohoa` description to the XMP packet pikepdf prepared for `pdf`, when there
    is anything to describe."""
    if all(value in (None, [], ()) for value in values.values()):
        return
    packet = bytes(pdf.Root.Metadata.read_bytes()).decode()
    end = packet.rindex("</rdf:RDF>")
    packet = packet[:end] + sohoa_description(values) + packet[end:]
    pdf.Root.Metadata.write(packet.encode())


def remove_sohoa_metadata(pdf: pikepdf.Pdf) -> None:
    """Take the `sohoa` description that `add_sohoa_metadata` wrote out of `pdf`'s packet."""
    packet = bytes(pdf.Root.Metadata.read_bytes()).decode()
    pdf.Root.Metadata.write(_DESCRIPTION.sub("", packet).encode())


def is_about_sohoa_namespace(finding: pikepdf.pdfa.Finding) -> bool:
    """Whether a validator finding is only its objection to the namespaces added here."""
    return any(name in finding.message for name in _ADDED_NAMES)


def _property(name: str, value: XmpValue) -> str:
    if isinstance(value, str):
        return f"<sohoa:{name}>{escape(value)}</sohoa:{name}>"
    items = "".join(f"<rdf:li>{escape(item)}</rdf:li>" for item in value)
    return f"<sohoa:{name}><rdf:Bag>{items}</rdf:Bag></sohoa:{name}>"


def _declaration(name: str, value: XmpValue) -> str:
    value_type = "Text" if isinstance(value, str) else "bag Text"
    return (
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        f"<pdfaProperty:valueType>{value_type}</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{escape(PROPERTIES[name])}</pdfaProperty:description>"
        "</rdf:li>"
    )
