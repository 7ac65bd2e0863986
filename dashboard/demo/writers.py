"""Writers for every demo file, in the layouts of the official publications.

Each writer takes the in-memory territory (Lambert-93) or election results and
writes one file with the column names, separators, encodings and number formats
of the real source (see ``/work/shared/data`` for samples). Output is
byte-for-byte reproducible: no timestamps (GeoPackage, DBF and XLSX dates are
pinned), stable row order.
"""

from __future__ import annotations

import io
import json
import zipfile
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from . import formats as fmt
from . import names
from .addresses import Addresses
from .elections import ElectionResult
from .geometry import L93, WGS84
from .territory import Territory, rng_for

PINNED_DATE = "2024-01-01"
PINNED_DATETIME = datetime(2024, 1, 1)
PINNED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# ----------------------------------------------------------------------------- headers

PRES_2022_FIXED = [
    "Code du département", "Libellé du département", "Code de la circonscription",
    "Libellé de la circonscription", "Code de la commune", "Libellé de la commune", "Code du b.vote",
    "Inscrits", "Abstentions", "% Abs/Ins", "Votants", "% Vot/Ins", "Blancs", "% Blancs/Ins",
    "% Blancs/Vot", "Nuls", "% Nuls/Ins", "% Nuls/Vot", "Exprimés", "% Exp/Ins", "% Exp/Vot",
]
PRES_2022_BLOCK = ["N°Panneau", "Sexe", "Nom", "Prénom", "Voix", "% Voix/Ins", "% Voix/Exp"]

MIN_2024_FIXED = [
    "Inscrits", "Votants", "% Votants", "Abstentions", "% Abstentions", "Exprimés",
    "% Exprimés/inscrits", "% Exprimés/votants", "Blancs", "% Blancs/inscrits", "% Blancs/votants",
    "Nuls", "% Nuls/inscrits", "% Nuls/votants",
]
LEG_2024_FIXED = (["Code département", "Libellé département", "Code commune", "Libellé commune", "Code BV"]
                  + MIN_2024_FIXED)
EURO_2024_FIXED = ["Code localisation", "Libellé localisation"] + LEG_2024_FIXED


def pres_2022_header(n_blocks: int) -> list[str]:
    return PRES_2022_FIXED + PRES_2022_BLOCK + [""] * (len(PRES_2022_BLOCK) * (n_blocks - 1))


def leg_2024_header(n_blocks: int) -> list[str]:
    out = list(LEG_2024_FIXED)
    for i in range(1, n_blocks + 1):
        out += [f"Numéro de panneau {i}", f"Nuance candidat {i}", f"Nom candidat {i}", f"Prénom candidat {i}",
                f"Sexe candidat {i}", f"Voix {i}", f"% Voix/inscrits {i}", f"% Voix/exprimés {i}", f"Elu {i}"]
    return out


def euro_2024_header(n_blocks: int) -> list[str]:
    out = list(EURO_2024_FIXED)
    for i in range(1, n_blocks + 1):
        out += [f"Numéro de panneau {i}", f"Nuance liste {i}", f"Libellé abrégé de liste {i}",
                f"Libellé de liste {i}", f"Voix {i}", f"% Voix/inscrits {i}", f"% Voix/exprimés {i}",
                f"Sièges {i}"]
    return out


IRIS_META = ["IRIS", "REG", "DEP", "UU2020", "COM", "LIBCOM", "TRIRIS", "GRD_QUART", "LIBIRIS", "TYP_IRIS",
             "MODIF_IRIS", "LAB_IRIS"]
IRIS_POPULATION_VARS = (["P21_POP", "P21_POP0014", "P21_POP1529", "P21_POP3044", "P21_POP4559", "P21_POP6074",
                         "P21_POP75P", "C21_POP15P"] + [f"C21_POP15P_CS{i}" for i in range(1, 9)])
IRIS_ACTIVITY_VARS = (["P21_POP1564", "P21_ACT1564", "P21_ACTOCC1564", "P21_CHOM1564", "P21_INACT1564",
                       "P21_ETUD1564", "C21_ACT1564"] + [f"C21_ACT1564_CS{i}" for i in range(1, 7)])
