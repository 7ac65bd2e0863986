"""The warehouse: one DuckDB file of public, aggregated open data (no personal data).

This module owns the schema (a public contract: users query it from SQL tools)
and every write. Writes happen in one transaction per import command: either
everything lands or nothing does. Geometry is WKB in DuckDB's core
``GEOMETRY`` type, EPSG:4326; spatial work is done with shapely/geopandas.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.simplify import DISPLAY_LEVELS, simplify_for_display
from dashboard.errors import WarehouseMissing
from dashboard.warehouse.snapshots import REFRESH_S, SnapshotReader
from dashboard.ingest.addresses import ParsedAddresses, ParsedReuStations
from dashboard.ingest.communes import ParsedCommunes
from dashboard.ingest.elections import parse_election_id
from dashboard.ingest.indicators import ParsedIndicators
from dashboard.ingest.iris import ParsedIris
from dashboard.ingest.reference import candidate_nuance, load_blocs, load_nuance_blocs, resolve_bloc
from dashboard.ingest.report import ImportReport
from dashboard.ingest.results_layout import ParsedResults
from dashboard.ingest.stations import ParsedStations
from dashboard.files import private_dir, private_file

SCHEMA_VERSION = 1
WAREHOUSE_FILE = "warehouse.duckdb"

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS commune (
        commune_code VARCHAR PRIMARY KEY, name VARCHAR, departement VARCHAR,
        geometry GEOMETRY, geometry_source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS station_set (
        set_id VARCHAR PRIMARY KEY, label VARCHAR NOT NULL, valid_from DATE, valid_to DATE,
        source VARCHAR, source_sha256 VARCHAR, imported_at TIMESTAMP)""",
    """CREATE TABLE IF NOT EXISTS station (
        station_id VARCHAR NOT NULL, set_id VARCHAR NOT NULL, commune_code VARCHAR NOT NULL,
        bv_code VARCHAR NOT NULL, name VARCHAR, geometry GEOMETRY NOT NULL,
        centroid_lon DOUBLE, centroid_lat DOUBLE, area_m2 DOUBLE, n_parts INTEGER,
        PRIMARY KEY (station_id, set_id))""",
    """CREATE TABLE IF NOT EXISTS station_display (
        station_id VARCHAR NOT NULL, set_id VARCHAR NOT NULL, level INTEGER NOT NULL,
        tolerance_m DOUBLE NOT NULL, geometry GEOMETRY NOT NULL, PRIMARY KEY (station_id, set_id, level))""",
    """CREATE TABLE IF NOT EXISTS election (
        election_id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, year INTEGER NOT NULL,
        round INTEGER, date DATE, label VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS turnout (
        election_id VARCHAR NOT NULL, station_id VARCHAR NOT NULL, commune_code VARCHAR NOT NULL,
        bv_code VARCHAR NOT NULL, station_name VARCHAR, circonscription VARCHAR,
        registered INTEGER NOT NULL, voters INTEGER NOT NULL, abstentions INTEGER NOT NULL,
        blank INTEGER, "null" INTEGER, expressed INTEGER NOT NULL, source VARCHAR,
        PRIMARY KEY (election_id, station_id))""",
    """CREATE TABLE IF NOT EXISTS votes (
        election_id VARCHAR NOT NULL, station_id VARCHAR NOT NULL, candidate VARCHAR NOT NULL,
        panel INTEGER, last_name VARCHAR, first_name VARCHAR, list_label VARCHAR,
        nuance VARCHAR, bloc VARCHAR NOT NULL, votes INTEGER NOT NULL,
        PRIMARY KEY (election_id, station_id, candidate))""",
    """CREATE TABLE IF NOT EXISTS bloc (
        bloc VARCHAR PRIMARY KEY, label_fr VARCHAR NOT NULL, "order" INTEGER NOT NULL, color VARCHAR NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS nuance_bloc (
        scope VARCHAR NOT NULL, nuance VARCHAR NOT NULL, bloc VARCHAR NOT NULL, label_fr VARCHAR,
        edited BOOLEAN DEFAULT FALSE, PRIMARY KEY (scope, nuance))""",
    """CREATE TABLE IF NOT EXISTS iris (
        code_iris VARCHAR PRIMARY KEY, name VARCHAR, commune_code VARCHAR NOT NULL, iris_type VARCHAR,
        geometry GEOMETRY NOT NULL, centroid_lon DOUBLE, centroid_lat DOUBLE, area_m2 DOUBLE, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS iris_display (
        code_iris VARCHAR NOT NULL, level INTEGER NOT NULL, tolerance_m DOUBLE NOT NULL,
        geometry GEOMETRY NOT NULL, PRIMARY KEY (code_iris, level))""",
    """CREATE TABLE IF NOT EXISTS indicator (
        variable VARCHAR NOT NULL, year INTEGER NOT NULL, label VARCHAR NOT NULL, theme VARCHAR,
        source VARCHAR, PRIMARY KEY (variable, year))""",
    """CREATE TABLE IF NOT EXISTS iris_indicator (
        code_iris VARCHAR NOT NULL, variable VARCHAR NOT NULL, year INTEGER NOT NULL,
        value DOUBLE NOT NULL, PRIMARY KEY (code_iris, variable, year))""",
    """CREATE TABLE IF NOT EXISTS station_iris (
        station_id VARCHAR NOT NULL, set_id VARCHAR NOT NULL, code_iris VARCHAR NOT NULL,
        weight DOUBLE NOT NULL, method VARCHAR NOT NULL, PRIMARY KEY (station_id, set_id, code_iris, method))""",
    """CREATE TABLE IF NOT EXISTS station_crosswalk (
        from_set_id VARCHAR NOT NULL, from_station_id VARCHAR NOT NULL, to_set_id VARCHAR NOT NULL,
        to_station_id VARCHAR NOT NULL, weight DOUBLE NOT NULL, method VARCHAR NOT NULL, reliability DOUBLE,
        PRIMARY KEY (from_set_id, from_station_id, to_set_id, to_station_id, method))""",
    # warehouses built before crosswalks were computed
    """ALTER TABLE station_crosswalk ADD COLUMN IF NOT EXISTS reliability DOUBLE""",
    """CREATE TABLE IF NOT EXISTS version_validity (
        set_id VARCHAR NOT NULL, commune_code VARCHAR NOT NULL, valid_from DATE, valid_to DATE,
        PRIMARY KEY (set_id, commune_code))""",
    """CREATE TABLE IF NOT EXISTS election_set_link (
        election_id VARCHAR NOT NULL, commune_code VARCHAR NOT NULL, set_id VARCHAR NOT NULL,
        linked_at TIMESTAMP NOT NULL, PRIMARY KEY (election_id, commune_code))""",
    """CREATE TABLE IF NOT EXISTS address (
        address_id VARCHAR PRIMARY KEY, ban_id VARCHAR NOT NULL, commune_code VARCHAR, station_id VARCHAR NOT NULL, label VARCHAR,
        housenumber VARCHAR, street VARCHAR, postcode VARCHAR, city VARCHAR,
        lon DOUBLE NOT NULL, lat DOUBLE NOT NULL, geo_type VARCHAR, geo_score DOUBLE,
        n_addresses INTEGER, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS reu_station (
        station_id VARCHAR PRIMARY KEY, commune_code VARCHAR NOT NULL, bv_code VARCHAR NOT NULL,
        name VARCHAR, place_address VARCHAR, n_addresses INTEGER, source VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS election_station_set (
        election_id VARCHAR NOT NULL, commune_code VARCHAR NOT NULL, set_id VARCHAR NOT NULL,
        matched INTEGER NOT NULL, PRIMARY KEY (election_id, commune_code))""",
    """CREATE TABLE IF NOT EXISTS station_set_quality (
        set_id VARCHAR PRIMARY KEY, method VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL,
        addresses BIGINT NOT NULL, stations INTEGER NOT NULL, containment DOUBLE NOT NULL,
        exceptions INTEGER NOT NULL, shared_points INTEGER NOT NULL, small_stations INTEGER NOT NULL,
        outside INTEGER NOT NULL, gap_m2 DOUBLE NOT NULL, overlap_m2 DOUBLE NOT NULL,
        polsby_popper_median DOUBLE, reference_set_id VARCHAR, iou_median DOUBLE, iou_min DOUBLE,
        seconds DOUBLE, details JSON)""",
    """CREATE SEQUENCE IF NOT EXISTS import_seq""",
    """CREATE TABLE IF NOT EXISTS import_log (
        import_id BIGINT PRIMARY KEY DEFAULT nextval('import_seq'), kind VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL, options VARCHAR,
        imported_at TIMESTAMP NOT NULL, rows_read BIGINT, rows_imported BIGINT, rows_skipped BIGINT,
        report JSON)""",
    """CREATE OR REPLACE VIEW iris_indicator_labelled AS
        SELECT ii.code_iris, ii.variable, ii.year, i.label, i.theme, ii.value
        FROM iris_indicator ii JOIN indicator i USING (variable, year)""",
    """CREATE OR REPLACE VIEW votes_share AS
        SELECT v.*, t.registered, t.expressed,
               v.votes / NULLIF(t.expressed, 0) AS share_expressed,
               v.votes / NULLIF(t.registered, 0) AS share_registered
        FROM votes v JOIN turnout t USING (election_id, station_id)""",
]

