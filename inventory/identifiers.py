"""Identifiers of the inventory, validated by their published rules (see fixtures and
../shared/reference/domain-facts.md §6):

* CAS Registry Number — 2–7 digits, 2 digits, 1 check digit; the check digit is the sum of each other
  digit times its position counted from the right, modulo 10. Input may come without hyphens, with
  full-width digits, spaces or other dash characters: it is normalised, not refused.
* EC number — NNN-NNN-R; R is the sum of the first six digits times their position (1…6), modulo 11.
* 统一社会信用代码 (GB 32100-2015) — 18 characters from 0-9 and A–Y without I, O, Z, S, V; the last
  is a mod-31 check character with weights 3^(i-1) mod 31. Some early codes, legally valid, fail the
  check: they are accepted only as a warning that a person overrides explicitly.

Every function takes what a person typed and returns the canonical form, or raises ValidationError
with a message that names the value and says what is wrong."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DASHES = "‐‑‒–—―－﹣−"
_DASH_RE = re.compile(f"[{DASHES}]")
_SPACE_RE = re.compile(r"\s+")


def _plain(value: str) -> str:
    """Full-width → half-width (NFKC), every dash → '-', no spaces."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = _DASH_RE.sub("-", text)
    return _SPACE_RE.sub("", text)


# ---------------------------------------------------------------- CAS RN

CAS_RE = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")


def cas_check_digit(body: str) -> int:
    """The check digit for the digits before it (without hyphens)."""
    return sum(int(d) * i for i, d in enumerate(reversed(body), start=1)) % 10


@lru_cache(maxsize=65536)
def _cas_cached(value: str) -> str:
    return _cas_normalise(value)


def cas_normalise(value: str) -> str:
    """See _cas_normalise; valid values are remembered (a file repeats the same CAS many times)."""
    return _cas_cached(str(value or ""))


def _cas_normalise(value: str) -> str:
    """'75-09-2', '75092', '７５－０９－２', ' 75 - 09 - 2 ' → '75-09-2'; wrong check digit or shape →
    ValidationError naming the correct one."""
    raw = str(value or "").strip()
    text = _plain(raw)
    if not text:
        raise ValidationError(_("The CAS number is empty."), code="cas_empty")
    if re.fullmatch(r"\d{5,10}", text):
        text = f"{text[:-3]}-{text[-3:-1]}-{text[-1]}"
    match = CAS_RE.match(text)
    if not match:
        raise ValidationError(
            _("CAS number %(value)s is not in the form 1234567-12-1 (2–7 digits, 2 digits, 1 check digit).")
            % {"value": raw}, code="cas_format")
    first, second, check = match.groups()
    first = first.lstrip("0") or "0"
    if len(first) < 2:
        first = first.zfill(2)
    expected = cas_check_digit(first + second)
    if expected != int(check):
        raise ValidationError(
            _("CAS number %(value)s has a wrong check digit; it should be %(fixed)s.")
            % {"value": raw, "fixed": f"{first}-{second}-{expected}"}, code="cas_check")
    return f"{first}-{second}-{check}"


def cas_is_valid(value: str) -> bool:
    try:
        cas_normalise(value)
    except ValidationError:
        return False
    return True


# ---------------------------------------------------------------- EC number

EC_RE = re.compile(r"^(\d{3})-?(\d{3})-?(\d)$")


def ec_normalise(value: str) -> str:
    raw = str(value or "").strip()
    match = EC_RE.match(_plain(raw))
    if not match:
        raise ValidationError(_("EC number %(value)s is not in the form 200-001-8.") % {"value": raw}, code="ec_format")
    digits = match.group(1) + match.group(2)
    expected = sum(int(d) * i for i, d in enumerate(digits, start=1)) % 11
    if expected == 10 or expected != int(match.group(3)):
        raise ValidationError(_("EC number %(value)s has a wrong check digit.") % {"value": raw}, code="ec_check")
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}"


# ---------------------------------------------------------------- 统一社会信用代码

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
USCC_FORBIDDEN = set("IOZSV")
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


@dataclass(frozen=True)
class CreditCode:
    value: str
    check_ok: bool  # False: a legacy code failing the mod-31 check, acceptable only by explicit override

    @property
    def expected_check(self) -> str:
        return uscc_check_char(self.value[:17])


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


@lru_cache(maxsize=65536)
def _uscc_cached(value: str) -> CreditCode:
    return _uscc_parse(value)


def uscc_parse(value: str) -> CreditCode:
    """See _uscc_parse; valid values are remembered (a file repeats the same code many times)."""
    return _uscc_cached(str(value or ""))


def _uscc_parse(value: str) -> CreditCode:
    """Canonical upper-case code, and whether its check character is right. Raises ValidationError for
    a wrong length, a forbidden letter (I O Z S V) or a character outside the set — never for the
    check character alone (see CreditCode.check_ok)."""
    raw = str(value or "").strip()
    text = _plain(raw).upper()
    if len(text) != 18:
        raise ValidationError(_("Unified social credit code %(value)s has %(n)d characters; it must have 18.")
                              % {"value": raw, "n": len(text)}, code="uscc_length")
    bad = sorted({c for c in text if c in USCC_FORBIDDEN})
    if bad:
        raise ValidationError(
            _("Unified social credit code %(value)s contains %(letters)s; the letters I, O, Z, S and V are never "
              "used (did you mean 1, 0, 2, 5 or U?).") % {"value": raw, "letters": "、".join(bad)},
            code="uscc_letters")
    if not USCC_RE.match(text):
        raise ValidationError(
            _("Unified social credit code %(value)s: positions 3–8 must be digits (the region code) and the other "
              "positions digits or the capital letters allowed by GB 32100.") % {"value": raw},
            code="uscc_chars")
    return CreditCode(text, uscc_check_char(text[:17]) == text[17])


def uscc_normalise(value: str, *, allow_legacy: bool = False) -> str:
    """The canonical code; a failing check character is an error unless `allow_legacy` (an explicit,
    audited override by a person)."""
    code = uscc_parse(value)
    if not code.check_ok and not allow_legacy:
        raise ValidationError(
            _("Unified social credit code %(value)s fails its check (the last character should be %(expected)s). "
              "Some early codes are valid nevertheless: confirm it explicitly to keep it.")
            % {"value": code.value, "expected": code.expected_check}, code="uscc_check")
    return code.value