IRIS_HOUSING_VARS = ["P21_LOG", "P21_RP", "P21_MAISON", "P21_APPART", "P21_RP_PROP", "P21_RP_LOC",
                     "P21_RP_LOCHLMV"]
FILOSOFI_VARS = (["DISP_TP6021", "DISP_Q121", "DISP_MED21", "DISP_Q321", "DISP_EQ21"]
                 + [f"DISP_D{d}21" for d in (1, 2, 3, 4, 6, 7, 8, 9)]
                 + ["DISP_RD21", "DISP_S80S2021", "DISP_GI21", "DISP_PACT21", "DISP_PTSA21", "DISP_PCHO21",
                    "DISP_PBEN21", "DISP_PPEN21", "DISP_PPAT21", "DISP_PPSOC21", "DISP_PPFAM21",
                    "DISP_PPMINI21", "DISP_PPLOGT21", "DISP_PIMPOT21", "DISP_NOTE21"])
FILOSOFI_DECIMALS = {"DISP_TP6021": 1, "DISP_EQ21": 1, "DISP_RD21": 1, "DISP_S80S2021": 1, "DISP_GI21": 3,
                     "DISP_NOTE21": 0}
REU_BV_COLUMNS = ["id_brut_reu", "id_brut_insee", "code_commune", "code", "libelle_reu", "num_voie_reu",
                  "voie_reu", "cp_reu", "commune_reu", "nb_adresses_initial", "nb_adresses_final", "id_brut_miom"]
REU_ADDRESS_COLUMNS = ["code_commune_ref", "reconstitution_code_commune", "id_brut_bv_reu", "id", "geo_adresse",
                       "geo_type", "geo_score", "longitude", "latitude", "api_line", "nb_bv_commune",
                       "nb_adresses"]
ETALAB_COLUMNS = ["codeDepartement", "nomDepartement", "codeCirconscription", "nomCirconscription", "codeCommune",
                  "nomCommune", "numeroBureauVote", "codeBureauVote", "id_bv"]

# ----------------------------------------------------------------------------- low level


@contextmanager
def _pinned_gdal_dates() -> Iterator[None]:
    """GeoPackage ``last_change`` otherwise records the wall clock."""
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{PINNED_DATE}T00:00:00Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})


def _write_lines(path: Path, header: list[str], columns: list[np.ndarray], sep: str, encoding: str,
                 check: bool = True) -> None:
    """Delimited text, fields written as given: header, then one ``\\n``-terminated line per row.

    Rows are joined by ``str.join`` over ``zip`` of the columns (C-level, no
    Python code per row). Unquoted fields must not contain ``sep``.
    """
    cols = [c.tolist() if isinstance(c, np.ndarray) and c.dtype == object else np.asarray(c).astype(str).tolist()
            for c in columns]
    if check:
        for c, name in zip(cols, header):
            if any(sep in v for v in set(c)):
                raise ValueError(f"separator inside column {name!r}")
    with open(path, "w", encoding=encoding, newline="") as fh:
        fh.write(sep.join(header) + "\n")
        if cols and cols[0]:
            fh.write("\n".join(map(sep.join, zip(*cols))))
            fh.write("\n")


def _quoted(a: np.ndarray) -> np.ndarray:
    """R ``write.csv`` quoting of a text column (no embedded quotes expected)."""
    return np.strings.add(np.strings.add('"', np.asarray(a, dtype=str)), '"')


def _shortest(a: np.ndarray) -> list[str]:
    """Shortest round-trip decimal form of floats (``0.97``, ``2.480535``), like R and pandas."""
    return list(map(repr, np.asarray(a, dtype=float).tolist()))


def _geoframe(columns: dict[str, np.ndarray], geometry: np.ndarray, to_wgs84: bool) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame({k: pd.Series(np.asarray(v), dtype=object) for k, v in columns.items()},
                           geometry=gpd.GeoSeries(geometry, crs=L93))
    for k, v in columns.items():
        if np.asarray(v).dtype.kind in "iu":
            gdf[k] = np.asarray(v)
    return gdf.to_crs(WGS84) if to_wgs84 else gdf


