"""Read-only questions to the warehouse, answered as data frames.

Every function takes a :class:`~dashboard.warehouse.database.Warehouse` and bound
parameters; none builds SQL from user input.
"""

from __future__ import annotations

import pandas as pd

from dashboard.warehouse.database import Warehouse


# The one order of "the latest election": by date, then by id (so two elections of one day, such as
# two rounds stored without dates, always resolve the same way). ``e`` is the ``election`` table.
LATEST_FIRST = "e.date DESC NULLS LAST, e.election_id DESC"


def station_label(bv_code: object, name: object = None, commune_name: object = None) -> str:
    """The one name a page shows for a polling station.

    « Bureau 5 » when the station has no name; « Bureau 5 · École Jaurès » when it has one (several
    stations often share one polling place, so the number stays); « … — Brest » when
    ``commune_name`` is given, which callers do when several communes are shown together.
    """
    code = "" if _blank(bv_code) else str(bv_code).strip()
    label = f"Bureau {code}" if code else "Bureau"
    if not _blank(name):
        text = " ".join(str(name).split())
        if text and text.casefold() != label.casefold():
            label = f"{label} · {text}" if code else text
    if not _blank(commune_name) and str(commune_name).strip():
        label = f"{label} — {str(commune_name).strip()}"
    return label


def station_labels(frame: pd.DataFrame, *, with_commune: bool | None = None) -> pd.Series:
    """:func:`station_label` for every row of ``frame`` (columns ``bv_code``, ``name``, optionally
    ``commune_name`` and ``commune_code``). ``with_commune`` None: the commune (``commune_name``) is
    named when the frame holds several communes."""
    if with_commune is None:
        communes = frame["commune_code"] if "commune_code" in frame else frame.get("commune_name")
        with_commune = communes is not None and communes.nunique(dropna=True) > 1
    names = frame["name"] if "name" in frame else pd.Series(None, index=frame.index, dtype=object)
    towns = frame["commune_name"] if with_commune and "commune_name" in frame else pd.Series(None, index=frame.index, dtype=object)
    return pd.Series([station_label(b, n, c) for b, n, c in zip(frame["bv_code"], names, towns)], index=frame.index, dtype=object)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


def latest_election(wh: Warehouse) -> str | None:
    """The most recent election of the warehouse (``LATEST_FIRST``), or None when it holds none."""
    frame = wh.query(f"SELECT e.election_id FROM election e ORDER BY {LATEST_FIRST} LIMIT 1")  # noqa: S608 - fixed SQL
    return str(frame["election_id"].iat[0]) if len(frame) else None


def elections(wh: Warehouse) -> pd.DataFrame:
    """One row per election: id, label, date, communes, stations, registered, expressed."""
    return wh.query(
        """SELECT e.election_id, e.label, e.kind, e.round, e.date,
                  count(DISTINCT t.commune_code) AS communes, count(t.station_id) AS stations,
                  sum(t.registered)::BIGINT AS registered, sum(t.expressed)::BIGINT AS expressed
           FROM election e LEFT JOIN turnout t USING (election_id)
           GROUP BY ALL ORDER BY e.date NULLS LAST, e.election_id"""
    )


def stations_per_commune(wh: Warehouse) -> pd.DataFrame:
    """Stations per (boundary version, commune)."""
    return wh.query(
        """SELECT s.set_id, ss.label, ss.valid_from, ss.valid_to, s.commune_code, c.name AS commune_name,
                  count(*) AS stations
           FROM station s JOIN station_set ss USING (set_id) LEFT JOIN commune c USING (commune_code)
           GROUP BY ALL ORDER BY s.commune_code, ss.valid_from NULLS LAST, s.set_id"""
    )


def results_without_polygon(wh: Warehouse, election_id: str | None = None) -> pd.DataFrame:
    """Result rows whose station has no polygon in the boundary version used for that
    election and commune (``set_id`` NULL: the commune has no contours at all)."""
    return wh.query(
        """SELECT t.election_id, t.commune_code, t.station_id, es.set_id
           FROM turnout t
           LEFT JOIN election_station_set es USING (election_id, commune_code)
           LEFT JOIN station s ON s.set_id = es.set_id AND s.station_id = t.station_id
           WHERE s.station_id IS NULL AND (?::VARCHAR IS NULL OR t.election_id = ?)
           ORDER BY t.election_id, t.commune_code, t.station_id""",
        [election_id, election_id],
    )


def contours_of_communes(wh: Warehouse, communes: list[str]) -> pd.DataFrame:
    """Station contours of ``communes`` in any boundary version (``commune_code, station_id``),
    to tell "no contour imported" from "contours whose ids differ"."""
    if not communes:
        return pd.DataFrame(columns=["commune_code", "station_id"])
    return wh.query(
        """SELECT DISTINCT commune_code, station_id FROM station
           WHERE list_contains(?::VARCHAR[], commune_code) ORDER BY commune_code, station_id""",
        [list(communes)],
    )


