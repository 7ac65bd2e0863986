"""The territory a map shows: départements, communes and circonscriptions present in the warehouse.

A :class:`Territory` is what the user picked (département → communes →
circonscription); :func:`territory_stations` turns it into the communes and,
for a circonscription, the stations it covers. Everything is read with bound
parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

from dataclasses import dataclass

import pandas as pd

from dashboard.ingest.ids import PLM_CITIES, arrondissement_of_commune, city_code, station_arrondissement
from dashboard.ingest.reference import departement_name
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.queries import LATEST_FIRST


@dataclass(frozen=True)
class Territory:
    """What to draw: no département and no commune means the whole warehouse."""

    departements: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    circonscription: str | None = None  # "<département>-<number>", e.g. "29-02"


def circonscription_label(departement: str, number: str) -> str:
    n = int(number) if number.isdigit() else number
    ordinal = "1re" if n == 1 else f"{n}e"
    dep_name = departement_name(departement)
    return f"{ordinal} circonscription — {dep_name or departement} ({departement})"


def departements(wh: Warehouse) -> pd.DataFrame:
    """Départements that have stations: code, name, communes."""
    frame = wh.query(
        """SELECT c.departement AS code, count(DISTINCT c.commune_code) AS communes
           FROM commune c WHERE EXISTS (SELECT 1 FROM station s WHERE s.commune_code = c.commune_code)
             AND c.departement IS NOT NULL
           GROUP BY ALL ORDER BY code"""
    )
    frame["name"] = [departement_name(code) or code for code in frame["code"]]
    return frame[["code", "name", "communes"]]


def communes(wh: Warehouse, departement_codes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Communes with stations (in the given départements, or all): code, name, departement, stations.

    Paris, Lyon and Marseille are followed by their arrondissements that have stations
    (code 75118…, name « Paris 18e arrondissement »): a map can show the city or one of them.
    """
    frame = wh.query(
        """SELECT c.commune_code AS code, coalesce(c.name, c.commune_code) AS name, c.departement,
                  count(DISTINCT s.station_id) AS stations
           FROM commune c JOIN station s USING (commune_code)
           WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], c.departement)
           GROUP BY ALL ORDER BY name, code""",
        [list(departement_codes), list(departement_codes)],
    )
    cities = [c for c in frame["code"] if c in PLM_CITIES]
    if not cities:
        return frame
    rows = []
    for row in frame.itertuples(index=False):
        rows.append(row._asdict())
        if row.code in PLM_CITIES:
            arrondissements = arrondissement_stations(wh, row.code)
            for code, stations in sorted(arrondissements.items()):
                rows.append({"code": code, "name": arrondissement_name(code), "departement": row.departement, "stations": len(stations)})
    return pd.DataFrame(rows, columns=frame.columns).astype({"stations": frame["stations"].dtype})


def arrondissement_name(code: str) -> str:
    """``"75118"`` → ``"Paris 18e arrondissement"``, ``"69381"`` → ``"Lyon 1er arrondissement"``."""
    city, number = arrondissement_of_commune(code) or ("", 0)
    ordinal = "1er" if number == 1 else f"{number}e"
    return f"{PLM_CITIES[city][2]} {ordinal} arrondissement" if city else code


def arrondissement_stations(wh: Warehouse, city: str) -> dict[str, list[str]]:
    """Station ids of a PLM city by arrondissement INSEE code (read from the canonical bureau codes)."""
    ids = wh.query("SELECT DISTINCT station_id FROM station WHERE commune_code = ? ORDER BY station_id", [city])["station_id"]
    out: dict[str, list[str]] = {}
    for station_id in ids:
        code = station_arrondissement(station_id)
        if code is not None:
            out.setdefault(code, []).append(station_id)
    return out


