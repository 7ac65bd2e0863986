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
    if _has_folium():
        assert figures["city_ours_bytes"] < figures["city_folium_bytes"]
    assert not any(key.startswith(("brest_", "national_")) for key in figures)


def test_map_payload_without_folium_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bench = _load("map_payload")
    monkeypatch.setitem(sys.modules, "folium", None)  # makes ``import folium`` raise ImportError
    with pytest.raises(SystemExit, match=r'pip install -e "\.\[bench\]"'):
        bench.main(["--territories", "city", "--work-dir", str(tmp_path)])