def polygons_without_results(wh: Warehouse, set_id: str | None = None) -> pd.DataFrame:
    """Stations of a boundary version that no election drawn on that version has results for,
    among communes where that version is used by at least one election."""
    return wh.query(
        """WITH used AS (SELECT DISTINCT set_id, commune_code, election_id FROM election_station_set)
           SELECT s.set_id, s.commune_code, s.station_id
           FROM station s
           WHERE (?::VARCHAR IS NULL OR s.set_id = ?)
             AND EXISTS (SELECT 1 FROM used u WHERE u.set_id = s.set_id AND u.commune_code = s.commune_code)
             AND NOT EXISTS (SELECT 1 FROM used u JOIN turnout t ON t.election_id = u.election_id
                             AND t.station_id = s.station_id
                             WHERE u.set_id = s.set_id AND u.commune_code = s.commune_code)
           ORDER BY s.set_id, s.commune_code, s.station_id""",
        [set_id, set_id],
    )


def iris_without_indicators(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        """SELECT i.code_iris, i.name, i.commune_code FROM iris i
           WHERE NOT EXISTS (SELECT 1 FROM iris_indicator ii WHERE ii.code_iris = i.code_iris)
           ORDER BY i.code_iris"""
    )


def indicators_without_iris(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        """SELECT DISTINCT ii.code_iris FROM iris_indicator ii
           WHERE NOT EXISTS (SELECT 1 FROM iris i WHERE i.code_iris = ii.code_iris) ORDER BY 1"""
    )


def addresses_without_polygon(wh: Warehouse) -> pd.DataFrame:
    """Addresses whose polling station is in no imported boundary version."""
    return wh.query(
        """SELECT a.commune_code, a.station_id, count(*) AS addresses FROM address a
           WHERE NOT EXISTS (SELECT 1 FROM station s WHERE s.station_id = a.station_id)
           GROUP BY ALL ORDER BY 1, 2"""
    )


def counts(wh: Warehouse) -> dict[str, int]:
    tables = ("commune", "station_set", "station", "election", "turnout", "votes", "iris", "indicator", "iris_indicator", "address", "reu_station")
    return {t: int(wh.query(f"SELECT count(*) AS n FROM {t}")["n"].iat[0]) for t in tables}  # noqa: S608 - fixed names


def indicators(wh: Warehouse) -> pd.DataFrame:
    """The indicator catalogue with how many IRIS carry each variable."""
    return wh.query(
        """SELECT i.variable, i.year, i.label, i.theme, count(ii.code_iris) AS iris
           FROM indicator i LEFT JOIN iris_indicator ii USING (variable, year)
           GROUP BY ALL ORDER BY i.theme NULLS LAST, i.variable, i.year"""
    )


def addresses_per_commune(wh: Warehouse) -> pd.DataFrame:
    return wh.query(
        """SELECT commune_code, count(*) AS addresses, count(DISTINCT station_id) AS stations
           FROM address GROUP BY ALL ORDER BY 1"""
    )


def station_summaries(wh: Warehouse, station_ids: list[str]) -> pd.DataFrame:
    """For the given stations: ``label`` (:func:`station_labels`), name, bv_code, commune, address counts,
    registered voters of the latest election with results there (``registered``, ``registered_election``).

    ``address_points`` counts the geocoded points of the REU address file, ``reu_addresses`` the REU
    address lines merged at those points: neither counts electors (the REU file lists addresses, not
    people); the electors are ``registered``. One row per station id asked for that the warehouse
    knows (latest boundary version), sorted by commune then station number.
    """
    frame = wh.query(
        f"""WITH asked AS (SELECT unnest(?::VARCHAR[]) AS station_id),
           named AS (SELECT DISTINCT ON (s.station_id) s.station_id, s.name, s.bv_code, s.commune_code
                     FROM station s JOIN asked USING (station_id) ORDER BY s.station_id, s.set_id DESC),
           addr AS (SELECT a.station_id, count(*) AS address_points, sum(coalesce(a.n_addresses, 1)) AS reu_addresses
                    FROM address a JOIN asked USING (station_id) GROUP BY ALL),
           reg AS (SELECT DISTINCT ON (t.station_id) t.station_id, t.registered, t.station_name,
                          e.label AS registered_election
                   FROM turnout t JOIN asked USING (station_id) JOIN election e USING (election_id)
                   ORDER BY t.station_id, {LATEST_FIRST})
           SELECT n.station_id, coalesce(n.name, reg.station_name) AS name, n.bv_code, n.commune_code,
                  c.name AS commune_name, coalesce(addr.address_points, 0) AS address_points,
                  coalesce(addr.reu_addresses, 0) AS reu_addresses, reg.registered, reg.registered_election
           FROM named n LEFT JOIN addr USING (station_id) LEFT JOIN reg USING (station_id)
                LEFT JOIN commune c USING (commune_code)
           ORDER BY n.commune_code, try_cast(n.bv_code AS INTEGER) NULLS LAST, n.bv_code, n.station_id""",
        [list(station_ids)],
    )
    frame.insert(1, "label", station_labels(frame) if len(frame) else pd.Series(dtype=object))
    return frame


def station_addresses(wh: Warehouse, station_id: str) -> pd.DataFrame:
    """The REU addresses of one station (public BAN points, no names), in street order."""
    return wh.query(
        """SELECT address_id, label, street, housenumber, n_addresses FROM address WHERE station_id = ?
           ORDER BY street, try_cast(regexp_extract(housenumber, '^[0-9]+') AS INTEGER), housenumber""",
        [station_id],
    )
