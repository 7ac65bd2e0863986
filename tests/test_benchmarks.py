"""Smoke tests of the benchmarks: they run, and the properties they report hold (no timings asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO_ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _has_folium() -> bool:
    return importlib.util.find_spec("folium") is not None


def test_map_payload_on_the_demo_city(demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("map_payload")
    argv = ["--territories", "city", "--demo-dir", str(demo_dir), "--work-dir", str(tmp_path), "--repeat", "1"]
    if not _has_folium():
        argv.append("--skip-folium")
    returned = bench.main(argv)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = json.loads(last)
    assert figures == returned
    assert 0 < figures["city_ours_bytes"] < figures["city_naive_bytes"]
    assert figures["city_ours_vertices"] <= figures["city_full_vertices"]
    assert figures["city_missing_stations"] == 0
    assert figures["city_max_px"] <= 1.0  # no vertex displaced by more than a pixel at the fitted zoom
    # the new path: geometry tiles once, then only values; its tiles are as faithful
    assert figures["city_tiles_max_px"] <= 1.0 and figures["city_tiles_missing_stations"] == 0
    assert 0 < figures["city_tiles_change_deflated_bytes"] < figures["city_tiles_first_bytes"]
    assert figures["city_tiles_change_bytes"] < figures["city_ours_bytes"]
    if _has_folium():
        assert figures["city_ours_bytes"] < figures["city_folium_bytes"]
        assert figures["city_tiles_change_folium_ratio"] > 10
    assert not any(key.startswith(("brest_", "national_")) for key in figures)


def test_map_payload_without_folium_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bench = _load("map_payload")
    monkeypatch.setitem(sys.modules, "folium", None)  # makes ``import folium`` raise ImportError
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[bench\]"'):
        bench.main(["--territories", "city", "--work-dir", str(tmp_path)])


def test_zones_benchmark_on_the_demo_city(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("zones")
    returned = bench.main(["--quick", "--data-dir", str(demo_dir)])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    assert figures["stations"] > 0 and figures["addresses"] > 0
    assert figures["lasso_addresses"] > 0
    # ours, geopandas sjoin and the naive end-to-end selection find the same addresses
    assert figures["pip_memory_inside"] == figures["sjoin_inside"] == figures["naive_select_inside"] == figures["lasso_addresses"]
    assert figures["zone_doors"] >= 300 and figures["turf_turfs"] >= 2
    assert figures["turf_overlapping_pairs"] == 0  # turfs never cross each other
    assert figures["walk_points"] > 0 and figures["walk_street_revisits"] == 0


def _has_pyei() -> bool:
    return importlib.util.find_spec("pyei") is not None


def test_ei_accuracy_quick(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("ei_accuracy")
    argv = ["--quick"] + ([] if _has_pyei() else ["--skip-pyei"])
    returned = bench.main(argv)
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    for key in ("ours_mae", "pyei_mae", "ours_coverage", "ours_s", "pyei_s", "goodman_mae", "speed_ratio", "national_s"):
        assert key in figures
    for prefix in ("", "homogeneous_", "wide_demo_", "wide_homogeneous_"):
        for method in ("ours", "goodman"):
            assert 0 <= figures[f"{prefix}{method}_mae"] <= 1
            assert 0 <= figures[f"{prefix}{method}_coverage"] <= 1
            assert figures[f"{prefix}{method}_s"] > 0
    # a broken estimator scores ~0.15 (column shares); the demo city's 40 stations give ~0.02
    assert figures["ours_mae"] < 0.06
    assert figures["ours_converged"] and figures["national_groups_converged"] and figures["national_transfer_converged"]
    assert figures["national_stations"] > 0 and figures["national_s"] > 0
    if _has_pyei():
        assert 0 <= figures["pyei_mae"] <= 1 and 0 <= figures["pyei_coverage"] <= 1
        assert figures["pyei_s"] > 0 and figures["speed_ratio"] > 0
    else:
        assert figures["pyei_mae"] is None and figures["pyei_s"] is None and figures["speed_ratio"] is None


def test_ei_accuracy_without_pyei_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _load("ei_accuracy")
    monkeypatch.setitem(sys.modules, "pyei", None)  # makes ``import pyei`` raise ImportError
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[bench\]"'):
        bench.main(["--quick"])


def test_encryption_benchmark_reads_the_same_contacts_both_ways(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("encryption")
    returned = bench.main(["--contacts", "200", "--repeat", "1"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    assert figures["contacts"] == 200 and figures["read_plain_s"] > 0 and figures["read_encrypted_s"] > 0
    assert set(figures) == {"contacts", "read_plain_s", "read_encrypted_s", "ratio", "per_contact_us", "seal_s"}


def test_wild_imports_reports_each_file(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("wild_imports")
    returned = bench.main(["--shared-data", str(shared_data), "--only", "wild/loireatl44-mspr"])
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert summary["files"] == 2 and summary["imported"] == 2 and summary["errors"] == 0
    assert returned["outcomes"][0]["details"]["candidats"] == 12
    assert any("presidentielle2017" in line and "importé" in line for line in out[:-1])


def test_sensitive_benchmark_on_the_labelled_sets(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("sensitive")
    returned = bench.main(["--repeat", "1"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    assert figures["texts"] >= 500 and figures["cases_precision"] >= 0.95 and figures["fresh_recall"] >= 0.95
    assert 0 < figures["median_ms"] <= figures["max_ms"]


def test_sensitive_benchmark_scans_the_place_names_of_the_sample_files(shared_data: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("sensitive")
    figures = bench.main(["--repeat", "1", "--cases", str(REPO_ROOT / "tests/privacy/sensitive_fresh.tsv"),
                          "--shared-data", str(shared_data)])
    assert figures["place_names"] > 5000 and figures["place_names_caught"] == 0


def test_boundaries_benchmark_quick_on_bondy(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("boundaries")
    returned = bench.main(["--quick", "--data", str(shared_data)])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    for key in ("iou_osm_median", "iou_etalab_median", "containment", "gap_m2", "overlap_m2", "baseline_iou_osm_median", "baseline_iou_etalab_median"):
        assert key in figures
    assert figures["containment"] == figures["baseline_containment"] == 1.0
    assert max(figures["gap_m2"], figures["overlap_m2"], figures["baseline_gap_m2"], figures["baseline_overlap_m2"]) <= 1.0
    assert figures["stations"] == 32 and figures["addresses"] == 5698
    # the plain-Voronoi baseline is what the issue measured (0.92 against Etalab, 0.82 against REU + OSM)
    assert round(figures["baseline_iou_etalab_median"], 2) == 0.92 and round(figures["baseline_iou_osm_median"], 2) == 0.82
    assert figures["iou_osm_median"] > figures["baseline_iou_osm_median"]
    # `empty` (the IRIS rule on empty land only): above the baseline against REU + OSM, still >= 0.90 against Etalab
    assert figures["empty_containment"] == 1.0 and max(figures["empty_gap_m2"], figures["empty_overlap_m2"]) <= 1.0
    assert figures["empty_iou_osm_median"] > figures["baseline_iou_osm_median"] and figures["empty_iou_etalab_median"] >= 0.90
    assert not any(key.startswith("synthetic_") for key in figures)


def test_field_sync_benchmark_records_every_visit_once(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("field_sync")
    returned = bench.main(["--visits", "50", "--requests", "5", "--doors", "5"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned and figures["requests"] == 5 and figures["backend"] == "duckdb"
    assert figures["cpu_ms_per_visit_single"] > 0 and figures["round_trip_ms_median"] > 0


def test_crosswalk_benchmark_small(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("crosswalk")
    returned = bench.main(["--communes", "300", "--redrawn", "0.3"])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    assert figures["old_stations_covered"] == figures["old_stations"] and figures["weights_sum_max_error"] < 1e-9
    assert figures["stored_rows"] == figures["rows"] > 0 and figures["by_addresses"] > 0


def test_voters_benchmark_on_the_demo_city(demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load("voters")
    returned = bench.main(["--voters", "400", "--demo-dir", str(demo_dir), "--work-dir", str(tmp_path)])
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures == returned
    assert figures["voters"] == 400 and figures["seconds"] > 0
    assert 0.95 <= figures["match_rate"] <= 1 and figures["unmatched"] >= 0
    assert figures["match_rate"] * 400 + figures["unmatched"] + figures["doubtful"] == pytest.approx(400, abs=1)


def test_map_browser_counts_bytes_of_http_and_websocket_frames() -> None:
    bench = _load("map_browser")
    wire = bench.WireCount()
    wire.on_request({"requestId": "1", "request": {"url": "http://x/static/js/index.abc.js?v=1"}})
    wire.on_request({"requestId": "2", "request": {"url": "http://x/carte-geo/s/a/1/29.bin"}})
    wire.on_loading_finished({"requestId": "1", "encodedDataLength": 1000})
    wire.on_loading_finished({"requestId": "2", "encodedDataLength": 300})
    wire.on_frame({"response": {"opcode": 1, "payloadData": "héllo"}})  # text: its UTF-8 bytes
    wire.on_frame({"response": {"opcode": 2, "payloadData": "AAECAw=="}})  # binary: base64 of 4 bytes
    assert (wire.http, wire.code, wire.websocket, wire.frames) == (1300, 1000, 6 + 4, 2)
    assert wire.total == 1310 and wire.data == 310 and wire.deflated_total > 1300
    wire.reset()
    assert wire.total == wire.data == wire.frames == 0


def test_map_browser_json_contract_without_territories(capsys: pytest.CaptureFixture[str]) -> None:
    """The last line is one JSON object with the issue's keys, null when not measured (never invented)."""
    bench = _load("map_browser")
    if not bench.CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed")
    # Playwright's sync API in a thread of its own: the browser tests' session-wide Playwright keeps an event loop
    # running in this one
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        returned = pool.submit(bench.main, ["--quick", "--skip-brest", "--skip-phone"]).result()
    out = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(out[-1])
    assert figures == returned and figures["repeat"] == 1
    for key in bench.CONTRACT_KEYS:
        assert key in figures and figures[key] is None
    assert any("France: skipped" in line for line in out)
    with pytest.raises(SystemExit):
        bench.main(["--national-dir", str(REPO_ROOT / "no-such-dir")])


def test_map_browser_summary_takes_the_measured_figures() -> None:
    bench = _load("map_browser")
    runs = bench.Runs(first_paint_s=[1.0, 3.0, 2.0], first_bytes=[10, 30, 20], first_deflated=[5, 5, 5],
                      first_data=[100, 100, 100], change_s=[0.2, 0.1, 0.3], change_bytes=[7, 7, 9],
                      change_deflated=[3, 3, 3])
    figures = {**bench.figures_of("brest_cold", runs), **bench.figures_of("brest_warm", runs),
               "brest_folium_first_bytes": 2500, "brest_folium_measure_change_bytes": 2500}
    result = bench.summary(figures)
    assert result["brest_bytes"] == 100 and result["brest_folium_ratio"] == 25.0
    assert result["brest_measure_change_bytes"] == 7 and result["brest_warm_measure_change_s"] == 0.2
    assert result["france_first_paint_s"] is None and result["brest_cold_first_paint_s"] == 2.0
    assert "Brest, ours, cold" in bench.table(result, bench.ROWS) and "France" not in bench.table(result, bench.ROWS)
