"""Checks on the identifiers and dates a document carries: personal IDs, tax codes, dates.

Each check is cheap and strong against OCR: a misread digit in a personal ID usually breaks its
province code, its century/sex digit or its agreement with the birth year printed beside it; a
misread digit in a tax code breaks its check digit.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

from sohoa.pipeline.text import fold

IDENTITY_CODES = Path(__file__).parent / "data" / "identity_codes.toml"
_CODES = tomllib.loads(IDENTITY_CODES.read_text(encoding="utf-8"))
# The 3-digit codes of birth registration that open a personal ID, one per province.
PROVINCE_CODES = frozenset(_CODES["personal_id"]["provinces"])
# The 2-digit codes of the issuing province's police that open a legacy 9-digit CMND number.
CMND_PREFIXES = frozenset(_CODES["cmnd"]["prefixes"])
# The digit after the province code: 0/1 a man/woman born in the 1900s, 2/3 in the 2000s.
CENTURY_OF_DIGIT = {"0": 1900, "1": 1900, "2": 2000, "3": 2000}

TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_CODE = re.compile(r"\d{10}(?:-\d{3})?")

# Dates are matched on folded text, so "ngày"/"ngay"/"ngảy" all meet; OCR often glues a number
# to the next word ("26tháng") or reads a speck beside it as a stop or colon ("6.năm", "năm:"),
# hence [\s.,:]*; it misreads the vowel of an italic "tháng" now and then ("thúng").
# Inside a number OCR now and then puts a space ("tháng 1 0") or reads a 1 as "]", "|", "l",
# "I", "T" or "!", a 2 as "Z" and a 0 as "O" ("09/] 1/2018", "tháng T1", "ngày Z5"): a number
# is its digits and these look-alikes, one space between them at most, and at least one real
# digit, so that a blank ("ngày … tháng") or a word never reads as a number.
_LOOKALIKE = r"[\]|!litz]"
_ZERO = "o"
_DIGITISH = rf"(?:\d|{_LOOKALIKE}|{_ZERO})"
# A number starts after no digit, or after no letter where it starts with a look-alike.
_NUMBER = rf"(?:(?<!\d)\d|(?<![^\W_])(?:{_LOOKALIKE}|{_ZERO}))(?: ?{_DIGITISH}){{0,2}}"
_YEAR = rf"{_DIGITISH}(?: ?{_DIGITISH}){{3}}"
# Matched inside a lookahead, so that every start is tried: "Số 5 12/01/2020" has a date.
# Between the words of a date: spaces, and the specks and quotes OCR reads from a seal or a
# wrapped line's italics ("tháng 08 \"“năm2024").
_GAP = r"[\s.,:;\"'“”‘’_-]*"
# A year wrapped onto the next line sometimes comes after a rule or border read as "|".
_RULE = r"(?:\|\s+)?"
# "tháng" as OCR reads it now and then: "thúng", "thư".
_MONTH = r"th[a-z]{1,3}"
_WORDED_DATE = re.compile(
    rf"(?=ngay{_GAP}({_NUMBER}){_GAP}{_MONTH}{_GAP}({_NUMBER}){_GAP}nam{_GAP}{_RULE}({_YEAR}))"
)
_SLASHED_DATE = re.compile(rf"(?=({_NUMBER})\s*[/.-]\s*({_NUMBER})\s*[/.-]\s*({_YEAR})(?!\d))")
_AS_DIGITS = str.maketrans(
    {"]": "1", "|": "1", "!": "1", "l": "1", "i": "1", "t": "1", "z": "2", "o": "0", " ": None}
)
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


def personal_id_problem(
    value: str,
    *,
    birth_year: int | None = None,
    female: bool | None = None,
    today: date | None = None,
) -> str | None:
    """Why `value` cannot be the 12-digit personal ID of the person described, or None when it
    can. Birth year and sex are checked only when given; with `today`, an ID saying its holder
    is born after this year (a misread digit) has a problem."""
    if not re.fullmatch(r"\d{12}", value):
        return "not 12 digits"
    if value[:3] not in PROVINCE_CODES:
        return f"no province has code {value[:3]}"
    century = CENTURY_OF_DIGIT.get(value[3])
    if century is None:
        return f"century/sex digit {value[3]} is not one of 0-3"
    year = century + int(value[4:6])
    if today is not None and year > today.year:
        return f"says born {year}, which is to come"
    if birth_year is not None and year != birth_year:
        return f"says born {year}, the page says {birth_year}"
    if female is not None and (int(value[3]) % 2 == 1) != female:
        return "sex digit disagrees with the sex on the page"
    return None


def cmnd_problem(value: str) -> str | None:
    """Why `value` cannot be a legacy 9-digit CMND number, or None when it can."""
    if not re.fullmatch(r"\d{9}", value):
        return "not 9 digits"
    if value[:2] not in CMND_PREFIXES:
        return f"no province issued CMND numbers opening {value[:2]}"
    return None


def tax_code_valid(value: str) -> bool:
    """10 digits whose last is the check digit (optionally "-" and a 3-digit branch number).

    The check digit is 10 - (weighted sum of the first nine mod 11). A remainder of 0 would ask
    for a check digit of 10; some implementations then accept 0, we reject the code, since no
    single digit equals 10 and the tax office does not issue such numbers."""
    if not _TAX_CODE.fullmatch(value):
        return False
    digits = [int(c) for c in value[:10]]
    remainder = sum(w * d for w, d in zip(TAX_CODE_WEIGHTS, digits, strict=False)) % 11
    return remainder != 0 and digits[9] == 10 - remainder


def parse_date(text: str) -> date | None:
    """The first real date written in `text` ("ngày 05 tháng 01 năm 2020", "05/01/2020"), OCR's
    spaces and look-alikes inside its numbers read as the digits they stand for; impossible
    ones (31/02, month 13, year 1850, a day of three digits) are skipped."""
    folded = fold(text)
    matches = sorted(
        [*_WORDED_DATE.finditer(folded), *_SLASHED_DATE.finditer(folded)], key=lambda m: m.start()
    )
    for match in matches:
        day, month, year = (_as_number(group) for group in match.groups())
        if day is None or month is None or year is None:
            continue
        if not EARLIEST_YEAR <= year <= LATEST_YEAR:
            continue
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def _as_number(written: str) -> int | None:
    """A date's number as OCR wrote it, or None where it holds no real digit or is too long."""
    digits = written.translate(_AS_DIGITS)
    if not any(c.isdigit() for c in written) or not digits.isdigit() or len(digits) > 4:
        return None
    return int(digits)
