"""Polling-station polygons (BV contours) in any vector format, any CRS.

Identifiers are normalised from the forms met in practice: ``codeBureauVote``
(``93010_0001``), ``id_bv`` / ``bureau`` (``93010_1``), ``DEPCO`` + ``BVOTE``,
``codeCommune`` + ``numeroBureauVote``… Each import is one boundary version
(a ``station_set``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.geo_mapping import GeoMapping
from dashboard.ingest.ids import (
    PLM_CITIES, arrondissement_code, arrondissement_of_commune, city_code, make_station_id, normalize_bv_code,
    normalize_commune_code, parse_station_ref, station_arrondissement,
)
from dashboard.ingest.report import ImportReport
from dashboard.ingest.vectors import merge_parts, pick_column, read_polygons

REF_COLUMNS = ("codeBureauVote", "id_bv", "bureau", "id_brut_miom", "id_brut_bv_reu", "id_brut_insee", "code_bv", "id_bureau", "ref_bv")
COMMUNE_COLUMNS = ("codeCommune", "DEPCO", "insee", "INSEE_COM", "CODE_COM", "code_commune", "com_code", "codgeo", "code_insee", "DEPCOM")
NUMBER_COLUMNS = ("numeroBureauVote", "BVOTE", "num_bv", "numero_bv", "numero_bureau", "num_bureau", "NUM_BUREAU", "bv", "numero", "code")
NAME_COLUMNS = ("TITRE", "LLIEU", "libelle_bv", "lib_bv", "nom_bv", "libelle", "libelle_reu", "name", "nom")
COMMUNE_NAME_COLUMNS = ("nomCommune", "NOM_COM", "nom_commune", "LIBCOM", "libelle_commune")


@dataclass
class ParsedStations:
    """Normalised BV polygons of one boundary version (EPSG:4326)."""

    set_id: str
    label: str
    valid_from: date | None
    valid_to: date | None
    frame: gpd.GeoDataFrame  # station_id, commune_code, bv_code, name, n_parts, geometry
    report: ImportReport
    commune_names: dict[str, str] = field(default_factory=dict)


def slugify(text: str) -> str:
    """``"Contours 2022 (démo)"`` → ``"contours-2022-demo"``."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^0-9a-zA-Z]+", "-", text.lower()).strip("-")
    return text[:60] or "contours"


_COMMUNE_ONLY = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def _ref_id(value: object, commune: str | None = None) -> str | None:
    """A station id from a field holding a full id; a bare commune code is the commune's only bureau.

    ``commune``, when known (constant or column), reads a plain bureau number and is never
    prefixed to a value that already names it (``"75056_101"`` stays ``75056_101``).
    """
    parts = parse_station_ref(value)
    if parts is not None and (commune is None or city_code(parts[0]) == city_code(commune)):
        return make_station_id(*parts)
    text = str(value).strip().upper() if value is not None else ""
    if commune is None:
        # Cartelec writes a single-bureau commune by its code alone ("2A001"): bureau 1.
        return make_station_id(text, "1") if _COMMUNE_ONLY.match(text) else None
    bv = normalize_bv_code(value)
    return make_station_id(commune, bv) if bv else None


def _commune_values(frame: pd.DataFrame, column: str | None, constant: str | None, path: Path) -> pd.Series | None:
    if constant is not None:
        code = normalize_commune_code(constant)
        if code is None:
            raise ImportRejected(f"commune « {constant} » de la correspondance : un code INSEE à 5 caractères est attendu", file=path)
        return pd.Series([code] * len(frame), index=frame.index, dtype=object)
    if column is None:
        return None
    return frame[column].map(lambda v: normalize_commune_code(v) if v is not None and str(v).strip() else None)


def _field(frame: pd.DataFrame, name: str, path: Path, source: str | None) -> str:
    found = pick_column(frame.columns, name)
    if found is None:
        where = f" de la correspondance {source}" if source else ""
        raise ImportRejected(
            f"colonne « {name} »{where} absente ; colonnes : {', '.join(str(c) for c in frame.columns if c != 'geometry')}", file=path
        )
    return found


