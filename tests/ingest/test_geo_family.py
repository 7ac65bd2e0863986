"""Geometry files of the family, written small in tmp_path: wrappers, OpenDataSoft exports,
null geometries, coordinates that make no sense, --crs, mappings, Paris/Lyon/Marseille ids."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from dashboard.errors import ImportRejected
from dashboard.ingest import ImportOptions, get_kind
from dashboard.ingest.coordinates import in_france, likely_crs
from dashboard.ingest.geo_mapping import check_mapping
from dashboard.ingest.ids import city_code, make_station_id, normalize_station_ref, station_arrondissement
from dashboard.ingest.iris import read_iris_contours
from dashboard.ingest.stations import read_stations

# Three squares in Toulouse, in degrees.
SQUARES = [shapely.box(1.40 + 0.01 * i, 43.60, 1.409 + 0.01 * i, 43.609) for i in range(3)]


def _collection(ids: list[object], geoms: list[shapely.Geometry | None], crs: str | None = None, key: str = "id_bv") -> dict:
    data: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {key: i}, "geometry": None if g is None else shapely.geometry.mapping(g)}
        for i, g in zip(ids, geoms)
    ]}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def _write(tmp_path: Path, name: str, data: object, wrap: str = "") -> Path:
    path = tmp_path / name
    text = json.dumps(data)
    path.write_text(f"{wrap}{text};" if wrap else text, encoding="utf-8")
    return path


def _projected(geoms: list[shapely.Geometry], crs: str) -> list[shapely.Geometry]:
    transformer = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    return [shapely.transform(g, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))) for g in geoms]


def _refusal(path: Path, **options: object) -> str:
    with pytest.raises(ImportRejected) as info:
        get_kind("stations").parse(path, ImportOptions(**options))  # type: ignore[arg-type]
    return str(info.value)


# -- formats -------------------------------------------------------------------------------

def test_javascript_wrapper_is_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], SQUARES), wrap="var bureaux = ")
    parsed = read_stations(path)
    assert parsed.frame["station_id"].tolist() == ["31555_1", "31555_2", "31555_3"]
    assert any("enveloppe JavaScript" in w for w in parsed.report.warnings)


def test_opendatasoft_json_records_with_geo_shape(tmp_path: Path) -> None:
    records = [
        {"uniq_bdv": f"000{i + 1}", "geo_point_2d": {"lon": g.centroid.x, "lat": g.centroid.y},
         "geo_shape": {"type": "Feature", "geometry": shapely.geometry.mapping(g), "properties": {}}}
        for i, g in enumerate(SQUARES)
    ]
    path = _write(tmp_path, "export.json", records)
    parsed = read_stations(path, columns={"bv": "uniq_bdv"}, mapping=check_mapping({"commune": "31555"}, "stations"))
    assert parsed.frame["station_id"].tolist() == ["31555_1", "31555_2", "31555_3"]
    assert parsed.frame.geometry.iloc[0].equals_exact(SQUARES[0], 1e-9)


def test_opendatasoft_csv_with_geo_shape_column(tmp_path: Path) -> None:
    lines = ["Code BV;Geo Point;Geo Shape"]
    for i, g in enumerate(SQUARES):
        shape = json.dumps(shapely.geometry.mapping(g)).replace('"', '""')
        lines.append(f'31555_{i + 1};"{g.centroid.y}, {g.centroid.x}";"{shape}"')
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = read_stations(path, columns={"station": "Code BV"})
    assert len(parsed.frame) == 3 and parsed.frame.crs.to_epsg() == 4326


def test_csv_without_geometry_is_refused_in_french(tmp_path: Path) -> None:
    path = tmp_path / "table.csv"
    path.write_text("IRIS;P15_POP\n751010101;1200\n", encoding="utf-8")
    message = _refusal(path)
    assert "pas de géométrie" in message and "iris-indicators" in message


# -- invalid features ----------------------------------------------------------------------

def test_null_geometry_refuses_then_skips_on_request(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], [SQUARES[0], None, SQUARES[2]]))
    message = _refusal(path)
    assert "entité 2" in message and "--skip-invalid" in message
    parsed = get_kind("stations").parse(path, ImportOptions(skip_invalid=True))
    assert parsed.frame["station_id"].tolist() == ["31555_1", "31555_3"]
    assert parsed.report.rows_read == 3 and parsed.report.rows_skipped == 1
    assert parsed.report.skipped[0].lines == [2] and "géométrie absente" in parsed.report.skipped[0].reason_fr


def test_unreadable_id_is_skipped_with_its_feature_number(tmp_path: Path) -> None:
    ids = [f"31555_{i}" for i in range(1, 11)]
    ids[1] = "???"  # one in ten: the column is still recognised as the id
    squares = [shapely.box(1.40 + 0.01 * i, 43.60, 1.409 + 0.01 * i, 43.609) for i in range(10)]
    path = _write(tmp_path, "bv.geojson", _collection(ids, squares))
    message = _refusal(path)
    assert "entité 2" in message and "--skip-invalid" in message
    parsed = read_stations(path, skip_invalid=True)
    assert parsed.report.skipped[0].lines == [2] and len(parsed.frame) == 9


# -- coordinates ---------------------------------------------------------------------------

def test_degrees_declared_as_conic_zone_name_epsg_4326(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], SQUARES, "urn:ogc:def:crs:EPSG::3946"))
    message = _refusal(path)
    assert "hors de France" in message and "--crs EPSG:4326" in message
    parsed = get_kind("stations").parse(path, ImportOptions(crs="EPSG:4326"))
    assert any("EPSG:3946 remplacé par EPSG:4326" in w for w in parsed.report.warnings)
    assert in_france(*shapely.get_coordinates(parsed.frame.geometry.representative_point().array).T).all()


def test_lambert93_numbers_declared_as_degrees(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], _projected(SQUARES, "EPSG:2154")))
    assert "--crs EPSG:2154" in _refusal(path)  # GeoJSON without crs member means WGS84


def test_degrees_declared_as_lambert93(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], SQUARES, "urn:ogc:def:crs:EPSG::2154"))
    assert "--crs EPSG:4326" in _refusal(path)


@pytest.mark.parametrize(("real", "declared"), [("EPSG:3943", "EPSG:2154"), ("EPSG:2154", "EPSG:3943")])
def test_lambert93_and_conic_zones_told_apart(tmp_path: Path, real: str, declared: str) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], _projected(SQUARES, real), f"urn:ogc:def:crs:{declared.replace(':', '::')}"))
    assert f"--crs {real}" in _refusal(path)
    assert len(get_kind("stations").parse(path, ImportOptions(crs=real)).frame) == 3


def test_swapped_axes_are_named() -> None:
    lon = np.array([1.40, 1.43]); lat = np.array([43.60, 43.61])
    assert likely_crs(lat, lon, "EPSG:4326") == ("EPSG:4326", True)
    assert likely_crs(np.array([0.5, 0.6]), np.array([0.5, 0.6]), "EPSG:4326") is None  # Gulf of Guinea: no evident cause


def test_overseas_layers_are_in_france() -> None:
    assert in_france(np.array([55.45, -61.55, 45.1, -52.3]), np.array([-21.1, 16.2, -12.8, 4.9])).all()
    assert not in_france(np.array([2.0]), np.array([0.5])).any()


# -- mappings ------------------------------------------------------------------------------

def test_mapped_full_id_is_not_prefixed_twice(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["75056_101", "102", "75056_0103"], SQUARES, key="ref"))
    mapping = check_mapping({"commune": "75056", "columns": {"station": "ref"}}, "stations")
    assert read_stations(path, mapping=mapping).frame["station_id"].tolist() == ["75056_101", "75056_102", "75056_103"]


def test_paris_arr_num_pattern_gives_ministry_ids(tmp_path: Path) -> None:
    path = _write(tmp_path, "paris.geojson", _collection(["20-18", "1-1", "15-2"], SQUARES, key="arr-num"))
    parsed = get_kind("stations").parse(path, ImportOptions(mapping=Path("docs/mappings/paris-arr-num-bureaux.toml")))
    assert parsed.frame["station_id"].tolist() == ["75056_101", "75056_1502", "75056_2018"]
    assert parsed.report.details["arrondissements"] == "75056 : 3"


def test_constant_commune_and_commune_column_by_arrondissement(tmp_path: Path) -> None:
    data = _collection(["1", "2", "12"], SQUARES, key="num")
    for feature, commune in zip(data["features"], ["69381", "69381", "69383"]):
        feature["properties"]["insee"] = commune
    path = _write(tmp_path, "lyon.geojson", data)
    parsed = read_stations(path, mapping=check_mapping({"columns": {"commune": "insee", "bv": "num"}}, "stations"))
    assert parsed.frame["station_id"].tolist() == ["69123_101", "69123_102", "69123_312"]


@pytest.mark.parametrize(("data", "needle"), [
    ({"columns": {"stations": "x"}}, "colonnes inconnues"),
    ({"colums": {}}, "clés inconnues"),
    ({"kind": "results"}, "pour le type results"),
    ({"pattern": {"column": "a", "regex": "(?P<num>\\d+)"}}, "(?P<bureau>"),
    ({"pattern": {"column": "a", "regex": "("}}, "expression régulière invalide"),
])
def test_bad_mappings_are_refused(data: dict, needle: str) -> None:
    with pytest.raises(ImportRejected) as info:
        check_mapping(data, "stations")
    assert needle in str(info.value)


def test_iris_mapping_and_arrondissement_commune(tmp_path: Path) -> None:
    data = _collection(["751186920", "751186921", "751010101"], SQUARES, key="code")
    path = _write(tmp_path, "iris.geojson", data)
    with pytest.raises(ImportRejected, match="--mapping"):
        read_iris_contours(path)
    parsed = read_iris_contours(path, mapping=check_mapping({"columns": {"code": "code"}}, "iris-contours"))
    assert parsed.frame["commune_code"].unique().tolist() == ["75056"]
    assert "IRIS d'arrondissements" in parsed.report.details


# -- Paris, Lyon, Marseille ids ------------------------------------------------------------

@pytest.mark.parametrize(("commune", "bv", "expected"), [
    ("75056", "101", "75056_101"), ("75118", "20", "75056_1820"), ("75118", "1820", "75056_1820"),
    ("13201", "1", "13055_101"), ("13216", "14", "13055_1614"), ("69389", "3", "69123_903"), ("93010", "1", "93010_1"),
])
def test_plm_station_ids(commune: str, bv: str, expected: str) -> None:
    assert make_station_id(commune, bv) == expected
    assert make_station_id(*expected.split("_")) == expected  # idempotent


def test_plm_helpers() -> None:
    assert normalize_station_ref("75056_0101") == "75056_101"
    assert normalize_station_ref("13216_14") == "13055_1614"
    assert station_arrondissement("13055_1614") == "13216" and station_arrondissement("75056_2018") == "75120"
    assert station_arrondissement("93010_1") is None
    assert city_code("69385") == "69123" and city_code("69123") == "69123" and city_code("93010") == "93010"


def test_marseille_arrondissement_from_the_first_digits_of_bureau(tmp_path: Path) -> None:
    path = _write(tmp_path, "marseille.geojson", _collection([101, 1614, 932], SQUARES, key="BUREAU"))
    mapping = check_mapping({"commune": "13055", "pattern": {
        "column": "BUREAU", "regex": "^(?P<arrondissement>\\d{1,2})(?P<bureau>\\d{2})$"}}, "stations")
    assert read_stations(path, mapping=mapping).frame["station_id"].tolist() == ["13055_101", "13055_932", "13055_1614"]


def test_reu_addresses_coded_by_arrondissement_meet_city_stations(tmp_path: Path) -> None:
    from dashboard.ingest.addresses import read_addresses

    path = tmp_path / "adresses75.csv"
    path.write_text(
        '"","code_commune_ref","id_brut_bv_reu","id","geo_adresse","longitude","latitude","nb_adresses"\n'
        '"1","75118","75118_20","75118_0001_00001","1 Rue Ordener 75018 Paris",2.35,48.89,3\n'
        '"2","75056","75056_0101","75101_0002_00002","2 Rue de Rivoli 75001 Paris",2.34,48.86,1\n',
        encoding="utf-8",
    )
    frame = read_addresses(path).frame
    assert frame["station_id"].tolist() == ["75056_1820", "75056_101"]
    assert frame["commune_code"].tolist() == ["75056", "75056"]


def test_shapefile_in_degrees_with_a_prj_saying_3946(tmp_path: Path) -> None:
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"id_bv": ["31555_1", "31555_2", "31555_3"]}, geometry=SQUARES, crs="EPSG:3946")
    path = tmp_path / "bv.shp"
    frame.to_file(path)  # the .prj says 3946, the numbers are degrees: the Gulf of Guinea file
    message = _refusal(path)
    assert "3 entité(s) sur 3 tombent hors de France" in message and "--crs EPSG:4326" in message
    parsed = get_kind("stations").parse(path, ImportOptions(crs="EPSG:4326"))
    assert parsed.frame.to_crs(2154).area.sum() > 1e6  # square kilometres, not 0.003 m²


def test_unknown_crs_option_is_refused_in_french(tmp_path: Path) -> None:
    path = _write(tmp_path, "bv.geojson", _collection(["31555_1", "31555_2", "31555_3"], SQUARES))
    assert "--crs « EPSG:99999 » inconnu" in _refusal(path, crs="EPSG:99999")


def test_every_skipped_feature_is_listed(tmp_path: Path) -> None:
    ids = [f"31555_{i}" for i in range(1, 15)]
    geoms = [SQUARES[0], SQUARES[1], *[None] * 12]
    parsed = read_stations(_write(tmp_path, "bv.geojson", _collection(ids, geoms)), skip_invalid=True)
    assert parsed.report.skipped[0].count == 12 and parsed.report.skipped[0].lines == list(range(3, 15))
    assert "(entités 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14)" in "\n".join(parsed.report.lines_fr())