def _write_vector(gdf: gpd.GeoDataFrame, path: Path, layer: str, *, promote: bool = False) -> None:
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        pyogrio.write_dataframe(gdf, path, driver="GeoJSON", layer=layer, promote_to_multi=promote,
                                layer_options={"COORDINATE_PRECISION": 6, "WRITE_BBOX": "NO"})
    elif suffix == ".gpkg":
        with _pinned_gdal_dates():
            pyogrio.write_dataframe(gdf, path, driver="GPKG", layer=layer, promote_to_multi=True,
                                    geometry_type="MultiPolygon")
    elif suffix == ".shp":
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", layer=layer, promote_to_multi=True,
                                geometry_type="MultiPolygon", encoding="UTF-8",
                                layer_options={"DBF_DATE_LAST_UPDATE": PINNED_DATE, "RESIZE": "YES"})
    else:  # pragma: no cover
        raise ValueError(f"unsupported vector format: {path}")


# ----------------------------------------------------------------------------- geographies


def write_communes(terr: Territory, path: Path) -> None:
    """IGN ADMIN EXPRESS ``COMMUNE`` style, EPSG:4326."""
    c = terr.communes
    gdf = _geoframe({"INSEE_COM": c.code, "NOM": c.name, "INSEE_DEP": c.dep, "POPULATION": c.population},
                    c.geometry, to_wgs84=True)
    _write_vector(gdf, path, "COMMUNE", promote=True)


def write_stations(terr: Territory, key: str, path: Path) -> None:
    """data.gouv "Proposition de contours des bureaux de vote" (Etalab) layout, EPSG:4326."""
    st = terr.stations[key]
    c = terr.communes
    code = c.code[st.commune]
    numero = fmt.zpad(st.number, 4)
    cols = {
        "codeDepartement": c.dep[st.commune],
        "nomDepartement": c.dep_name[st.commune],
        "codeCirconscription": terr.circos.code[st.circo],
        "nomCirconscription": terr.circos.name[st.circo],
        "codeCommune": code,
        "nomCommune": c.name[st.commune],
        "numeroBureauVote": numero,
        "codeBureauVote": np.strings.add(np.strings.add(code, "_"), numero),
        "id_bv": np.strings.add(np.strings.add(code, "_"), fmt.ints(st.number)),
    }
    order = np.argsort(cols["codeBureauVote"], kind="stable")
    gdf = _geoframe({k: v[order] for k, v in cols.items()}, st.geometry[order], to_wgs84=True)
    _write_vector(gdf, path, path.stem)


def write_iris_contours(terr: Territory, path: Path) -> None:
    """IGN CONTOURS-IRIS fields, Lambert-93 (shapefile with .prj and .cpg, or GeoPackage)."""
    ir = terr.iris
    c = terr.communes
    gdf = _geoframe({"INSEE_COM": c.code[ir.commune], "NOM_COM": c.name[ir.commune], "IRIS": ir.code4,
                     "CODE_IRIS": ir.code, "NOM_IRIS": ir.name, "TYP_IRIS": ir.typ}, ir.geometry, to_wgs84=False)
    _write_vector(gdf, path, "CONTOURS-IRIS")


# ----------------------------------------------------------------------------- INSEE tables


def _iris_meta(terr: Territory) -> list[np.ndarray]:
    ir = terr.iris
    c = terr.communes
    n = len(ir)
    return [ir.code, c.region[ir.commune], c.dep[ir.commune], c.uu[ir.commune], c.code[ir.commune],
            c.name[ir.commune], ir.triris, ir.grd_quart, ir.name, ir.typ, np.full(n, "0"), np.full(n, "1")]


def _insee_float(a: np.ndarray) -> np.ndarray:
    """INSEE base-ic numbers: decimal point, up to 15 significant digits."""
    return pd.Series(np.asarray(a, dtype=float)).map("{:.15g}".format).to_numpy(dtype=object)


