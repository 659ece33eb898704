"""Owns the value validators of opt-in sampling: does one value look like a NIR, an RPPS…?

Each validator takes one text value and answers True/False; nothing is kept. Ids
(:data:`VALIDATORS`) are what leaves sampling, with counts:

* ``nir``     French social-security number: 13 characters + 2-digit key, key = 97 − (number
  mod 97), Corsica's ``2A``/``2B`` department read as 19/18 for the key; sex digit 1–4
  (3/4: provisional numbers);
* ``ins``     the INS matricule (Identifiant National de Santé): a NIR, or an NIA (sex digit
  7/8) with the same key rule;
* ``rpps``    health professional (RPPS): 11 digits, Luhn check digit;
* ``finess``  establishment (FINESS): 9 digits, Luhn check digit;
* ``cim10``   ICD-10 (CIM-10) code shape: letter, two digits, optional dot and 1–4 more
  (``I21.0``, ``C50.9``, ``Z001``);
* ``ccam``    CCAM medical act code shape: four letters, three digits (``DZQM006``);
* ``email``   an e-mail address;
* ``phone_fr`` a French phone number (``01 23 45 67 89``, ``+33 6 12 34 56 78``, ``0033…``).
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"[\s.\-]")
_NIR = re.compile(r"^([1-478])(\d{2})(\d{2})(\d{2}|2[AB])(\d{6})(\d{2})$")
_CIM10 = re.compile(r"^[A-Z]\d{2}(?:\.?[0-9A-Z]{1,4})?\+?$")
_CCAM = re.compile(r"^[A-Z]{4}\d{3}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,253}\.[A-Za-z]{2,24}$")
_PHONE = re.compile(r"^(?:(?:\+|00)33\s?(?:\(0\)\s?)?|0)[1-9](?:[\s.\-]?\d{2}){4}$")


def _nir_parts(value: str):
    m = _NIR.match(_SPACES.sub("", value.strip().upper()))
    if m is None:
        return None
    sex, _year, month, dept, rest, key = m.groups()
    body = f"{sex}{_year}{month}{dept.replace('2A', '19').replace('2B', '18')}{rest}"
    if int(key) != 97 - int(body) % 97:
        return None
    return sex, month


def nir(value: str) -> bool:
    """A NIR with a valid key (sex digit 1–4)."""
    parts = _nir_parts(value)
    return parts is not None and parts[0] in "1234"


def ins(value: str) -> bool:
    """An INS matricule: a NIR or an NIA (sex digit 7/8), valid key."""
    parts = _nir_parts(value)
    return parts is not None and parts[0] in "1278"


def luhn(digits: str) -> bool:
    """The Luhn check over a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def rpps(value: str) -> bool:
    v = value.strip()
    return len(v) == 11 and v.isdigit() and v.isascii() and luhn(v)


def finess(value: str) -> bool:
    v = value.strip()
    return len(v) == 9 and v.isdigit() and v.isascii() and luhn(v)


def cim10(value: str) -> bool:
    return bool(_CIM10.match(value.strip()))


def ccam(value: str) -> bool:
    return bool(_CCAM.match(value.strip()))


def email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def phone_fr(value: str) -> bool:
    return bool(_PHONE.match(value.strip()))


VALIDATORS = {"nir": nir, "ins": ins, "rpps": rpps, "finess": finess, "cim10": cim10,
              "ccam": ccam, "email": email, "phone_fr": phone_fr}


_HAS_DIGIT = re.compile(r"\d")
_ORDER = {name: i for i, name in enumerate(VALIDATORS)}


def matches(value) -> list[str]:
    """Ids of the validators ``value`` passes (``None`` and over-long values pass none).

    The same answer as trying every validator in :data:`VALIDATORS` order, with the
    impossible ones skipped first (sampling may validate N rows × C columns values)."""
    if value is None:
        return []
    text = value if isinstance(value, str) else str(value)
    if not text or len(text) > 256:
        return []
    if "@" in text:                                   # only an e-mail address has one
        return ["email"] if email(text) else []
    if not _HAS_DIGIT.search(text):                   # every other validator needs a digit
        return []
    out = []
    stripped = text.strip()
    if 15 <= len(stripped) <= 32:                     # NIR / INS: 15 characters, maybe spaced
        parts = _nir_parts(stripped)
        if parts is not None:
            out += [name for name, ok in (("nir", parts[0] in "1234"), ("ins", parts[0] in "1278"))
                    if ok]
    if stripped.isdigit() and stripped.isascii() and len(stripped) in (9, 11) and luhn(stripped):
        out.append("rpps" if len(stripped) == 11 else "finess")
    if len(stripped) <= 10 and stripped[:1].isalpha():
        out += [name for name, check in (("cim10", cim10), ("ccam", ccam)) if check(stripped)]
    if 10 <= len(stripped) <= 24 and phone_fr(text):  # 0X XX XX XX XX … +33 (0)X XX XX XX XX
        out.append("phone_fr")
    return sorted(out, key=_ORDER.__getitem__) if len(out) > 1 else out