def _pattern_ids(frame: pd.DataFrame, mapping: GeoMapping, communes: pd.Series | None, path: Path) -> pd.Series:
    """Station ids read with ``[pattern]``: groups bureau, and commune or arrondissement."""
    assert mapping.pattern is not None and mapping.pattern_column is not None
    column = _field(frame, mapping.pattern_column, path, mapping.source)
    out = []
    for position, value in enumerate(frame[column]):
        match = mapping.pattern.fullmatch(str(value).strip()) if value is not None else None
        if match is None:
            out.append(None)
            continue
        groups = match.groupdict()
        commune = normalize_commune_code(groups["commune"]) if groups.get("commune") else (
            communes.iat[position] if communes is not None else None
        )
        bureau = normalize_bv_code(groups["bureau"])
        if commune and groups.get("arrondissement"):
            if commune not in PLM_CITIES and arrondissement_of_commune(commune) is None:
                raise ImportRejected(
                    f"le groupe arrondissement de [pattern] ne vaut que pour Paris, Lyon ou Marseille (commune {commune})", file=path
                )
            city = city_code(commune)
            number = int(groups["arrondissement"])
            commune = arrondissement_code(city, number) if 1 <= number <= PLM_CITIES[city][1] else None
        out.append(make_station_id(commune, bureau) if commune and bureau else None)
    return pd.Series(out, index=frame.index, dtype=object)


def _station_ids(frame: pd.DataFrame, mapping: GeoMapping, path: Path) -> tuple[pd.Series, str]:
    """Normalised station ids and a French description of where they came from."""
    columns = mapping.columns
    commune_col = _field(frame, columns["commune"], path, mapping.source) if "commune" in columns else None
    communes = _commune_values(frame, commune_col, mapping.commune, path)
    commune_origin = f"commune {mapping.commune}" if mapping.commune else commune_col
    if mapping.pattern is not None:
        ids = _pattern_ids(frame, mapping, communes, path)
        return ids, f"{mapping.pattern_column} (motif{' + ' + commune_origin if commune_origin else ''})"
    if "station" in columns:
        ref = _field(frame, columns["station"], path, mapping.source)
        if communes is None:
            return frame[ref].map(_ref_id), ref
        ids = [_ref_id(v, c) if c else None for v, c in zip(frame[ref], communes)]
        return pd.Series(ids, index=frame.index, dtype=object), f"{commune_origin} + {ref}"
    if commune_col is None and communes is None:
        commune_col = pick_column(frame.columns, *COMMUNE_COLUMNS)
        communes = _commune_values(frame, commune_col, None, path)
        commune_origin = commune_col
    number_col = _field(frame, columns["bv"], path, mapping.source) if "bv" in columns else pick_column(frame.columns, *NUMBER_COLUMNS)
    if not columns and mapping.commune is None:
        for name in REF_COLUMNS:
            col = pick_column(frame.columns, name)
            if col is None:
                continue
            ids = frame[col].map(_ref_id)
            if ids.notna().mean() >= 0.9:
                return ids, col
    if communes is not None and number_col:
        ids = [
            _ref_id(b, c) if c and b is not None and str(b).strip() else None
            for c, b in zip(communes, frame[number_col])
        ]
        return pd.Series(ids, index=frame.index, dtype=object), f"{commune_origin} + {number_col}"
    raise ImportRejected(
        "identifiant de bureau introuvable : attendu une colonne comme codeBureauVote / id_bv / bureau "
        "(« 93010_0001 »), ou un code commune (codeCommune, DEPCO, insee…) et un numéro (numeroBureauVote, BVOTE…). "
        f"Colonnes trouvées : {', '.join(str(c) for c in frame.columns if c != 'geometry')}. "
        "Sinon, décrivez-les dans un fichier --mapping ([columns] station = \"…\", ou commune = \"…\" et bv = \"…\", "
        "ou une commune constante : commune = \"31555\" ; exemples dans docs/mappings/).",
        file=path,
    )


def _names(frame: pd.DataFrame, columns: dict[str, str], commune_names: pd.Series | None) -> pd.Series:
    """BV names: the first usable name column, gaps filled from the next ones."""
    candidates = [pick_column(frame.columns, columns["name"])] if "name" in columns else [c for c in (pick_column(frame.columns, n) for n in NAME_COLUMNS) if c]
    out = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for col in dict.fromkeys(candidates):
        names = frame[col].astype("string").str.strip()
        # REU/OSM contours put the commune's name in "nom": not a BV name.
        if commune_names is not None and (names == commune_names.astype("string")).mean() > 0.5:
            continue
        if names.nunique(dropna=True) <= 1 and len(frame) > 1:
            continue
        usable = names.notna() & (names != "")
        out = out.where(out.notna() | ~usable, names.astype(object))
    return out


