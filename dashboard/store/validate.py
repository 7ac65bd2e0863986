"""Validators shared by the campaign store's modules: free text, dates, station and address ids, geometries.

Each returns the cleaned value or raises an :class:`~dashboard.errors.IsoloirError`
(a :class:`~dashboard.store.errors.ZoneError` for the zone-shaped values) with
a French message naming the field.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from dashboard.errors import IsoloirError
from dashboard.ingest.ids import normalize_station_ref
from dashboard.privacy.identity import parse_date
from dashboard.store.errors import ZoneError

MAX_GEOMETRY_BYTES = 5_000_000
MAX_ADDRESS_ID = 200


def clean_text(value: object, what: str, max_length: int, *, required: bool = True) -> str | None:
    """Text without control or format characters, whitespace collapsed, NFC; French error if empty or too long.

    ``what`` names the field in the message ("le nom de la zone"). Returns None
    for an empty optional value.
    """
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    text = "".join(" " if ch in "\t\n\r\v\f" else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    text = " ".join(text.split())
    if not text:
        if required:
            raise IsoloirError(f"{what} est obligatoire")
        return None
    if len(text) > max_length:
        raise IsoloirError(f"{what} est trop long : {max_length} caractères au plus")
    return text



def clean_station_id(value: object) -> str:
    station = normalize_station_ref(value) if value is not None and len(str(value)) <= 40 else None
    if station is None:
        raise ZoneError(f"identifiant de bureau de vote invalide : « {str(value)[:40]} » (attendu : code commune_numéro, ex. 45999_12)")
    return station



def station_sort_key(station_id: str) -> tuple[str, int, int, str]:
    commune, _, bv = station_id.partition("_")
    return (commune, 0, int(bv), "") if bv.isdigit() else (commune, 1, 0, bv)



def clean_date(value: object, what: str) -> date | None:
    """A date from a ``date`` (or ``datetime``), an ISO or ``dd/mm/yyyy`` string (``privacy.identity.parse_date``), or None."""
    try:
        return parse_date(value)
    except ValueError:
        raise IsoloirError(f"{what} invalide : « {str(value).strip()[:40]} » (attendu : AAAA-MM-JJ ou JJ/MM/AAAA)") from None



def clean_geometry(geometry_wkb: object, *, what: str = "géométrie", polygons_only: bool = True,
                   error: type[ZoneError] = ZoneError) -> bytes | None:
    """Checked WKB within lon/lat bounds, or None: a non-empty (multi)polygon (``polygons_only``) or any
    non-empty geometry. Refusals are ``error`` with a French message starting with ``what``."""
    if geometry_wkb is None:
        return None
    if isinstance(geometry_wkb, (bytearray, memoryview)):
        geometry_wkb = bytes(geometry_wkb)
    if not isinstance(geometry_wkb, bytes):
        raise error(f"{what} invalide : WKB (octets) attendu")
    if len(geometry_wkb) > MAX_GEOMETRY_BYTES:
        raise error(f"{what} trop lourde : {MAX_GEOMETRY_BYTES // 1_000_000} Mo au plus")
    import shapely  # lazy: the store does not need shapely until a geometry is written

    try:
        geometry = shapely.from_wkb(geometry_wkb)
    except Exception:  # noqa: BLE001 - shapely raises GEOSException and others on garbage
        raise error(f"{what} illisible : WKB invalide") from None
    if geometry is None or geometry.is_empty:
        raise error(f"{what} invalide : un polygone (ou multipolygone) non vide est attendu" if polygons_only
                    else f"{what} vide")
    if polygons_only and geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise error(f"{what} invalide : un polygone (ou multipolygone) non vide est attendu")
    min_x, min_y, max_x, max_y = geometry.bounds
    if not (-180 <= min_x <= max_x <= 180 and -90 <= min_y <= max_y <= 90):
        raise error(f"{what} hors limites : coordonnées longitude/latitude (WGS84) attendues")
    return geometry_wkb



def clean_address_id(value: object) -> tuple[str, str | None]:
    """``(address_id, station_id)``: the id as given (stripped), the station of its ``@<station_id>`` part or None.

    Refuses (French) an empty, too long or non-text id, or one holding control characters.
    """
    if not isinstance(value, str):
        raise ZoneError(f"identifiant d'adresse invalide : « {str(value)[:40]} » (texte attendu)")
    text = value.strip()
    if not text or len(text) > MAX_ADDRESS_ID or any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise ZoneError(f"identifiant d'adresse invalide : « {text[:40]} »")
    _, at, suffix = text.rpartition("@")
    station = normalize_station_ref(suffix) if at and len(suffix) <= 40 else None
    return text, station
