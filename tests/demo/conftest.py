"""Fixtures: the city-scale demo territory, generated once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dashboard.demo import DemoManifest, generate_demo


def shared_data_dir() -> Path | None:
    """The real sample files (``shared/data``), if present: env var, beside the repo, or /work/shared."""
    candidates = []
    if os.environ.get("ISOLOIR_SHARED_DATA"):
        candidates.append(Path(os.environ["ISOLOIR_SHARED_DATA"]))
    candidates.append(Path(__file__).resolve().parents[2].parent / "shared" / "data")
    candidates.append(Path("/work/shared/data"))
    for c in candidates:
        if (c / "SOURCES.md").exists():
            return c
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("real sample files (shared/data) are not available: layout comparison skipped")
    return path


@pytest.fixture(scope="session")
def progress_log() -> list[tuple[str, float]]:
    return []


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory, progress_log: list[tuple[str, float]]) -> DemoManifest:
    out = tmp_path_factory.mktemp("demo-city-a")
    return generate_demo(out, scale="city", seed=2026, progress=lambda m, f: progress_log.append((m, f)))


@pytest.fixture(scope="session")
def city_again(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_demo(tmp_path_factory.mktemp("demo-city-b"), scale="city", seed=2026)


@pytest.fixture(scope="session")
def city_other_seed(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return generate_demo(tmp_path_factory.mktemp("demo-city-c"), scale="city", seed=7)


KEYS = {
    "communes": ("communes", None, 0), "stations-2022": ("stations", None, 0), "stations-2024": ("stations", None, 1),
    "iris-contours": ("iris-contours", None, 0), "iris-pop": ("iris-indicators", None, 0),
    "iris-act": ("iris-indicators", None, 1), "iris-log": ("iris-indicators", None, 2),
    "iris-filo": ("iris-indicators", None, 3), "reu-stations": ("reu-stations", None, 0),
    "addresses": ("addresses", None, 0),
}


def paths_of(manifest: DemoManifest) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for key, (kind, _, index) in KEYS.items():
        out[key] = [f.path for f in manifest.files if f.kind == kind][index]
    for f in manifest.files:
        if f.kind == "results":
            out[str(f.election)] = f.path
    return out


@pytest.fixture(scope="session")
def paths(city: DemoManifest) -> dict[str, Path]:
    """Files of the seed-2026 city territory by short key (``stations-2024``, ``pres2022_t1``...)."""
    return paths_of(city)
