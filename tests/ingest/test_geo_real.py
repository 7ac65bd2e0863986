"""Stations, IRIS contours, indicators, REU tables and communes on the real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from dashboard.ingest.addresses import read_addresses, read_reu_stations
from dashboard.ingest.communes import read_communes
from dashboard.ingest.indicators import read_indicators
from dashboard.ingest.iris import read_iris_contours
from dashboard.ingest.stations import read_stations


@pytest.mark.parametrize(
    ("name", "stations", "origin", "crs"),
    [
        ("bondy/bv/bv_reu_osm_2022_bondy.geojson", {"93010": 32}, "bureau", "EPSG:2154"),
        ("bondy/bv/bvBondy_proposition_contours_etalab.geojson", {"93010": 32}, "codeBureauVote", "EPSG:3857"),
        ("brest/bv/BureauxVoteBrest.geojson", {"29019": 104, "29061": 6, "29189": 12}, "DEPCO + BVOTE", "EPSG:4326"),
        ("chatenay-malabry/bv/circo_contours_92019.geojson", {"92019": 19}, "codeBureauVote", "EPSG:4326"),
    ],
)
def test_station_files(shared_data: Path, name, stations, origin, crs) -> None:
    parsed = read_stations(shared_data / name)
    frame = parsed.frame
    assert frame.groupby("commune_code").size().to_dict() == stations
    assert parsed.report.details["identifiants"] == f"lus dans {origin}"
    assert crs in parsed.report.format
    assert frame["station_id"].is_unique
    assert frame.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = frame.total_bounds
    assert -5 < minx < maxx < 3 and 47 < miny < maxy < 49.1
    assert shapely.is_valid(frame.geometry.array).all()


def test_multipart_rows_are_merged(shared_data: Path) -> None:
    parsed = read_stations(shared_data / "bondy/bv/bvBondy_proposition_contours_etalab.geojson")
    assert parsed.report.rows_read == 120
    assert len(parsed.frame) == 32 and parsed.frame["n_parts"].sum() == 120


def test_brest_names_fall_back_to_place(shared_data: Path) -> None:
    frame = read_stations(shared_data / "brest/bv/BureauxVoteBrest.geojson").frame.set_index("station_id")
    assert frame.loc["29019_1", "name"] == "Bureau n° 1 - GROUPE SCOLAIRE PREVERT"
    assert frame.loc["29189_11", "name"] == "ELORN"  # TITRE empty, LLIEU used
    assert frame["name"].notna().all()


def test_invalid_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = [[[2.48, 48.90], [2.49, 48.91], [2.49, 48.90], [2.48, 48.91], [2.48, 48.90]]]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id_bv": "93010_1"}, "geometry": {"type": "Polygon", "coordinates": bowtie}}]}
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps(data))
    parsed = read_stations(path, label="Test 2024")
    assert parsed.set_id == "test-2024"
    assert shapely.is_valid(parsed.frame.geometry.iloc[0])
    assert any("réparée" in w for w in parsed.report.warnings)


def test_station_any_crs_matches(shared_data: Path) -> None:
    a = read_stations(shared_data / "bondy/bv/bv_reu_osm_2022_bondy.geojson").frame.set_index("station_id")
    b = read_stations(shared_data / "bondy/bv/bvBondy_proposition_contours_etalab.geojson").frame.set_index("station_id")
    # Two different sources for the same BV (Lambert-93 vs Web Mercator) land on each other in WGS84.
    distance = shapely.distance(a.loc["93010_1", "geometry"].centroid, b.loc["93010_1", "geometry"].centroid)
    assert distance < 0.005


@pytest.mark.parametrize(
    ("name", "count", "communes"),
    [
        ("bondy/iris/map_iris_gdparis_93010.shp", 22, {"93010"}),
        ("bondy/iris/irisBondy.gpkg", 22, {"93010"}),
        ("bondy/iris/georef-france-iris.zip", 23, {"93010", "93077"}),
        ("chatenay-malabry/iris/map_iris_gdparis_92019.shp", 14, {"92019"}),
    ],
)
def test_iris_contours(shared_data: Path, name, count, communes) -> None:
    parsed = read_iris_contours(shared_data / name)
    assert len(parsed.frame) == count and parsed.frame["code_iris"].is_unique
    assert set(parsed.frame["commune_code"]) == communes
    assert parsed.frame["code_iris"].str.len().eq(9).all()
    assert parsed.frame.crs.to_epsg() == 4326


def test_georef_zip_text_is_not_mojibake(shared_data: Path) -> None:
    frame = read_iris_contours(shared_data / "bondy/iris/georef-france-iris.zip").frame
    assert "Le Champart" in set(frame["name"])
    assert not frame["name"].str.contains("Ã").any()


@pytest.mark.parametrize(
    ("name", "iris", "variable", "year"),
    [
        ("bondy/iris/base-ic-activite-residents-2016-idf_93010.csv", 22, "P16_ACT1564", 2016),
        ("bondy/iris/IRIS_population_IR_Hab_93010.csv", 21, "P16_POP0014", 2016),
        ("bondy/iris/IRIS_housing_IR_Hab_93010.csv", 21, "P16_RP_LOCHLMV", 2016),
        ("bondy/iris/IRIS_household_IR_Hab_93010.csv", 21, "C16_PMEN_CS3", 2016),
        ("bondy/iris/BASE_TD_FILO_DISP_IRIS_2019_93010.csv", 21, "DISP_TP6019", 2019),
        ("brest/iris/BASE_TD_FILO_DISP_IRIS_2019_29019.csv", 58, "DISP_TP6019", 2019),
        ("chatenay-malabry/iris/base-ic-activite-residents-2016-idf_92019.csv", 14, "C16_ACT1564_CS3", 2016),
    ],
)
def test_indicators(shared_data: Path, name, iris, variable, year) -> None:
    parsed = read_indicators(shared_data / name)
    values = parsed.values
    assert values["code_iris"].nunique() == iris
    assert values["code_iris"].str.len().eq(9).all()
    row = parsed.catalog.set_index("variable").loc[variable]
    assert row["year"] == year and row["label"] != variable
    assert not {"LIBCOM", "TYP_IRIS", "Unnamed: 0", ""} & set(values["variable"])


def test_population_subset_gets_total(shared_data: Path) -> None:
    parsed = read_indicators(shared_data / "bondy/iris/IRIS_population_IR_Hab_93010.csv")
    wide = parsed.values.pivot(index="code_iris", columns="variable", values="value")
    bands = ["P16_POP0014", "P16_POP1529", "P16_POP3044", "P16_POP4559", "P16_POP6074", "P16_POP75P"]
    assert (abs(wide["P16_POP"] - wide[bands].sum(axis=1)) < 1e-6).all()


def test_filosofi_integer_codes_are_padded(tmp_path: Path) -> None:
    path = tmp_path / "BASE_TD_FILO_DISP_IRIS_2019_01.csv"
    path.write_text('"IRIS","DISP_TP6019"\n10040000,"12.5"\n10040101,s\n', encoding="utf-8")
    parsed = read_indicators(path)
    assert parsed.values["code_iris"].tolist() == ["010040000"]
    assert parsed.report.warnings  # the secret "s" is reported, not stored


def test_reu_addresses(shared_data: Path) -> None:
    parsed = read_addresses(shared_data / "bondy/reu/adresses93010.csv")
    frame = parsed.frame
    assert len(frame) == 5698 and frame["station_id"].nunique() == 32
    first = frame.iloc[0]
    assert (first["housenumber"], first["street"], first["postcode"], first["city"]) == ("1", "Cours de la République", "93140", "Bondy")
    assert frame["lon"].between(2.4, 2.6).all() and frame["lat"].between(48.8, 49.0).all()
    # The same geocoded address may serve two stations: one row each.
    assert frame["ban_id"].nunique() == 5676 and frame["address_id"].is_unique


def test_reu_station_table(shared_data: Path) -> None:
    parsed = read_reu_stations(shared_data / "bondy/reu/bvOpendata_table-bv-reu_bondy.csv")
    frame = parsed.frame.set_index("station_id")
    assert len(frame) == 32
    assert frame.loc["93010_1", "name"] == "hotel de ville salle des fetes"
    assert "ESPLANADE CLAUDE FUZIER" in frame.loc["93010_1", "place_address"]


def test_communes_cog_csv(tmp_path: Path) -> None:
    path = tmp_path / "v_commune_2024.csv"
    path.write_text(
        "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT\n"
        "COM,93010,11,93,93D,933,0,BONDY,Bondy,Bondy,9307,\n"
        "COMD,01015,84,01,01D,011,1,ARBIGNIEU,Arbignieu,Arbignieu,0110,01015\n"
        "COM,2A004,94,2A,20R,2A1,0,AJACCIO,Ajaccio,Ajaccio,2A98,\n",
        encoding="utf-8",
    )
    parsed = read_communes(path)
    assert parsed.frame["commune_code"].tolist() == ["93010", "2A004"]
    assert parsed.report.rows_skipped == 1