def read_stations(
    path: Path,
    *,
    label: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    crs: str | None = None,
    layer: str | None = None,
    columns: dict[str, str] | None = None,
    mapping: GeoMapping | None = None,
    skip_invalid: bool = False,
) -> ParsedStations:
    """Parse a BV polygon file into one boundary version (nothing is written).

    ``mapping`` (or the older ``columns``) names the fields; ``skip_invalid`` leaves out
    the features without a polygon or a readable id and lists them in the report.
    """
    path = Path(path)
    mapping = mapping or GeoMapping("stations")
    if columns:
        mapping = replace(mapping, columns={**mapping.columns, **columns})

    def score(cols: pd.Index) -> int:
        return 2 * bool(pick_column(cols, *REF_COLUMNS)) + bool(pick_column(cols, *NUMBER_COLUMNS))

    vector = read_polygons(path, layer=layer, crs=crs or mapping.crs, choose_layer=score, skip_invalid=skip_invalid)
    frame = vector.frame
    report = ImportReport(kind="stations", file=path.name, format=f"contours de bureaux ({vector.source_crs})")
    report.rows_read = len(frame) + sum(len(n) for _, n in vector.skipped)
    for reason, numbers in vector.skipped:
        report.skip(reason, numbers, limit=None)
    if "name" in mapping.columns:
        _field(frame, mapping.columns["name"], path, mapping.source)
    ids, origin = _station_ids(frame, mapping, path)
    bad = ids.isna().to_numpy()
    if bad.any():
        first = int(bad.nonzero()[0][0])
        shown = frame.iloc[first].get(origin.split(" ")[0], "")
        reason = f"identifiant de bureau illisible dans {origin}"
        if not skip_invalid:
            raise ImportRejected(
                f"{reason} : « {shown} » ({int(bad.sum())} entité(s)). Pour importer les autres et lister "
                "celles-ci dans le rapport, relancez avec --skip-invalid ; ou décrivez les colonnes dans un fichier --mapping",
                file=path, line=int(vector.features[first]), column=origin, feature=True,
            )
        report.skip(reason, vector.features[bad].tolist(), limit=None)
        frame, ids = frame[~bad], ids[~bad]
    commune_name_col = pick_column(frame.columns, *COMMUNE_NAME_COLUMNS)
    commune_names = frame[commune_name_col] if commune_name_col else None
    frame = gpd.GeoDataFrame(
        {
            "station_id": ids.to_numpy(),
            "name": _names(frame, mapping.columns, commune_names).to_numpy(),
            "commune_name": (commune_names.astype(object).to_numpy() if commune_names is not None else None),
        },
        geometry=frame.geometry.to_numpy(),
        crs=4326,
    )
    merged = merge_parts(frame, "station_id")
    multi = int((merged["n_parts"] > 1).sum())
    merged["commune_code"] = merged["station_id"].str.split("_").str[0]
    merged["bv_code"] = merged["station_id"].str.split("_").str[1]
    merged = merged.sort_values(["commune_code", "bv_code"], key=lambda s: s.str.zfill(8)).reset_index(drop=True)
    label = label or path.stem
    set_id = slugify(label)
    report.rows_imported = len(frame)
    report.details["identifiants"] = f"lus dans {origin}"
    report.details["bureaux"] = len(merged)
    report.details["communes"] = ", ".join(sorted(merged["commune_code"].unique())[:20]) + ("…" if merged["commune_code"].nunique() > 20 else "")
    plm = sorted({c for c in merged["commune_code"] if c in PLM_CITIES})
    if plm:
        report.details["arrondissements"] = " ; ".join(
            f"{c} : {merged.loc[merged['commune_code'] == c, 'station_id'].map(station_arrondissement).nunique()}" for c in plm
        )
    report.details["version de contours"] = f"{set_id} ({label})"
    if mapping.source:
        report.details["correspondance"] = mapping.source
    if multi:
        report.details["bureaux en plusieurs morceaux"] = f"{multi} (parties fusionnées)"
    if vector.repaired:
        report.warn(f"{len(vector.repaired)} géométrie(s) invalide(s) réparée(s) (entités {', '.join(map(str, vector.repaired[:10]))}{'…' if len(vector.repaired) > 10 else ''})")
    for warning in vector.warnings:
        report.warn(warning)
    lost = int(merged["name"].astype("string").str.contains("\ufffd", regex=False).fillna(False).sum())
    if lost:
        report.warn(f"{lost} nom(s) de bureau avec des caractères perdus (�) dans le fichier source : accents irrécupérables")
    names = {}
    if commune_names is not None:
        pairs = merged.dropna(subset=["commune_name"]).drop_duplicates("commune_code")
        names = dict(zip(pairs["commune_code"], pairs["commune_name"].astype(str)))
    return ParsedStations(set_id, label, valid_from, valid_to, merged[["station_id", "commune_code", "bv_code", "name", "n_parts", "geometry"]], report, names)
