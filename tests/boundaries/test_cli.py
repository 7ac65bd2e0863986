"""``isoloir stations from-addresses`` on Bondy: a new boundary version and its quality figures in the warehouse."""

from __future__ import annotations

import json
from pathlib import Path

from dashboard.cli import main
from dashboard.warehouse.database import Warehouse, warehouse_path


def test_from_addresses_on_bondy_writes_a_version_and_its_figures(shared_data: Path, tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "d"
    bondy = shared_data / "bondy"
    assert main(["import", "stations", str(bondy / "bv" / "bv_reu_osm_2022_bondy.geojson"), "--data-dir", str(data_dir),
                 "--label", "REU OSM 2022"]) == 0
    capsys.readouterr()
    assert main([
        "stations", "from-addresses", str(bondy / "reu" / "adresses93010.csv"), "--data-dir", str(data_dir),
        "--commune-outline", str(bondy / "bv" / "bvBondy_proposition_contours_etalab.geojson"),
        "--label", "Adresses REU 2024", "--valid-from", "2024-01-01",
    ]) == 0
    out, err = capsys.readouterr()
    assert "Version de contours « Adresses REU 2024 » (adresses-reu-2024) : 32 bureau(x) écrit(s)" in out
    assert "Comparée à la version « reu-osm-2022 »" in out and "Adresses dans leur bureau : 100,00 %" in out
    assert "[100 %] Version écrite" in err  # progress on stderr
    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        version = wh.query("SELECT label, valid_from::VARCHAR AS valid_from, source FROM station_set WHERE set_id = 'adresses-reu-2024'")
        assert version.to_dict(orient="records") == [{"label": "Adresses REU 2024", "valid_from": "2024-01-01", "source": "adresses93010.csv"}]
        assert wh.query("SELECT count(*) AS n FROM station WHERE set_id = 'adresses-reu-2024'")["n"].iloc[0] == 32
        row = wh.query("SELECT * FROM station_set_quality WHERE set_id = 'adresses-reu-2024'").iloc[0]
        assert row["method"] == "iris" and row["addresses"] == 5698 and row["stations"] == 32
        assert row["containment"] == 1.0 and row["exceptions"] == 0 and row["shared_points"] == 49
        assert row["gap_m2"] <= 1.0 and row["overlap_m2"] <= 1.0
        assert row["reference_set_id"] == "reu-osm-2022" and 0.8 < row["iou_median"] < 1 and row["iou_min"] <= row["iou_median"]
        details = json.loads(row["details"])
        assert len(details["per_station"]) == 32 and len(details["shared_points"]) == 49
        assert details["outline_source"] == {"93010": "bvBondy_proposition_contours_etalab.geojson"}
        assert wh.query("SELECT kind FROM import_log ORDER BY import_id DESC LIMIT 1")["kind"].iloc[0] == "stations-from-addresses"


def test_from_addresses_without_an_outline_is_refused_in_french(shared_data: Path, tmp_path: Path, capsys) -> None:
    data_dir = tmp_path / "d"
    code = main(["stations", "from-addresses", str(shared_data / "bondy" / "reu" / "adresses93010.csv"), "--data-dir", str(data_dir)])
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : pas de contour pour la commune 93010") and "--commune-outline" in err
    assert not warehouse_path(data_dir).exists()
