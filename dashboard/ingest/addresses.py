"""INSEE REU: ``table-adresses-reu`` (electors' addresses, geocoded) and ``table-bv-reu`` (polling places)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.ids import city_code, normalize_commune_code, normalize_station_ref
from dashboard.ingest.numbers import parse_count, parse_decimal
from dashboard.ingest.report import ImportReport
from dashboard.ingest.tables import RawTable, find_column, read_table, refuse_duplicates

_ADDRESS_RE = r"^(?P<housenumber>\d+(?:\s?(?:bis|ter|quater|[a-zA-Z]))?)\s+(?P<street>.+?)\s+(?P<postcode>\d{5})\s+(?P<city>.+)$"


@dataclass
class ParsedAddresses:
    """``frame``: address_id (BAN id @ station), ban_id, commune_code, station_id, label, housenumber, street, postcode, city, lon, lat, geo_type, geo_score, n_addresses."""

    frame: pd.DataFrame
    report: ImportReport


@dataclass
class ParsedReuStations:
    """``frame``: station_id, commune_code, bv_code, name, place_address, n_addresses."""

    frame: pd.DataFrame
    report: ImportReport


def _text(table: RawTable, index: int | None) -> pd.Series:
    if index is None:
        return pd.Series([None] * len(table.cells), index=table.cells.index, dtype=object)
    return table.cells[index].astype(str).str.strip().replace("", None)


def _station_refs(table: RawTable, column: int) -> pd.Series:
    raw = table.cells[column].astype(str).str.strip()
    unique = pd.Series(raw.unique())
    mapping = dict(zip(unique, unique.map(normalize_station_ref)))
    return raw.map(mapping)


def _address_columns(table: RawTable) -> tuple[int, int, int, int]:
    """The required columns of a REU address table (id, station, longitude, latitude), or a French refusal."""
    id_col = find_column(table, "id", "id_adresse", required=True, what="identifiant d'adresse")
    bv_col = find_column(table, "id_brut_bv_reu", "id_brut_miom", "code_bv", required=True, what="bureau de vote (93010_1)")
    lon_col = find_column(table, "longitude", "lon", "x", required=True)
    lat_col = find_column(table, "latitude", "lat", "y", required=True)
    assert id_col is not None and bv_col is not None and lon_col is not None and lat_col is not None
    return id_col, bv_col, lon_col, lat_col


def read_addresses(path: Path) -> ParsedAddresses:
    """Parse a REU address table; addresses without coordinates are skipped and counted."""
    path = Path(path)
    table = read_table(path, check=_address_columns)  # a table of another kind is refused from its first rows
    report = ImportReport(kind="addresses", file=path.name, format="REU table-adresses", rows_read=len(table.cells))
    id_col, bv_col, lon_col, lat_col = _address_columns(table)
    label_col = find_column(table, "geo_adresse", "adresse", "label")
    commune_col = find_column(table, "code_commune_ref", "code_commune", "code_insee")
    assert id_col is not None and bv_col is not None and lon_col is not None and lat_col is not None

    station = _station_refs(table, bv_col)
    bad = station.isna()
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise ImportRejected(f"bureau de vote illisible « {table.cells.iat[first, bv_col]} »", file=path, line=int(table.lines[first]), column=table.label(bv_col))
    lon, bad_lon = parse_decimal(table.cells[lon_col])
    lat, bad_lat = parse_decimal(table.cells[lat_col])
    for values, bad_mask, col in ((lon, bad_lon, lon_col), (lat, bad_lat, lat_col)):
        if bad_mask.any():
            first = int(bad_mask.to_numpy().nonzero()[0][0])
            raise ImportRejected(f"coordonnée non numérique « {table.cells.iat[first, col]} »", file=path, line=int(table.lines[first]), column=table.label(col))
    out_of_range = lon.notna() & lat.notna() & ((lon.abs() > 180) | (lat.abs() > 90))
    if out_of_range.any():
        first = int(out_of_range.to_numpy().nonzero()[0][0])
        raise ImportRejected(
            "coordonnées hors de WGS84 (longitude/latitude attendues en degrés)", file=path, line=int(table.lines[first]), column=table.label(lon_col)
        )
    ids = _text(table, id_col)
    missing_id = ids.isna()
    if missing_id.any():
        first = int(missing_id.to_numpy().nonzero()[0][0])
        raise ImportRejected("identifiant d'adresse manquant", file=path, line=int(table.lines[first]), column=table.label(id_col))
    # One geocoded address can serve several polling stations (its electors are
    # split between them): the grain is (address, station).
    keys = ids + "@" + station
    refuse_duplicates(keys, table.lines, path, "adresse@bureau {key}", table.label(id_col))
    no_coords = lon.isna() | lat.isna()
    report.skip("adresse non géolocalisée (longitude/latitude vides)", table.lines[no_coords.to_numpy()].tolist())
    keep = ~no_coords

    labels = _text(table, label_col)
    parts = labels.astype("string").str.extract(_ADDRESS_RE)
    # A PLM arrondissement (75118) belongs to its city, like the canonical station ids.
    commune = _text(table, commune_col).map(lambda c: city_code(normalize_commune_code(c) or "") or None if c else None) if commune_col is not None else None
    station_commune = station.str.split("_").str[0]
    commune = station_commune if commune is None else commune.fillna(station_commune)
    n_col = find_column(table, "nb_adresses")
    n_addresses = parse_count(table.cells[n_col])[0] if n_col is not None else pd.Series(1, index=table.cells.index, dtype="Int64")
    score_col = find_column(table, "geo_score")
    frame = pd.DataFrame({
        "address_id": keys,
        "ban_id": ids,
        "commune_code": commune,
        "station_id": station,
        "label": labels,
        "housenumber": parts["housenumber"].astype(object),
        "street": parts["street"].astype(object),
        "postcode": parts["postcode"].astype(object),
        "city": parts["city"].astype(object),
        "lon": lon,
        "lat": lat,
        "geo_type": _text(table, find_column(table, "geo_type")),
        "geo_score": parse_decimal(table.cells[score_col])[0] if score_col is not None else np.nan,
        "n_addresses": n_addresses.fillna(1),
    })[keep.to_numpy()].reset_index(drop=True)
    report.rows_imported = len(frame)
    report.details["communes"] = ", ".join(sorted(frame["commune_code"].dropna().unique())[:20])
    report.details["bureaux"] = int(frame["station_id"].nunique())
    unparsed = int(frame["street"].isna().sum())
    if unparsed:
        report.warn(f"{unparsed} adresse(s) dont la rue n'a pas pu être lue dans le libellé")
    return ParsedAddresses(frame, report)


def read_reu_stations(path: Path) -> ParsedReuStations:
    """Parse the REU polling-station table (``table-bv-reu``): names and addresses of polling places."""
    path = Path(path)
    table = read_table(path)
    report = ImportReport(kind="reu-stations", file=path.name, format="REU table-bv-reu", rows_read=len(table.cells))
    ref_col = find_column(table, "id_brut_miom", "id_brut_reu", "id_brut_insee", required=True, what="identifiant du bureau")
    assert ref_col is not None
    station = _station_refs(table, ref_col)
    if station.isna().any():
        first = int(station.isna().to_numpy().nonzero()[0][0])
        raise ImportRejected(f"bureau illisible « {table.cells.iat[first, ref_col]} »", file=path, line=int(table.lines[first]), column=table.label(ref_col))
    refuse_duplicates(station, table.lines, path, "bureau {key}", table.label(ref_col))
    place = pd.concat(
        [_text(table, find_column(table, c)).fillna("") for c in ("num_voie_reu", "voie_reu", "cp_reu", "commune_reu")], axis=1
    ).agg(" ".join, axis=1).str.replace(r"\s+", " ", regex=True).str.strip()
    n_col = find_column(table, "nb_adresses_final", "nb_adresses")
    frame = pd.DataFrame({
        "station_id": station,
        "commune_code": station.str.split("_").str[0],
        "bv_code": station.str.split("_").str[1],
        "name": _text(table, find_column(table, "libelle_reu", "libelle")),
        "place_address": place.replace("", None),
        "n_addresses": parse_decimal(table.cells[n_col])[0].round().astype("Int64") if n_col is not None else pd.NA,
    })
    report.rows_imported = len(frame)
    report.details["bureaux"] = len(frame)
    return ParsedReuStations(frame, report)
