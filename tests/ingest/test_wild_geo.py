"""Every geometry file of ../shared/data/wild imports with the right counts (directly or with its
mapping in docs/mappings/) or is refused in French; counts checked against an independent read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from dashboard.errors import ImportRejected
from dashboard.ingest import ImportOptions, get_kind
from dashboard.ingest.ids import normalize_bv_code

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings"


def _features(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    text = text[text.index("{"): text.rindex("}") + 1]  # the JavaScript wrapper, stripped by hand
    return json.loads(text)["features"]


def _parse(kind: str, path: Path, **options: object):  # noqa: ANN202 - one of the Parsed* types
    return get_kind(kind).parse(path, ImportOptions(**options))  # type: ignore[arg-type]


def test_marseille_js_wrapped_contours(shared_data: Path) -> None:
    path = shared_data / "wild/marseille2014-makina/bureaux_marseille.geojson"
    features = _features(path)
    bureaux = {int(f["properties"]["BUREAU"]) for f in features}
    parsed = _parse("stations", path, mapping=MAPPINGS / "marseille2014-makina-bureaux.toml")
    assert len(features) == 471 and parsed.report.rows_read == len(features)
    assert set(parsed.frame["station_id"]) == {f"13055_{b}" for b in bureaux}
    assert len(parsed.frame) == len(bureaux)
    assert parsed.report.details["arrondissements"] == f"13055 : {len({b // 100 for b in bureaux})}"
    assert parsed.frame.loc[parsed.frame["station_id"] == "13055_1614", "bv_code"].item() == "1614"
    minx, miny, maxx, maxy = parsed.frame.total_bounds
    assert 5.2 < minx < maxx < 5.6 and 43.1 < miny < maxy < 43.4


def test_toulouse_null_geometry_needs_skip_invalid(shared_data: Path) -> None:
    path = shared_data / "wild/toulouse-mathavech/toulouse_bureaux_vote.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    null = [n for n, f in enumerate(features, start=1) if f["geometry"] is None]
    mapping = MAPPINGS / "toulouse-mathavech-bureaux.toml"
    with pytest.raises(ImportRejected) as info:
        _parse("stations", path, mapping=mapping)
    assert "--skip-invalid" in str(info.value) and f"entité {null[0]}" in str(info.value)
    parsed = _parse("stations", path, mapping=mapping, skip_invalid=True)
    kept = [f for f in features if f["geometry"] is not None]
    assert (len(features), len(null)) == (277, 1)
    assert parsed.report.rows_read == 277 and parsed.report.rows_imported == len(kept) == 276
    assert parsed.report.skipped[0].lines == null
    assert set(parsed.frame["station_id"]) == {f"31555_{normalize_bv_code(f['properties']['uniq_bdv'])}" for f in kept}


def test_montpellier_lost_accents_are_reported(shared_data: Path) -> None:
    path = shared_data / "wild/montpellier2015-makina/bv_34_Montpellier_2015.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    lost = sum("\ufffd" in (f["properties"]["Nom_Bureau"] or "") for f in features)
    parsed = _parse("stations", path, mapping=MAPPINGS / "montpellier2015-makina-bureaux.toml")
    assert set(parsed.frame["station_id"]) == {f"34172_{f['properties']['Bureau']}" for f in features}
    assert len(parsed.frame) == len(features) == 134
    assert any(w.startswith(f"{lost} nom(s) de bureau avec des caractères perdus") for w in parsed.report.warnings)
    minx, miny, maxx, maxy = parsed.frame.total_bounds
    assert 3.7 < minx < maxx < 4.0 and 43.5 < miny < maxy < 43.7  # degrees, whatever Shape_Area says


def test_corsica_epsg4171_with_two_id_forms(shared_data: Path) -> None:
    path = shared_data / "wild/corse2A-cartelec-makina/carte_elec_dept_2A.trim-2A001-2A004-2A041.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    expected = set()
    for f in features:
        ref = f["properties"]["BUREAU"]
        commune, _, number = ref.partition("_")
        expected.add(f"{commune}_{int(number) if number else 1}")
    parsed = _parse("stations", path)
    assert "EPSG:4171" in parsed.report.format
    assert set(parsed.frame["station_id"]) == expected and len(parsed.frame) == len(features) == 42
    assert parsed.frame.groupby("commune_code").size().to_dict() == {"2A001": 1, "2A004": 40, "2A041": 1}
    minx, miny, maxx, maxy = parsed.frame.total_bounds
    assert 8.5 < minx < maxx < 9.4 and 41.3 < miny < maxy < 42.1


def test_paris_iris_diplomes_indicators(shared_data: Path) -> None:
    path = shared_data / "wild/paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv"
    table = pd.read_csv(path, dtype=str)
    numeric = [c for c in table.columns if re.match(r"^P15_", c)]
    parsed = _parse("iris-indicators", path)
    assert parsed.report.details["IRIS"] == table["IRIS"].nunique() == 62
    assert parsed.report.details["variables"] == len(numeric)
    assert set(parsed.values["code_iris"].str[:5]) == {"75101", "75102", "75105"}
    total = parsed.values.loc[parsed.values["variable"] == numeric[0], "value"].sum()
    assert total == pd.to_numeric(table[numeric[0]]).sum()


@pytest.mark.parametrize("name", [
    "paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv",
    "marseille2014-makina/results_marseille.json",
    "toulouse-rboulle/resultats-elections-municipales-2026-2nd-tour.json",
    "besancon-carto-municipale/2020-05-18-resultats-par-niveau-burvot-t1-france-entiere-nettoye.xlsx",
    "brest-lfi/tour1_circo2.csv",
])
def test_tables_given_as_contours_are_refused_in_french(shared_data: Path, name: str) -> None:
    with pytest.raises(ImportRejected) as info:
        _parse("stations", shared_data / "wild" / name)
    assert "Import refusé" in str(info.value)
    assert any(word in info.value.reason_fr for word in ("géométrie", "entités", "contours"))


def test_marseille_contours_without_mapping_say_what_to_do(shared_data: Path) -> None:
    with pytest.raises(ImportRejected) as info:
        _parse("stations", shared_data / "wild/marseille2014-makina/bureaux_marseille.geojson")
    assert "--mapping" in str(info.value) and "BUREAU" in str(info.value)