def write_base_ic(terr: Territory, path: Path, variables: list[str]) -> None:
    cols = _iris_meta(terr) + [_insee_float(terr.indicators[v]) for v in variables]
    _write_lines(path, IRIS_META + variables, cols, ";", "utf-8")


def write_filosofi(terr: Territory, path: Path) -> None:
    """``BASE_TD_FILO_IRIS_2021_DISP`` layout: ``;``, UTF-8, decimal comma, ``ns`` where secret."""
    ind = terr.indicators
    secret = (ind["P21_RP"] < 200.0) | (ind["P21_POP"] < 500.0)
    cols = [terr.iris.code]
    for v in FILOSOFI_VARS:
        vals = terr.filosofi[v]
        dec = FILOSOFI_DECIMALS.get(v, 1)
        if v.startswith("DISP_Q") or v.startswith("DISP_D") or v == "DISP_MED21":
            s = (np.round(vals / 10.0) * 10).astype(np.int64).astype(str)
        else:
            s = fmt.decimal_comma(vals, dec)
        cols.append(np.where(secret, "ns", s))
    _write_lines(path, ["IRIS"] + FILOSOFI_VARS, cols, ";", "utf-8")


# ----------------------------------------------------------------------------- REU


def _places(terr: Territory, addr: Addresses, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Polling place name and street address for each 2024 bureau."""
    st = terr.stations["2024"]
    c = terr.communes
    n_places = int(st.place.max()) + 1
    place_commune = np.zeros(n_places, dtype=np.int64)
    place_commune[st.place] = st.commune
    first_bv = np.full(n_places, np.iinfo(np.int64).max)
    np.minimum.at(first_bv, st.place, st.number)
    rng = rng_for(seed, "places")
    rank = np.zeros(n_places, dtype=np.int64)
    order = np.lexsort((first_bv, place_commune))
    counts = np.bincount(place_commune, minlength=len(c))
    starts = np.cumsum(counts) - counts
    rank[order] = np.arange(n_places) - starts[place_commune[order]]
    n_combo = len(names.PLACE_KINDS) * len(names.PLACE_DEDICATIONS)
    idx, _ = names.distinct_indices(rank, place_commune, n_combo, rng, len(c))
    kind = names.pick(names.PLACE_KINDS, idx // len(names.PLACE_DEDICATIONS))
    ded = names.pick(names.PLACE_DEDICATIONS, idx % len(names.PLACE_DEDICATIONS))
    label = np.strings.add(np.strings.add(kind, " "), ded)
    label = np.where(first_bv == 1, "hotel de ville salle des fetes", label)
    label = np.where(counts[place_commune] == 1, "mairie", label)
    label = names.ascii_lower(label)
    # Address: the address closest to the centre of the place's bureaux.
    px = np.bincount(st.place, weights=st.cx, minlength=n_places) / np.bincount(st.place, minlength=n_places)
    py = np.bincount(st.place, weights=st.cy, minlength=n_places) / np.bincount(st.place, minlength=n_places)
    a_place = st.place[addr.bv]
    d = np.hypot(addr.x - px[a_place], addr.y - py[a_place])
    o = np.lexsort((d, a_place))
    _, first = np.unique(a_place[o], return_index=True)
    best = np.full(n_places, -1, dtype=np.int64)
    best[a_place[o][first]] = o[first]
    b = np.maximum(best, 0)
    street = names.ascii_upper(addr.street_names)[addr.street[b]]
    num = np.where(addr.is_street[b], "", np.strings.add(addr.number[b].astype(str), " "))
    voie = np.where(best >= 0, np.strings.add(num, street), "")
    return label[st.place], voie[st.place]


def write_reu_stations(terr: Territory, addr: Addresses, path: Path, seed: int) -> None:
    """INSEE REU ``table-bv-reu`` (one row per 2024 bureau), comma-separated, UTF-8."""
    st = terr.stations["2024"]
    c = terr.communes
    label, voie = _places(terr, addr, seed)
    code = c.code[st.commune]
    idb = np.strings.add(np.strings.add(code, "_"), fmt.ints(st.number))
    final = np.bincount(addr.bv, weights=addr.nb, minlength=len(st)).astype(np.int64)
    rng = rng_for(seed, "reu-stations")
    initial = final + np.where(rng.random(len(st)) < 0.6, 0, rng.integers(1, 6, len(st)))
    cols = [idb, idb, code, fmt.ints(st.number), label, np.full(len(st), ""), voie, c.postcode[st.commune],
            names.ascii_lower(c.name[st.commune]), np.strings.add(initial.astype(str), ".0"),
            np.strings.add(final.astype(str), ".0"),
            np.strings.add(np.strings.add(code, "_"), fmt.zpad(st.number, 4))]
    order = np.argsort(idb, kind="stable")
    _write_lines(path, REU_BV_COLUMNS, [np.asarray(col)[order] for col in cols], ",", "utf-8")


def _address_labels(terr: Territory, addr: Addresses) -> tuple[list[str], list[str]]:
    """REU ``id`` and ``geo_adresse`` of each address, built with C-level ``map`` (no numpy text copies)."""
    c = terr.communes
    code = c.code.astype(object)[addr.commune]
    street = addr.street_names.astype(object)[addr.street]
    scode = addr.street_codes.astype(object)[addr.street]
    tail = np.asarray(list(map("{} {}".format, c.postcode.tolist(), c.name.tolist())), dtype=object)[addr.commune]
    num = list(map(str, addr.number.tolist()))
    street_id = list(map("{}_{}".format, code, scode))
    ident_hn = np.asarray(list(map("{}_{:0>5}".format, street_id, num)), dtype=object)
    label_hn = np.asarray(list(map("{} {} {}".format, num, street, tail)), dtype=object)
    label_st = np.asarray(list(map("{} {}".format, street, tail)), dtype=object)
    ident = np.where(addr.is_street, np.asarray(street_id, dtype=object), ident_hn)
    label = np.where(addr.is_street, label_st, label_hn)
    return ident.tolist(), label.tolist()


def write_reu_addresses(terr: Territory, addr: Addresses, path: Path) -> None:
    """INSEE REU ``table-adresses-reu``: R-style quoting (strings quoted), comma-separated, UTF-8."""
    c = terr.communes
    st = terr.stations["2024"]
    nb_bv = np.bincount(st.commune, minlength=len(c))
    ident, label = _address_labels(terr, addr)
    bv_id = np.strings.add(np.strings.add(c.code[st.commune], "_"), st.number.astype(str))
    # File order: commune, bureau id (as text), address label (as text).
    bv_text_rank = np.empty(len(st), dtype=np.int64)
    bv_text_rank[np.argsort(bv_id, kind="stable")] = np.arange(len(st))
    keys = pd.DataFrame({"c": addr.commune, "b": bv_text_rank[addr.bv],
                         "l": pd.array(label, dtype="string")})
    order = keys.sort_values(["c", "b", "l"], kind="stable").index.to_numpy()
    q = '"{}"'.format
    code_q = np.asarray(list(map(q, c.code.tolist())), dtype=object)
    bv_q = np.asarray(list(map(q, bv_id.tolist())), dtype=object)
    cols = [
        code_q[addr.commune], np.full(len(addr), "1", dtype=object), bv_q[addr.bv],
        np.asarray(list(map(q, ident)), dtype=object), np.asarray(list(map(q, label)), dtype=object),
        np.where(addr.is_street, '"street"', '"housenumber"').astype(object),
        np.asarray(_shortest(addr.score), dtype=object), np.asarray(_shortest(addr.lon), dtype=object),
        np.asarray(_shortest(addr.lat), dtype=object),
        np.where(addr.is_street, '"BANN"', '"BANG"').astype(object),
        np.asarray(list(map(str, nb_bv.tolist())), dtype=object)[addr.commune],
        np.asarray(list(map(str, addr.nb.tolist())), dtype=object),
    ]
    _write_lines(path, [f'"{h}"' for h in REU_ADDRESS_COLUMNS], [col[order] for col in cols], ",", "utf-8",
                 check=False)


# ----------------------------------------------------------------------------- results


def _station_fields(terr: Territory, res: ElectionResult) -> dict[str, np.ndarray]:
    st = terr.stations[res.stations]
    c = terr.communes
    com = st.commune[res.rows]
    return {"dep": c.dep[com], "dep_name": c.dep_name[com], "code": c.code[com], "name": c.name[com],
            "circo": st.circo[res.rows], "number": st.number[res.rows]}


def _block_columns(res: ElectionResult, spec: list[str], n_blocks: int, style: str) -> list[np.ndarray]:
    """Candidate blocks; ``spec`` names the fields of one block in file order."""
    cd = res.candidates
    out: list[np.ndarray] = []
    pct = fmt.pct_2022 if style == "2022" else fmt.pct_2024
    for j in range(n_blocks):
        if j < res.block_cand.shape[1]:
            cid = res.block_cand[:, j]
            votes = res.block_votes[:, j]
        else:
            cid = np.full(len(res.rows), -1)
            votes = np.zeros(len(res.rows), dtype=np.int64)
        empty = cid < 0
        k = np.maximum(cid, 0)
        field_values = {
            "panel": fmt.ints(cd.panel[k]),
            "nuance": cd.nuance[k],
            "short": cd.short_label[k],
            "label": cd.label[k],
            "nom": cd.nom[k],
            "prenom": cd.prenom[k],
            "sexe": cd.sexe[k] if style == "2022" else np.where(cd.sexe[k] == "F", "FEMININ", "MASCULIN"),
            "voix": fmt.ints(votes),
            "pct_ins": pct(votes, res.registered),
            "pct_exp": pct(votes, res.expressed),
            "elu": np.where(cd.elected[k], "élu", ""),
            "sieges": fmt.ints(cd.seats[k]),
        }
        for name in spec:
            out.append(np.where(empty, "", field_values[name]))
    return out


def write_pres_2022(terr: Territory, res: ElectionResult, path: Path) -> None:
    """Ministry per-bureau format 2017-2022: ``;``, cp1252, no quotes, decimal commas."""
    f = _station_fields(terr, res)
    r = res
    cols = [f["dep"], f["dep_name"], fmt.zpad(terr.circos.number[f["circo"]], 2), terr.circos.name[f["circo"]],
            np.strings.slice(f["code"], 2, 5), f["name"], fmt.zpad(f["number"], 4),
            fmt.ints(r.registered), fmt.ints(r.abstentions), fmt.pct_2022(r.abstentions, r.registered),
            fmt.ints(r.voters), fmt.pct_2022(r.voters, r.registered),
            fmt.ints(r.blank), fmt.pct_2022(r.blank, r.registered), fmt.pct_2022(r.blank, r.voters),
            fmt.ints(r.null), fmt.pct_2022(r.null, r.registered), fmt.pct_2022(r.null, r.voters),
            fmt.ints(r.expressed), fmt.pct_2022(r.expressed, r.registered), fmt.pct_2022(r.expressed, r.voters)]
    cols += _block_columns(r, ["panel", "sexe", "nom", "prenom", "voix", "pct_ins", "pct_exp"], r.n_blocks, "2022")
    _write_lines(path, pres_2022_header(r.n_blocks), cols, ";", "cp1252")


def _fixed_2024(terr: Territory, res: ElectionResult) -> list[np.ndarray]:
    f = _station_fields(terr, res)
    r = res
    return [f["dep"], f["dep_name"], f["code"], f["name"], fmt.zpad(f["number"], 4),
            fmt.ints(r.registered), fmt.ints(r.voters), fmt.pct_2024(r.voters, r.registered),
            fmt.ints(r.abstentions), fmt.pct_2024(r.abstentions, r.registered),
            fmt.ints(r.expressed), fmt.pct_2024(r.expressed, r.registered), fmt.pct_2024(r.expressed, r.voters),
            fmt.ints(r.blank), fmt.pct_2024(r.blank, r.registered), fmt.pct_2024(r.blank, r.voters),
            fmt.ints(r.null), fmt.pct_2024(r.null, r.registered), fmt.pct_2024(r.null, r.voters)]


def write_leg_2024(terr: Territory, res: ElectionResult, path: Path) -> None:
    """Ministry 2024 per-bureau CSV: ``;``, UTF-8, unquoted, ``71,76%`` percentages."""
    cols = _fixed_2024(terr, res)
    cols += _block_columns(res, ["panel", "nuance", "nom", "prenom", "sexe", "voix", "pct_ins", "pct_exp", "elu"],
                           res.n_blocks, "2024")
    _write_lines(path, leg_2024_header(res.n_blocks), cols, ";", "utf-8")


def _euro_columns(terr: Territory, res: ElectionResult) -> list[np.ndarray]:
    n = len(res.rows)
    cols = [np.full(n, "FE"), np.full(n, "France entière")] + _fixed_2024(terr, res)
    cols += _block_columns(res, ["panel", "nuance", "short", "label", "voix", "pct_ins", "pct_exp", "sieges"],
                           res.n_blocks, "2024")
    return cols


def write_euro_2024_csv(terr: Territory, res: ElectionResult, path: Path) -> None:
    _write_lines(path, euro_2024_header(res.n_blocks), _euro_columns(terr, res), ";", "utf-8")


def write_euro_2024_xlsx(terr: Territory, res: ElectionResult, path: Path) -> None:
    """Ministry 2024 layout as a spreadsheet: codes and percentages as text, counts as numbers."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    header = euro_2024_header(res.n_blocks)
    cols = _euro_columns(terr, res)
    numeric = {"Inscrits", "Votants", "Abstentions", "Exprimés", "Blancs", "Nuls"}
    is_num = [h in numeric or h.startswith(("Numéro de panneau", "Voix ", "Sièges")) for h in header]
    wb = Workbook(write_only=True)
    wb.properties.creator = "Isoloir (démo)"
    wb.properties.created = PINNED_DATETIME
    wb.properties.modified = PINNED_DATETIME
    ws = wb.create_sheet("Sheet1")
    ws.append(header)
    rows = np.column_stack([np.asarray(c, dtype=object) for c in cols])
    for row in rows:
        ws.append([int(v) if num and v != "" else v for v, num in zip(row, is_num)])
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    # Re-pack with pinned entry dates (zip entries otherwise carry the wall clock).
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=PINNED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            out.writestr(zi, src.read(info.filename))


# ----------------------------------------------------------------------------- misc


def write_json(obj: object, path: Path, compact: bool) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        if compact:
            json.dump(obj, fh, ensure_ascii=False, separators=(",", ":"))
        else:
            json.dump(obj, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def write_readme(path: Path, scale: str, seed: int, files: list[tuple[str, str]]) -> None:
    lines = [
        "DONNÉES FICTIVES — TERRITOIRE DE DÉMONSTRATION ISOLOIR",
        "=" * 54,
        "",
        "Ces fichiers ont été générés automatiquement par Isoloir pour la démonstration et les tests.",
        "Ils sont entièrement fictifs : communes, bureaux de vote, IRIS, adresses, populations et",
        "résultats électoraux ne décrivent aucun territoire réel. Ce ne sont PAS des résultats officiels.",
        "Les noms des candidats à l'élection présidentielle 2022 et des listes aux européennes 2024 sont",
        "ceux du scrutin réel, mais les voix qui leur sont attribuées sont inventées. Les candidats aux",
        "législatives 2024 sont des personnes fictives.",
        "",
        "Les fichiers reproduisent la mise en forme des publications officielles (ministère de",
        "l'Intérieur, INSEE, IGN, Etalab) afin de tester les chaînes d'import.",
        "",
        f"Échelle : {'une commune' if scale == 'city' else 'territoire national fictif'} ({scale})",
        f"Graine aléatoire : {seed} (la même graine produit exactement les mêmes fichiers)",
        "",
        "Fichiers :",
    ]
    lines += [f"  - {name} : {desc}" for name, desc in files]
    lines += ["", "Les paramètres vrais de la simulation des votes sont dans truth.json (dossier parent).", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