# Tables whose content makes the data set (import_log and meta are bookkeeping).
DATA_TABLES = (
    "commune", "station_set", "station", "station_display", "election", "turnout", "votes", "bloc",
    "nuance_bloc", "iris", "iris_display", "indicator", "iris_indicator", "station_iris",
    "station_crosswalk", "address", "reu_station", "election_station_set", "station_set_quality", "version_validity",
    "election_set_link",
)


def warehouse_path(data_dir: Path) -> Path:
    return Path(data_dir) / WAREHOUSE_FILE


def _wkb(geoms: np.ndarray | gpd.GeoSeries) -> list[bytes]:
    return list(shapely.to_wkb(np.asarray(getattr(geoms, "array", geoms), dtype=object)))


def _geo_facts(geoms: gpd.GeoSeries) -> pd.DataFrame:
    """Centroid (lon/lat) and area in m² (equal-area EPSG:6933) of EPSG:4326 polygons."""
    projected = geoms.to_crs(6933)
    centroids = gpd.GeoSeries(projected.centroid, crs=6933).to_crs(4326)
    return pd.DataFrame({
        "centroid_lon": centroids.x.to_numpy(),
        "centroid_lat": centroids.y.to_numpy(),
        "area_m2": projected.area.to_numpy(),
    })


class Warehouse:
    """A connection to ``warehouse.duckdb``; the only holder of its SQL.

    Read-write (``read_only=False``): one DuckDB connection ``con`` to the file, for one writer
    (the CLI writes through :func:`dashboard.warehouse.writing.writing`, on a copy swapped into
    place). Read-only: a :class:`~dashboard.warehouse.snapshots.SnapshotReader`, safe to query
    from many threads at once and following the file when a writer replaces it.
    """

    def __init__(self, path: Path, *, read_only: bool = False, refresh_s: float = REFRESH_S) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._reader: SnapshotReader | None = None
        if read_only:
            if not self.path.exists():
                raise WarehouseMissing(
                    f"entrepôt introuvable : {self.path}. Lancez « isoloir demo » ou « isoloir import … » pour le créer."
                )
            private_file(self.path)  # a file copied or restored with a looser mode
            self._reader = SnapshotReader(self.path, refresh_s)
            return
        private_dir(self.path.parent)
        self.con = duckdb.connect(str(self.path))
        private_file(self.path)
        self._ensure_schema()

    @property
    def version(self) -> int:
        """Identifies the data the next query sees (read-only: the opened file version)."""
        if self._reader is not None:
            return self._reader.version
        return 0

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        else:
            self.con.close()
            private_file(self.path)  # and the log DuckDB may have written

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------
    def _ensure_schema(self) -> None:
        with self.transaction():
            for statement in SCHEMA:
                self.con.execute(statement)
            self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
            if self.con.execute("SELECT count(*) FROM bloc").fetchone()[0] == 0:
                blocs = load_blocs()  # noqa: F841 - scanned by DuckDB below
                self.con.execute("INSERT INTO bloc SELECT bloc, label_fr, \"order\", color FROM blocs")
            if self.con.execute("SELECT count(*) FROM nuance_bloc").fetchone()[0] == 0:
                nuances = load_nuance_blocs()  # noqa: F841 - scanned by DuckDB below
                self.con.execute(
                    "INSERT INTO nuance_bloc SELECT DISTINCT ON (scope, upper(nuance)) scope, upper(nuance), bloc, label_fr, FALSE FROM nuances"
                )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: rolled back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def set_meta(self, key: str, value: str) -> None:
        self.con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])

    def meta(self, key: str) -> str | None:
        rows = self.query("SELECT value FROM meta WHERE key = ?", [key])
        return None if rows.empty else rows["value"].iat[0]

    # -- writes (call inside transaction()) -----------------------------
    def write_results(self, parsed: ParsedResults, source: str) -> None:
        election = parse_election_id(parsed.election_id)
        self.con.execute(
            "INSERT OR REPLACE INTO election VALUES (?, ?, ?, ?, ?, ?)",
            [election.election_id, election.kind, election.year, election.round, election.date, election.label],
        )
        turnout = parsed.turnout.assign(election_id=election.election_id, source=source)
        self.con.register("turnout_new", turnout)
        self.con.execute(
            "DELETE FROM votes WHERE election_id = ? AND station_id IN (SELECT station_id FROM turnout_new)", [election.election_id]
        )
        self.con.execute(
            "DELETE FROM turnout WHERE election_id = ? AND station_id IN (SELECT station_id FROM turnout_new)", [election.election_id]
        )
        self.con.execute(
            """INSERT INTO turnout SELECT election_id, station_id, commune_code, bv_code, NULLIF(station_name, ''),
                   NULLIF(circonscription, ''), registered, voters, abstentions, blank, "null", expressed, source
               FROM turnout_new"""
        )
        self.con.unregister("turnout_new")
        votes = parsed.votes.copy()
        missing = votes["nuance"].isna()
        if missing.any():
            looked_up = [
                candidate_nuance(election.election_id, last or cand, first or None)
                for cand, last, first in votes.loc[missing, ["candidate", "last_name", "first_name"]].itertuples(index=False)
            ] if election.kind == "presidentielle" else [None] * int(missing.sum())
            votes.loc[missing, "nuance"] = looked_up
        votes["bloc"] = self._blocs_for(votes["nuance"], election.election_id)
        votes = votes.assign(election_id=election.election_id)
        for column in ("last_name", "first_name", "list_label"):
            votes[column] = votes[column].replace("", None)
        self.con.register("votes_new", votes)
        self.con.execute(
            """INSERT INTO votes SELECT election_id, station_id, candidate, panel, last_name, first_name,
                   list_label, nuance, bloc, votes FROM votes_new"""
        )
        self.con.unregister("votes_new")
        self._ensure_communes(parsed.turnout["commune_code"].unique(), parsed.commune_names)

    def _blocs_for(self, nuances: pd.Series, election_id: str) -> list[str]:
        table = self.con.execute("SELECT scope, nuance, bloc, label_fr FROM nuance_bloc").df()
        cache: dict[object, str] = {}
        out = []
        for nuance in nuances:
            key = None if pd.isna(nuance) else str(nuance)
            if key not in cache:
                cache[key] = resolve_bloc(key, election_id, table)
            out.append(cache[key])
        return out

    def recompute_blocs(self) -> int:
        """Re-derive ``votes.bloc`` from the (edited) ``nuance_bloc`` table; returns rows changed."""
        pairs = self.con.execute("SELECT DISTINCT election_id, nuance FROM votes").df()
        table = self.con.execute("SELECT scope, nuance, bloc, label_fr FROM nuance_bloc").df()
        pairs["bloc"] = [resolve_bloc(None if pd.isna(n) else n, e, table) for e, n in zip(pairs["election_id"], pairs["nuance"])]
        self.con.register("bloc_map", pairs)
        changed = self.con.execute(
            """SELECT count(*) FROM votes v JOIN bloc_map m ON v.election_id = m.election_id
               AND v.nuance IS NOT DISTINCT FROM m.nuance WHERE v.bloc <> m.bloc"""
        ).fetchone()[0]
        self.con.execute(
            """UPDATE votes SET bloc = m.bloc FROM bloc_map m WHERE votes.election_id = m.election_id
               AND votes.nuance IS NOT DISTINCT FROM m.nuance AND votes.bloc <> m.bloc"""
        )
        self.con.unregister("bloc_map")
        return int(changed)

    def set_nuance_bloc(self, scope: str, nuance: str, bloc: str, label_fr: str | None = None) -> None:
        known = {row[0] for row in self.con.execute("SELECT bloc FROM bloc").fetchall()}
        if bloc not in known:
            from dashboard.errors import IsoloirError

            raise IsoloirError(f"bloc « {bloc} » inconnu (blocs : {', '.join(sorted(known))})")
        self.con.execute(
            """INSERT INTO nuance_bloc VALUES (?, upper(?), ?, ?, TRUE)
               ON CONFLICT (scope, nuance) DO UPDATE SET bloc = excluded.bloc,
               label_fr = coalesce(excluded.label_fr, nuance_bloc.label_fr), edited = TRUE""",
            [scope, nuance, bloc, label_fr],
        )

    def _ensure_communes(self, codes: np.ndarray, names: dict[str, str]) -> None:
        frame = pd.DataFrame({"commune_code": list(codes)})
        frame["name"] = frame["commune_code"].map(names)
        frame["departement"] = frame["commune_code"].map(lambda c: c[:3] if c.startswith("97") else c[:2])
        self.con.register("communes_new", frame)
        self.con.execute(
            """INSERT INTO commune SELECT commune_code, name::VARCHAR, departement, NULL, NULL FROM communes_new
               ON CONFLICT (commune_code) DO UPDATE SET name = coalesce(commune.name, excluded.name)"""
        )
        self.con.unregister("communes_new")

    def write_stations(self, parsed: ParsedStations, source: str, sha256: str, progress: Any = None) -> None:
        frame = parsed.frame
        facts = _geo_facts(frame.geometry)
        self.con.execute("DELETE FROM station_display WHERE set_id = ?", [parsed.set_id])
        self.con.execute("DELETE FROM station WHERE set_id = ?", [parsed.set_id])
        # Re-importing the same file keeps its first import time: nothing changes.
        self.con.execute(
            """INSERT INTO station_set VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (set_id) DO UPDATE SET label = excluded.label, valid_from = excluded.valid_from,
                 valid_to = excluded.valid_to, source = excluded.source, source_sha256 = excluded.source_sha256,
                 imported_at = CASE WHEN station_set.source_sha256 = excluded.source_sha256
                                    THEN station_set.imported_at ELSE excluded.imported_at END""",
            [parsed.set_id, parsed.label, parsed.valid_from, parsed.valid_to, source, sha256, datetime.now(timezone.utc).replace(tzinfo=None)],
        )
        table = pd.DataFrame({
            "station_id": frame["station_id"].to_numpy(), "set_id": parsed.set_id,
            "commune_code": frame["commune_code"].to_numpy(), "bv_code": frame["bv_code"].to_numpy(),
            "name": frame["name"].to_numpy(), "geometry": _wkb(frame.geometry),
            **{k: v.to_numpy() for k, v in facts.items()}, "n_parts": frame["n_parts"].to_numpy(),
        })
        self.con.register("station_new", table)
        self.con.execute(
            """INSERT INTO station SELECT station_id, set_id, commune_code, bv_code, name, geometry::GEOMETRY,
                   centroid_lon, centroid_lat, area_m2, n_parts FROM station_new"""
        )
        self.con.unregister("station_new")
        if progress:
            progress("Simplification des contours pour l'affichage", 0.6)
        self._write_display("station_display", {"station_id": frame["station_id"].to_numpy(), "set_id": parsed.set_id}, frame.geometry)
        self._ensure_communes(frame["commune_code"].unique(), parsed.commune_names)
        self._fill_commune_geometry()

    def _write_display(self, table_name: str, keys: dict[str, Any], geometries: gpd.GeoSeries) -> None:
        variants = simplify_for_display(geometries)
        frames = []
        for level, tolerance in DISPLAY_LEVELS:
            frames.append(pd.DataFrame({**keys, "level": level, "tolerance_m": tolerance, "geometry": _wkb(variants.levels[level])}))
        display = pd.concat(frames, ignore_index=True)
        columns = ", ".join(list(keys) + ["level", "tolerance_m", "geometry::GEOMETRY"])
        self.con.register("display_new", display)
        self.con.execute(f"INSERT INTO {table_name} SELECT {columns} FROM display_new")  # noqa: S608 - fixed identifiers
        self.con.unregister("display_new")

    def _fill_commune_geometry(self) -> None:
        """Communes without imported contours get the union of their latest stations."""
        rows = self.con.execute(
            """SELECT s.commune_code, s.geometry::BLOB FROM station s
               JOIN commune c USING (commune_code)
               JOIN (SELECT commune_code, arg_max(set_id, coalesce(ss.valid_from, DATE '1900-01-01')) AS set_id
                     FROM station JOIN station_set ss USING (set_id) GROUP BY commune_code) latest USING (commune_code, set_id)
               WHERE c.geometry IS NULL OR c.geometry_source = 'union des bureaux'"""
        ).fetchall()
        if not rows:
            return
        frame = pd.DataFrame(rows, columns=["commune_code", "wkb"])
        frame["geometry"] = shapely.from_wkb(frame["wkb"].to_numpy())
        unions = frame.groupby("commune_code")["geometry"].agg(lambda g: shapely.union_all(np.asarray(g)))
        update = pd.DataFrame({"commune_code": unions.index, "geometry": _wkb(unions.to_numpy())})
        self.con.register("commune_geom", update)
        self.con.execute(
            """UPDATE commune SET geometry = g.geometry::GEOMETRY, geometry_source = 'union des bureaux'
               FROM commune_geom g WHERE commune.commune_code = g.commune_code"""
        )
        self.con.unregister("commune_geom")

    def write_iris(self, parsed: ParsedIris, source: str) -> None:
        frame = parsed.frame
        facts = _geo_facts(frame.geometry)
        table = pd.DataFrame({
            "code_iris": frame["code_iris"].to_numpy(), "name": frame["name"].to_numpy(),
            "commune_code": frame["commune_code"].to_numpy(), "iris_type": frame["iris_type"].to_numpy(),
            "geometry": _wkb(frame.geometry), **{k: v.to_numpy() for k, v in facts.items()}, "source": source,
        })
        self.con.register("iris_new", table)
        self.con.execute("DELETE FROM iris_display WHERE code_iris IN (SELECT code_iris FROM iris_new)")
        self.con.execute("DELETE FROM iris WHERE code_iris IN (SELECT code_iris FROM iris_new)")
        self.con.execute(
            """INSERT INTO iris SELECT code_iris, name, commune_code, iris_type, geometry::GEOMETRY,
                   centroid_lon, centroid_lat, area_m2, source FROM iris_new"""
        )
        self.con.unregister("iris_new")
        self._write_display("iris_display", {"code_iris": frame["code_iris"].to_numpy()}, frame.geometry)
        self._ensure_communes(frame["commune_code"].unique(), {})

    def write_indicators(self, parsed: ParsedIndicators, source: str) -> None:
        values = parsed.values
        catalog = parsed.catalog.assign(source=source)
        self.con.register("ind_new", values)
        self.con.register("cat_new", catalog)
        self.con.execute(
            """DELETE FROM iris_indicator WHERE (code_iris, variable, year) IN
               (SELECT code_iris, variable, year FROM ind_new)"""
        )
        self.con.execute("INSERT INTO iris_indicator SELECT code_iris, variable, year, value FROM ind_new")
        self.con.execute(
            """INSERT INTO indicator SELECT variable, year, label, theme, source FROM cat_new
               ON CONFLICT (variable, year) DO UPDATE SET label = excluded.label, theme = excluded.theme, source = excluded.source"""
        )
        self.con.unregister("ind_new")
        self.con.unregister("cat_new")

    def write_addresses(self, parsed: ParsedAddresses, source: str) -> None:
        frame = parsed.frame.assign(source=source)
        self.con.register("addr_new", frame)
        self.con.execute(
            "DELETE FROM address WHERE commune_code IN (SELECT DISTINCT commune_code FROM addr_new) OR address_id IN (SELECT address_id FROM addr_new)"
        )
        self.con.execute(
            """INSERT INTO address SELECT address_id, ban_id, commune_code, station_id, label, housenumber, street, postcode,
                   city, lon, lat, geo_type, geo_score, n_addresses, source FROM addr_new"""
        )
        self.con.unregister("addr_new")
        self._ensure_communes(frame["commune_code"].dropna().unique(), {})

    def write_reu_stations(self, parsed: ParsedReuStations, source: str) -> None:
        frame = parsed.frame.assign(source=source)
        self.con.register("reu_new", frame)
        self.con.execute("DELETE FROM reu_station WHERE commune_code IN (SELECT DISTINCT commune_code FROM reu_new)")
        self.con.execute(
            "INSERT INTO reu_station SELECT station_id, commune_code, bv_code, name, place_address, n_addresses, source FROM reu_new"
        )
        self.con.unregister("reu_new")
        self._ensure_communes(frame["commune_code"].unique(), {})

    def write_communes(self, parsed: ParsedCommunes, source: str) -> None:
        frame = parsed.frame
        has_geom = frame["geometry"].notna()
        table = pd.DataFrame({
            "commune_code": frame["commune_code"], "name": frame["name"], "departement": frame["departement"],
            "geometry": [shapely.to_wkb(g) if g is not None else None for g in frame["geometry"]],
            "geometry_source": np.where(has_geom, source, None),
        })
        self.con.register("com_new", table)
        self.con.execute(
            """INSERT INTO commune SELECT commune_code, name, departement, geometry::GEOMETRY, geometry_source FROM com_new
               ON CONFLICT (commune_code) DO UPDATE SET name = excluded.name,
                 departement = coalesce(excluded.departement, commune.departement),
                 geometry = coalesce(excluded.geometry, commune.geometry),
                 geometry_source = coalesce(excluded.geometry_source, commune.geometry_source)"""
        )
        self.con.unregister("com_new")

    def write_station_iris(self, frame: pd.DataFrame, set_ids: Any = None) -> None:
        """Replace the ``station_iris`` rows of the boundary versions ``set_ids`` (default: those
        of ``frame``) by ``frame`` (station_id, set_id, code_iris, weight, method), in its own
        transaction: on any error the table is left as it was."""
        table = frame[["station_id", "set_id", "code_iris", "weight", "method"]]
        sets = sorted({str(s) for s in (table["set_id"] if set_ids is None else set_ids)})
        with self.transaction():
            self.con.register("station_iris_new", table)
            try:
                self.con.execute("DELETE FROM station_iris WHERE list_contains(?::VARCHAR[], set_id)", [sets])
                self.con.execute(
                    """INSERT INTO station_iris SELECT station_id, set_id, code_iris, weight, method
                       FROM station_iris_new ORDER BY set_id, station_id, code_iris, method"""
                )
            finally:
                self.con.unregister("station_iris_new")

    def refresh_election_sets(self) -> None:
        """Which boundary version each (election, commune) is drawn on: the one linked by hand
        (``election_set_link``) if any; else, among the versions holding some of its stations, the
        one whose dates (per commune, ``version_validity`` over ``station_set``) say it is in force
        on the election date, then the one matching most stations, then the newest."""
        self.con.execute("DELETE FROM election_station_set")
        self.con.execute(
            """INSERT INTO election_station_set
               WITH validity AS (
                   SELECT sc.set_id, sc.commune_code, coalesce(v.valid_from, ss.valid_from) AS vf,
                          coalesce(v.valid_to, ss.valid_to) AS vt,
                          (v.valid_from IS NOT NULL OR v.valid_to IS NOT NULL
                           OR ss.valid_from IS NOT NULL OR ss.valid_to IS NOT NULL) AS dated
                   FROM (SELECT DISTINCT set_id, commune_code FROM station) sc
                   JOIN station_set ss USING (set_id)
                   LEFT JOIN version_validity v USING (set_id, commune_code)),
               m AS (
                   SELECT t.election_id, t.commune_code, s.set_id, count(*) AS matched
                   FROM turnout t JOIN station s ON s.station_id = t.station_id AND s.commune_code = t.commune_code
                   GROUP BY ALL),
               ranked AS (
                   SELECT m.*, row_number() OVER (
                       PARTITION BY m.election_id, m.commune_code
                       ORDER BY (e.date IS NOT NULL AND va.dated AND coalesce(va.vf <= e.date, TRUE)
                                 AND coalesce(e.date <= va.vt, TRUE)) DESC,
                         matched DESC,
                         (e.date IS NOT NULL AND coalesce(va.vf <= e.date, TRUE) AND coalesce(e.date <= va.vt, TRUE)) DESC,
                         va.vf DESC NULLS LAST, m.set_id) AS rk
                   FROM m JOIN validity va USING (set_id, commune_code) JOIN election e USING (election_id)),
               auto AS (SELECT election_id, commune_code, set_id, matched FROM ranked WHERE rk = 1)
               SELECT election_id, commune_code, coalesce(l.set_id, a.set_id) AS set_id,
                      CASE WHEN l.set_id IS NULL OR l.set_id = a.set_id THEN a.matched
                           ELSE (SELECT count(*) FROM turnout t JOIN station s ON s.station_id = t.station_id
                                 WHERE t.election_id = a.election_id AND t.commune_code = a.commune_code
                                   AND s.set_id = l.set_id) END AS matched
               FROM auto a LEFT JOIN election_set_link l USING (election_id, commune_code)"""
        )

    def write_station_quality(self, set_id: str, figures: dict[str, Any], details: dict[str, Any]) -> None:
        """The quality figures of a boundary version built from addresses (one row per version, replaced)."""
        columns = ["method", "addresses", "stations", "containment", "exceptions", "shared_points", "small_stations",
                   "outside", "gap_m2", "overlap_m2", "polsby_popper_median", "reference_set_id", "iou_median", "iou_min", "seconds"]
        self.con.execute("DELETE FROM station_set_quality WHERE set_id = ?", [set_id])
        self.con.execute(
            f"""INSERT INTO station_set_quality (set_id, built_at, {", ".join(columns)}, details)
                VALUES (?, ?, {", ".join("?" for _ in columns)}, ?)""",  # noqa: S608 - fixed identifiers
            [set_id, datetime.now(timezone.utc).replace(tzinfo=None), *[figures.get(c) for c in columns],
             json.dumps(details, ensure_ascii=False, default=str)],
        )
    def write_crosswalk(self, from_set: str, to_set: str, frame: pd.DataFrame, communes: list[str]) -> None:
        """Replace the ``station_crosswalk`` rows from ``from_set`` to ``to_set`` of ``communes``'
        stations (the commune is the station id's prefix) by ``frame`` (from_station_id, to_station_id, weight, method, reliability); call
        inside ``transaction()``."""
        table = frame[["from_station_id", "to_station_id", "weight", "method", "reliability"]].assign(
            from_set_id=from_set, to_set_id=to_set)

        self.con.register("crosswalk_new", table)
        try:
            self.con.execute(
                """DELETE FROM station_crosswalk WHERE from_set_id = ? AND to_set_id = ?
                     AND list_contains(?::VARCHAR[], split_part(from_station_id, '_', 1))""",
                [from_set, to_set, communes],
            )
            self.con.execute(
                """INSERT INTO station_crosswalk SELECT from_set_id, from_station_id, to_set_id, to_station_id,
                       weight, method, reliability FROM crosswalk_new ORDER BY from_station_id, to_station_id"""
            )
        finally:
            self.con.unregister("crosswalk_new")

    def set_validity(self, set_id: str, commune_code: str | None, valid_from: Any, valid_to: Any) -> None:
        """Dates of a boundary version: for every commune (``station_set``) or one (``version_validity``)."""
        if commune_code is None:
            self.con.execute("UPDATE station_set SET valid_from = ?, valid_to = ? WHERE set_id = ?", [valid_from, valid_to, set_id])
        else:
            self.con.execute(
                """INSERT INTO version_validity VALUES (?, ?, ?, ?) ON CONFLICT (set_id, commune_code)
                   DO UPDATE SET valid_from = excluded.valid_from, valid_to = excluded.valid_to""",
                [set_id, commune_code, valid_from, valid_to],
            )

    def link_election_set(self, election_id: str, commune_code: str, set_id: str | None) -> None:
        """Draw an election on ``set_id`` in a commune whatever the dates say (``None``: undo the link)."""
        self.con.execute("DELETE FROM election_set_link WHERE election_id = ? AND commune_code = ?", [election_id, commune_code])
        if set_id is not None:
            self.con.execute(
                "INSERT INTO election_set_link VALUES (?, ?, ?, ?)",
                [election_id, commune_code, set_id, datetime.now(timezone.utc).replace(tzinfo=None)],
            )

    def log_import(self, report: ImportReport, sha256: str, options: dict[str, Any]) -> None:
        self.con.execute(
            """INSERT INTO import_log (kind, file_name, file_sha256, options, imported_at, rows_read, rows_imported, rows_skipped, report)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                report.kind, report.file, sha256, json.dumps(options, sort_keys=True, default=str),
                datetime.now(timezone.utc).replace(tzinfo=None), report.rows_read, report.rows_imported,
                report.rows_skipped, json.dumps(report.to_dict(), default=str),
            ],
        )

    # -- reads used by info and reports ------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        """A read with bound parameters. Read-only, each call runs on a cursor of its own taken
        from the current snapshot's pool: the app's sessions query from many threads at once."""
        if self._reader is not None:
            with self._reader.cursor() as cursor:
                return cursor.execute(sql, params or []).df()
        return self.con.execute(sql, params or []).df()

    def fingerprint(self) -> dict[str, int]:
        """Row count and content hash per data table: equal fingerprints = same data."""
        out = {}
        for table in DATA_TABLES:
            columns = self.query(f"DESCRIBE {table}")["column_name"].tolist()  # noqa: S608
            cast = ", ".join(f'"{c}"::VARCHAR' for c in columns)
            count, digest = self.query(
                f"SELECT count(*) AS n, coalesce(sum(hash({cast})), 0)::VARCHAR AS digest FROM {table}"  # noqa: S608 - fixed identifiers
            ).iloc[0]
            out[table] = (int(count), digest)
        return out  # type: ignore[return-value]
