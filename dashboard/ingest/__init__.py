"""Importers for the official formats, and the one registry of import kinds.

Each kind pairs a French description with a pure ``parse(path, options)``
that reads, validates and normalises a file without writing anything; the
writes are :mod:`dashboard.warehouse.database`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from dashboard.errors import ImportRejected


@dataclass(frozen=True)
class ImportOptions:
    """Options of ``isoloir import`` (each kind uses those it needs)."""

    election: str | None = None
    mapping: Path | None = None
    label: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    crs: str | None = None
    layer: str | None = None
    year: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False  # leave out bad rows / features and list them, instead of refusing the file
    allow_partial_votes: bool = False  # accept candidate votes that do not add up to the expressed votes

    def as_dict(self) -> dict[str, Any]:
        """The options set (recorded in ``import_log``): unset values and false flags left out."""
        return {k: (v if isinstance(v, bool) else str(v)) for k, v in self.__dict__.items()
                if v is not None and v is not False and v != {}}


@dataclass(frozen=True)
class ImportKind:
    name: str
    label_fr: str
    parse: Callable[[Path, ImportOptions], Any]


def _results(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.results import read_results

    return read_results(path, o.election, o.mapping, allow_partial_votes=o.allow_partial_votes, skip_invalid=o.skip_invalid)


def _geo_mapping(o: ImportOptions, kind: str) -> Any:
    from dashboard.ingest.geo_mapping import load_geo_mapping

    return load_geo_mapping(o.mapping, kind) if o.mapping is not None else None


def _stations(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.stations import read_stations

    return read_stations(
        path, label=o.label, valid_from=o.valid_from, valid_to=o.valid_to, crs=o.crs, layer=o.layer,
        columns=dict(o.columns), mapping=_geo_mapping(o, "stations"), skip_invalid=o.skip_invalid,
    )


def _iris(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.iris import read_iris_contours

    return read_iris_contours(path, layer=o.layer, crs=o.crs, mapping=_geo_mapping(o, "iris-contours"), skip_invalid=o.skip_invalid)


def _indicators(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.indicators import read_indicators

    return read_indicators(path, year=o.year, mapping=_geo_mapping(o, "iris-indicators"))


def _addresses(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.addresses import read_addresses, read_reu_stations
    from dashboard.ingest.limits import read_head

    # The REU ships two tables; the polling-station one is recognised by its columns.
    if path.exists() and path.is_file() and path.stat().st_size > 0:
        head = read_head(path, 4096)
        if b"libelle_reu" in head and b"longitude" not in head:
            return read_reu_stations(path)
    return read_addresses(path)


def _reu_stations(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.addresses import read_reu_stations

    return read_reu_stations(path)


def _communes(path: Path, o: ImportOptions) -> Any:
    from dashboard.ingest.communes import read_communes

    return read_communes(path, layer=o.layer, crs=o.crs)


KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind("results", "résultats par bureau de vote (ministère 2017-2022, 2024, format long, xlsx, --mapping)", _results),
        ImportKind("stations", "contours des bureaux de vote (GeoJSON, Shapefile, GeoPackage ; tout CRS)", _stations),
        ImportKind("iris-contours", "contours IRIS (IGN CONTOURS-IRIS, georef OpenDataSoft)", _iris),
        ImportKind("iris-indicators", "indicateurs INSEE par IRIS (base-ic, Filosofi)", _indicators),
        ImportKind("addresses", "adresses du REU (table-adresses-reu) ou table des bureaux du REU", _addresses),
        ImportKind("reu-stations", "table des bureaux de vote du REU (table-bv-reu)", _reu_stations),
        ImportKind("communes", "communes (ADMIN EXPRESS, OSM, geo.api ou COG INSEE en CSV)", _communes),
    )
}


def get_kind(name: str) -> ImportKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ImportRejected(f"type d'import « {name} » inconnu ; types possibles : {', '.join(KINDS)}") from None
