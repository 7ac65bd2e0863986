"""Mappings built from menus: the TOML ``--mapping`` reads, saved under the data folder and listed again."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dashboard.errors import ImportRejected
from dashboard.ingest.mapping_file import build_mapping, mapping_columns, save_mapping, saved_mappings


def test_results_mapping_round_trip(tmp_path: Path) -> None:
    text = build_mapping("results", {"station": "Bureau", "expressed": "Exprimés", "unknown": "x", "voters": ""},
                         ["Voix \"A\"", "Liste B (2)"], commune="93010", election="muni2020_t1", skip_prefix="Total")
    data = tomllib.loads(text)
    assert data["columns"] == {"station": "Bureau", "expressed": "Exprimés"}  # unknown and empty fields left out
    assert data["commune"] == "93010" and data["election"] == "muni2020_t1" and data["format"] == "wide"
    assert data["candidates"]["pattern"] == '(?P<name>Voix\\ "A"|Liste\\ B\\ \\(2\\))'
    assert data["skip_rows"] == {"column": "Bureau", "pattern": "(?i)^Total"}
    path = save_mapping(tmp_path, "Ville de Bondy (2020)", text)
    assert path == tmp_path / "mappings" / "ville-de-bondy-2020.toml"
    assert saved_mappings(tmp_path) == {"ville-de-bondy-2020": path}
    assert mapping_columns(path)["station"] == "Bureau"


def test_refusals_are_french(tmp_path: Path) -> None:
    with pytest.raises(ImportRejected, match="colonne du bureau"):
        build_mapping("results", {"expressed": "E"}, ["A"])
    with pytest.raises(ImportRejected, match="au moins une colonne"):
        build_mapping("results", {"station": "B"}, [])
    with pytest.raises(ImportRejected, match="pas de correspondance par menus"):
        build_mapping("communes", {}, [])
    with pytest.raises(ImportRejected, match="nom de correspondance invalide"):
        save_mapping(tmp_path, "../..", "a = 1\n")
    assert saved_mappings(tmp_path / "nowhere") == {}
    stations = tomllib.loads(build_mapping("stations", {"commune": "INSEE", "bv": "NUM"}))
    assert stations == {"kind": "stations", "columns": {"commune": "INSEE", "bv": "NUM"}}


def test_geometry_mappings_from_menus_are_read_by_the_importers(tmp_path: Path) -> None:
    """The menus' TOML for stations (a constant commune), IRIS contours and indicators is what
    ``ingest/geo_mapping.py`` reads for ``--mapping``."""
    from dashboard.ingest.geo_mapping import check_mapping

    stations = check_mapping(tomllib.loads(build_mapping("stations", {"bv": "BUREAU", "name": "NOM"}, commune="13055")),
                             "stations")
    assert stations.commune == "13055" and stations.columns == {"bv": "BUREAU", "name": "NOM"}
    iris = check_mapping(tomllib.loads(build_mapping("iris-contours", {"code": "CODE", "name": "NOM"})), "iris-contours")
    assert iris.columns == {"code": "CODE", "name": "NOM"}
    indicators = check_mapping(tomllib.loads(build_mapping("iris-indicators", {"code": "IRIS_CODE"})), "iris-indicators")
    assert indicators.columns == {"code": "IRIS_CODE"}
    with pytest.raises(ImportRejected, match="pour le type stations"):
        check_mapping(tomllib.loads(build_mapping("stations", {"bv": "B"})), "iris-contours")
