"""Normalisation of commune codes and polling-station (BV) identifiers.

The warehouse key of a station is ``station_id`` = INSEE commune code + ``_`` +
BV code without leading zeros (``"93010_1"``). Official files spell these in
many ways: ``"93010_0001"``, ``"10"`` + département ``"93"``, ``"BV1"``,
``1.0``… Every function here is pure and idempotent.
"""

from __future__ import annotations

import re

# Ministry files (2017-2022) write overseas départements with letter codes and
# give the commune number on 3 digits: INSEE code = "97" / "98" + that number.
_OVERSEAS_DEP = {
    "ZA": "97", "ZB": "97", "ZC": "97", "ZD": "97", "ZM": "97", "ZS": "97",
    "ZX": "97", "ZN": "98", "ZP": "98", "ZW": "98",
}
_COMMUNE_RE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
_BV_PREFIX_RE = re.compile(r"^(?:BV|BUREAU(?:\s+DE\s+VOTE)?|B\.?V\.?|N°|NO)\s*[-.:#]?\s*", re.IGNORECASE)
_FLOAT_INT_RE = re.compile(r"^(\d+)[.,]0+$")


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\u00a0", " ").strip().strip('"').strip()
    match = _FLOAT_INT_RE.match(text)
    return match.group(1) if match else text


def normalize_commune_code(code: object, departement: object | None = None) -> str | None:
    """Return the 5-character INSEE commune code, or ``None`` if it cannot be one.

    ``code`` may have lost its zero padding (``"1004"`` → ``"01004"``) or be the
    3-digit commune part of a ministry file, in which case ``departement`` gives
    the prefix (``("10", "93")`` → ``"93010"``, ``("101", "ZA")`` → ``"97101"``,
    ``("4", "2A")`` → ``"2A004"``).
    """
    text = _clean(code).upper()
    if not text:
        return None
    dep = _clean(departement).upper() if departement is not None else ""
    if _COMMUNE_RE.match(text):
        return text
    if dep and len(text) <= 3 and text.isdigit():
        if dep in _OVERSEAS_DEP:
            return _OVERSEAS_DEP[dep] + text.zfill(3)
        if dep.isdigit():
            dep = dep.zfill(2)
        if len(dep) == 3 and dep.startswith("97"):
            # "971" + "101" -> "97101" (the 3-digit part already carries the 1).
            return "97" + text.zfill(3)
        if len(dep) == 2:
            return dep + text.zfill(3)
        return None
    if text.isdigit() and len(text) == 4:
        return text.zfill(5)
    if len(text) == 4 and re.match(r"^[0-9]?2[AB]\d{3}$", text.zfill(5)):
        return text.zfill(5)
    return None


def normalize_bv_code(code: object) -> str | None:
    """Return the BV code without prefix nor leading zeros (``"0012"`` → ``"12"``).

    Letters are kept in upper case (``"01a"`` → ``"1A"``); ``None`` when empty.
    """
    text = _clean(code)
    text = _BV_PREFIX_RE.sub("", text).strip().upper().replace(" ", "")
    if not text:
        return None
    if not re.match(r"^[0-9A-Z._-]+$", text):
        return None
    stripped = text.lstrip("0")
    if not stripped or not stripped[0].isalnum():
        stripped = "0" + stripped
    return stripped


# Paris, Lyon and Marseille: one commune for the Ministry (75056, 69123, 13055), one INSEE
# code per arrondissement for IRIS, the COG and some city files (751xx, 6938x, 132xx).
PLM_CITIES = {"75056": ("751", 20, "Paris"), "69123": ("6938", 9, "Lyon"), "13055": ("132", 16, "Marseille")}
_ARRONDISSEMENT_CITY = {
    f"{prefix}{n:0{5 - len(prefix)}d}": (city, n) for city, (prefix, count, _) in PLM_CITIES.items() for n in range(1, count + 1)
}


def arrondissement_of_commune(code: str) -> tuple[str, int] | None:
    """``"75118"`` → ``("75056", 18)``; ``None`` for any code that is not a PLM arrondissement."""
    return _ARRONDISSEMENT_CITY.get(code)


def city_code(commune_code: str) -> str:
    """The canonical commune of a code: the city for a PLM arrondissement (``"13201"`` → ``"13055"``)."""
    found = _ARRONDISSEMENT_CITY.get(commune_code)
    return found[0] if found else commune_code


def arrondissement_code(city: str, number: int) -> str:
    """``("69123", 3)`` → ``"69383"``: the INSEE code of arrondissement ``number`` of ``city``."""
    prefix = PLM_CITIES[city][0]
    return f"{prefix}{number:0{5 - len(prefix)}d}"


def station_arrondissement(station_id: str) -> str | None:
    """INSEE code of the arrondissement of a canonical PLM station (``"75056_1820"`` → ``"75118"``)."""
    commune, _, bv = station_id.partition("_")
    if commune not in PLM_CITIES:
        return None
    digits = re.match(r"^(\d{3,4})", bv)
    if digits is None:
        return None
    number = int(digits.group(1)) // 100
    return arrondissement_code(commune, number) if 1 <= number <= PLM_CITIES[commune][1] else None


def make_station_id(commune_code: str, bv_code: str) -> str:
    """``("93010", "1")`` → ``"93010_1"`` (both parts already normalised).

    A PLM arrondissement becomes its city and the arrondissement number goes in front of
    the bureau's two digits, as in Ministry files (``("75118", "20")`` → ``"75056_1820"``);
    a bureau that already carries it is kept (``("75118", "1820")`` → ``"75056_1820"``).
    """
    found = _ARRONDISSEMENT_CITY.get(commune_code)
    if found is None:
        return f"{commune_code}_{bv_code}"
    city, number = found
    digits = re.match(r"^(\d+)(.*)$", bv_code)
    if digits and len(digits.group(1)) >= 3 and int(digits.group(1)) // 100 == number:
        return f"{city}_{bv_code}"
    if digits:
        return f"{city}_{number}{int(digits.group(1)):02d}{digits.group(2)}"
    return f"{city}_{number}{bv_code}"


def parse_station_ref(ref: object) -> tuple[str, str] | None:
    """Split a full station reference (``"93010_0001"``, ``"93010_1"``,
    ``"93010-12"``, ``"930100012"``) into normalised (commune, BV) parts."""
    text = _clean(ref).upper()
    match = re.match(r"^(\d{5}|2[AB]\d{3})\s*[_\-/ ]\s*([0-9A-Z]+)$", text)
    if match is None:
        match = re.match(r"^(\d{5}|2[AB]\d{3})(\d{4})$", text)
    if match is None:
        return None
    commune = normalize_commune_code(match.group(1))
    bv = normalize_bv_code(match.group(2))
    if commune is None or bv is None:
        return None
    return commune, bv


def normalize_station_ref(ref: object) -> str | None:
    """A full station reference in any accepted form → ``station_id``."""
    parts = parse_station_ref(ref)
    return make_station_id(*parts) if parts else None


def normalize_iris_code(code: object) -> str | None:
    """INSEE IRIS code on 9 characters (``"10040000"`` → ``"010040000"``)."""
    text = _clean(code).upper()
    if not text:
        return None
    if text.isdigit() and len(text) <= 9:
        text = text.zfill(9)
    if re.match(r"^(?:\d{9}|2[AB]\d{7})$", text):
        return text
    return None