def circonscriptions(wh: Warehouse, commune_codes: tuple[str, ...] = (), departement_codes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Circonscriptions known from legislative results within the area: key ("29-02"), label, stations.

    A PLM arrondissement code counts as its city."""
    commune_codes = tuple(dict.fromkeys(city_code(c) for c in commune_codes))
    frame = wh.query(
        """SELECT c.departement, t.circonscription AS number, count(DISTINCT t.station_id) AS stations
           FROM turnout t JOIN commune c USING (commune_code)
           WHERE t.circonscription IS NOT NULL AND c.departement IS NOT NULL
             AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
             AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], c.departement))
           GROUP BY ALL ORDER BY c.departement, number""",
        [list(commune_codes), list(commune_codes), list(departement_codes), list(departement_codes)],
    )
    frame["number"] = frame["number"].map(_circo_number)
    frame = frame.groupby(["departement", "number"], as_index=False)["stations"].sum()
    frame["key"] = frame["departement"] + "-" + frame["number"]
    frame["label"] = [circonscription_label(d, n) for d, n in zip(frame["departement"], frame["number"])]
    return frame[["key", "label", "stations"]]


def _circo_number(value: str) -> str:
    """``"9"`` and ``"09"`` are the same circonscription (files differ in padding)."""
    value = str(value).strip()
    return value.zfill(2) if value.isdigit() else value


@dataclass(frozen=True)
class Scope:
    """The territory resolved: communes (empty = all) and, for a circonscription, its stations."""

    communes: tuple[str, ...]
    stations: tuple[str, ...] | None = None  # None = every station of those communes


def restrict(scope: Scope, allowed: Iterable[str] | None) -> Scope:
    """``scope`` limited to the stations ``allowed`` (None: no limit), e.g. a canvasser's zones.

    The result always lists its stations, so every query built on it filters
    on them (bound parameters), not the page afterwards.
    """
    if allowed is None:
        return scope
    allowed_set = set(allowed)
    if scope.stations is not None:
        stations = allowed_set & set(scope.stations)
    elif scope.communes:
        stations = {s for s in allowed_set if s.split("_", 1)[0] in set(scope.communes)}
    else:
        stations = allowed_set
    ordered = tuple(sorted(stations))
    return Scope(tuple(sorted({s.split("_", 1)[0] for s in ordered})), ordered)


def _arrondissement_stations(wh: Warehouse, codes: tuple[str, ...]) -> tuple[tuple[str, ...], set[str]]:
    """Codes with PLM arrondissements replaced by their city, and the stations they cover."""
    cities = tuple(sorted({city_code(c) for c in codes}))
    chosen = set(codes)
    stations = wh.query(
        "SELECT DISTINCT station_id, commune_code FROM station WHERE list_contains(?::VARCHAR[], commune_code)", [list(cities)]
    )
    keep = [
        sid for sid, commune in zip(stations["station_id"], stations["commune_code"])
        if commune in chosen or station_arrondissement(sid) in chosen
    ]
    return cities, set(keep)


def resolve(wh: Warehouse, territory: Territory) -> Scope:
    """Communes and stations covered by ``territory``.

    A circonscription is the set of stations that legislative results place in
    it (the latest legislative election wins when boundaries were redrawn). A PLM
    arrondissement code (75118) stands for its city's stations in that arrondissement.
    """
    codes = territory.communes
    if not codes and territory.departements:
        codes = tuple(c for c in communes(wh, territory.departements)["code"] if arrondissement_of_commune(c) is None)
    only: set[str] | None = None
    if any(arrondissement_of_commune(c) for c in codes):
        codes, only = _arrondissement_stations(wh, codes)
    if not territory.circonscription:
        return Scope(codes, tuple(sorted(only)) if only is not None else None)
    departement, number = territory.circonscription.split("-", 1)
    frame = wh.query(
        f"""SELECT DISTINCT ON (t.station_id) t.station_id, t.commune_code, t.circonscription
           FROM turnout t JOIN commune c USING (commune_code) JOIN election e USING (election_id)
           WHERE t.circonscription IS NOT NULL AND c.departement = ?
             AND (len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], t.commune_code))
           ORDER BY t.station_id, {LATEST_FIRST}""",  # noqa: S608 - fixed SQL
        [departement, list(codes), list(codes)],
    )
    frame = frame[frame["circonscription"].map(_circo_number) == _circo_number(number)]
    if only is not None:
        frame = frame[frame["station_id"].isin(only)]
    return Scope(tuple(sorted(frame["commune_code"].unique())), tuple(sorted(frame["station_id"])))
