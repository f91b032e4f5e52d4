"""PDF/A-2b validation of a signed copy.

pikepdf's validator does not check interactive forms: it reports any /AcroForm as a construct
it cannot judge. A signature needs one, and PDF/A-2b allows it under rules pikepdf leaves out;
those rules are checked here, for a form that holds signature fields only, and pikepdf's
finding is set aside only when they pass.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pikepdf
import pikepdf.pdfa
from pikepdf import Name

from sohoa.pipeline.pdfa import validate

# Annotation flags (ISO 32000-1, 12.5.3).
_INVISIBLE, _HIDDEN, _PRINT, _NO_VIEW = 1, 2, 4, 32


def validate_signed(path: Path) -> pikepdf.pdfa.Report:
    """The PDF/A-2b report on the signed file at `path`: pikepdf's, with its objection to the
    signature form replaced by the form's own findings."""
    report = validate(path)
    with pikepdf.open(path) as pdf:
        form_findings = signature_form_findings(pdf)
    kept = [f for f in report.findings if not _about_acroform(f)]
    return dataclasses.replace(report, findings=kept + form_findings)


def signature_form_findings(pdf: pikepdf.Pdf) -> list[pikepdf.pdfa.Finding]:
    """What breaks PDF/A-2b in the form of a file whose form holds signatures only: ISO
    19005-2, 6.4.1 (no NeedAppearances, no XFA), 6.3.2 (printed, never hidden, annotations)
    and 6.3.3 (a normal appearance only)."""
    form = pdf.Root.get(Name.AcroForm)
    if form is None:
        return []
    findings = []
    if bool(form.get(Name.NeedAppearances, False)):
        findings.append(_violation("6.4.1", "/AcroForm", "NeedAppearances is true"))
    if Name.XFA in form:
        findings.append(_violation("6.4.1", "/AcroForm", "the form carries XFA"))
    for field in form.get(Name.Fields, []):
        name = str(field.get(Name.T, "?"))
        if field.get(Name.FT) != Name.Sig:
            findings.append(
                _violation("6.4.1", name, "a form field other than a signature (not checked)")
            )
            continue
        flags = int(field.get(Name.F, 0))
        if not flags & _PRINT or flags & (_INVISIBLE | _HIDDEN | _NO_VIEW):
            findings.append(_violation("6.3.2", name, f"annotation flags {flags}"))
        appearance = field.get(Name.AP)
        if appearance is None or set(appearance.keys()) != {"/N"}:
            findings.append(_violation("6.3.3", name, "the appearance is not /N alone"))
    return findings


def _about_acroform(finding: pikepdf.pdfa.Finding) -> bool:
    return finding.kind == "unsupported" and finding.where.endswith("/AcroForm")


def _violation(clause: str, where: str, message: str) -> pikepdf.pdfa.Finding:
    return pikepdf.pdfa.Finding(
        rule=f"ISO 19005-2 {clause}", where=where, message=message, kind="violation"
    )
