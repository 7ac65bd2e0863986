"""Public API, manifest, progress reporting and byte-for-byte determinism."""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from dashboard.demo import DemoFile, DemoManifest, generate_demo
from dashboard.demo.writers import _write_vector
from dashboard.errors import ConfigError

ELECTIONS = ["pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2"]


def _digest(manifest: DemoManifest) -> dict[str, str]:
    root = manifest.truth_path.parent
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_manifest_lists_files_in_import_order(city: DemoManifest) -> None:
    assert city.scale == "city"
    kinds = [f.kind for f in city.files]
    order = ["communes", "stations", "iris-contours", "iris-indicators", "reu-stations", "addresses", "results"]
    assert [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k] == order
    stations = [f for f in city.files if f.kind == "stations"]
    assert [(f.set_label, f.valid_from, f.valid_to) for f in stations] == [
        ("Contours 2022 (démo)", "2022-01-01", "2023-12-31"), ("Contours 2024 (démo)", "2024-01-01", None)]
    assert [f.election for f in city.files if f.kind == "results"] == ELECTIONS
    assert all(isinstance(f, DemoFile) and f.path.is_file() for f in city.files)
    assert all(f.path.is_relative_to(city.truth_path.parent / "sources") for f in city.files)
    assert city.truth_path.is_file()
    readme = (city.truth_path.parent / "sources" / "README.txt").read_text(encoding="utf-8")
    assert "fictifs" in readme and "PAS des résultats officiels" in readme


def test_progress_is_reported_in_french_and_reaches_one(city: DemoManifest,
                                                        progress_log: list[tuple[str, float]]) -> None:
    fractions = [f for _, f in progress_log]
    assert len(progress_log) >= 10
    assert fractions == sorted(fractions) and fractions[0] >= 0.0 and fractions[-1] == 1.0
    assert any("Écriture" in m for m, _ in progress_log)


def test_same_seed_gives_identical_bytes(city: DemoManifest, city_again: DemoManifest) -> None:
    a, b = _digest(city), _digest(city_again)
    assert a.keys() == b.keys()
    assert a == b


def test_other_seed_gives_other_files(city: DemoManifest, city_other_seed: DemoManifest) -> None:
    a, b = _digest(city), _digest(city_other_seed)
    assert a.keys() == b.keys()
    unchanged = {k for k in a if a[k] == b[k]}
    # Every data file changes; only the shapefile's projection and code-page sidecars are constant.
    assert unchanged <= {"sources/iris/CONTOURS-IRIS.prj", "sources/iris/CONTOURS-IRIS.cpg"}


def test_no_wall_clock_in_binary_formats(paths: dict[str, Path]) -> None:
    dbf = paths["iris-contours"].with_suffix(".dbf").read_bytes()
    assert (dbf[1] + 1900, dbf[2], dbf[3]) == (2024, 1, 1)
    with zipfile.ZipFile(paths["euro2024"]) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
        assert "2024-01-01T00:00:00Z" in core


def test_geopackage_writer_pins_last_change(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"a": ["x"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:2154")
    _write_vector(gdf, tmp_path / "t.gpkg", "t")
    with sqlite3.connect(tmp_path / "t.gpkg") as con:
        (last_change,) = con.execute("select last_change from gpkg_contents").fetchone()
    assert last_change.startswith("2024-01-01")


def test_unknown_scale_and_foreign_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        generate_demo(tmp_path, scale="region")  # type: ignore[arg-type]
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "precious.csv").write_text("x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="ne sera pas écrasé"):
        generate_demo(tmp_path, scale="city")
    assert (tmp_path / "sources" / "precious.csv").exists()


def test_regenerating_replaces_previous_demo(tmp_path: Path) -> None:
    first = generate_demo(tmp_path, scale="city", seed=1)
    before = _digest(first)
    stale = first.truth_path.parent / "sources" / "stale.txt"
    stale.write_text("old", encoding="utf-8")
    second = generate_demo(tmp_path, scale="city", seed=1)
    assert not stale.exists()
    assert _digest(second) == before
    assert not list(tmp_path.glob(".sources-tmp-*"))
