"""Every bad input is refused with a French message naming file/line/column, exit code 1,
and the warehouse left exactly as it was (content fingerprint and file bytes)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from dashboard.cli import main
from dashboard.warehouse.database import Warehouse, warehouse_path

MOI_HEADER = "Code du département;Libellé du département;Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp;;;;;;;"


def moi_row(bv: str = "1", registered: str = "100", voters: str = "60", expressed: str = "55", a: str = "30", b: str = "25") -> str:
    abst = str(int(registered) - int(voters)) if registered.lstrip("-").isdigit() and voters.isdigit() else "0"
    return f"93;Seine-Saint-Denis;10;Bondy;{bv};{registered};{abst};{voters};3;2;{expressed};1;F;DUPONT;Anne;{a};0;0;2;M;MARTIN;Paul;{b};0;0"


@pytest.fixture()
def data_dir(real_data_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(real_data_dir, target)
    return target


def _state(data_dir: Path) -> tuple[str, object]:
    path = warehouse_path(data_dir)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with Warehouse(path, read_only=True) as wh:
        fingerprint = (wh.fingerprint(), int(wh.query("SELECT count(*) AS n FROM import_log")["n"].iat[0]))
    return digest, fingerprint


def refused(capsys, data_dir: Path, *argv: str) -> str:
    before = _state(data_dir)
    code = main([*argv, "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    after = _state(data_dir)
    assert before[1] == after[1], "warehouse content changed"
    assert before[0] == after[0], "warehouse file changed"
    message = err.strip().splitlines()[-1]
    assert message.startswith("Erreur : Import refusé")
    return message


def write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding=encoding)
    return path


def test_empty_file(capsys, data_dir, tmp_path) -> None:
    message = refused(capsys, data_dir, "import", "results", str(write(tmp_path, "vide.csv", "")), "--election", "pres2022_t1")
    assert "vide.csv" in message and "vide" in message


def test_binary_file(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "PNG" in message


def test_random_binary_file(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "data.csv", bytes(range(256)) * 8)
    assert "binaire" in refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")


def test_unknown_separator(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "sep.csv", MOI_HEADER.replace(";", "#") + "\n" + moi_row().replace(";", "#") + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "séparateur" in message and "ligne 1" in message


def test_wrong_layout_names_columns(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "autre.csv", "a;b;c\n1;2;3\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "format de résultats non reconnu" in message and "a, b, c" in message and "--mapping" in message


def test_missing_required_column(capsys, data_dir, tmp_path) -> None:
    header = MOI_HEADER.replace("Inscrits;", "Inscr;")
    path = write(tmp_path, "sans_inscrits.csv", header + "\n" + moi_row() + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "Inscrits" in message and "ligne 1" in message


def test_negative_count(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "neg.csv", MOI_HEADER + "\n" + moi_row() + "\n" + moi_row(bv="2", a="-4", b="59") + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "négatif" in message and "ligne 3" in message and "Voix" in message


def test_non_numeric_count(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "texte.csv", MOI_HEADER + "\n" + moi_row(registered="cent") + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "ligne 2" in message and "Inscrits" in message and "cent" in message


def test_fractional_count(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "frac.csv", MOI_HEADER + "\n" + moi_row(voters="60,5") + "\n")
    assert "Votants" in refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")


def test_duplicate_station_rows(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "double.csv", MOI_HEADER + "\n" + moi_row() + "\n" + moi_row(bv="2") + "\n" + moi_row(bv="0001") + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "93010_1" in message and "2, 4" in message


def test_duplicate_station_conflicting_totals(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "conflit.csv", MOI_HEADER + "\n" + moi_row() + "\n" + moi_row(registered="120") + "\n")
    message = refused(capsys, data_dir, "import", "results", str(path), "--election", "pres2022_t1")
    assert "93010_1" in message and "inscrits" in message


def test_unknown_election_id(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "ok.csv", MOI_HEADER + "\n" + moi_row() + "\n")
    assert "présidentielle" not in refused(capsys, data_dir, "import", "results", str(path), "--election", "presidentielle")


def test_no_election_given_nor_guessable(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "resultats.csv", MOI_HEADER + "\n" + moi_row() + "\n")
    assert "--election" in refused(capsys, data_dir, "import", "results", str(path))


def test_atomic_across_files(capsys, data_dir, tmp_path, shared_data) -> None:
    good = shared_data / "brest/results/leg2024_circos23-tour2_29019.csv"
    bad = write(tmp_path, "leg2024_t2_bad.csv", "")
    refused(capsys, data_dir, "import", "results", str(good), str(bad), "--election", "leg2024_t2")


GEOJSON_OK = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"codeBureauVote": "93010_0001"},
         "geometry": {"type": "Polygon", "coordinates": [[[2.48, 48.90], [2.49, 48.90], [2.49, 48.91], [2.48, 48.90]]]}},
    ],
}


def test_broken_geojson(capsys, data_dir, tmp_path) -> None:
    text = json.dumps(GEOJSON_OK)[:-30]
    assert "illisible" in refused(capsys, data_dir, "import", "stations", str(write(tmp_path, "coupe.geojson", text)))


def test_null_geometry(capsys, data_dir, tmp_path) -> None:
    data = json.loads(json.dumps(GEOJSON_OK))
    data["features"].append({"type": "Feature", "properties": {"codeBureauVote": "93010_0002"}, "geometry": None})
    message = refused(capsys, data_dir, "import", "stations", str(write(tmp_path, "nulle.geojson", json.dumps(data))))
    assert "entité 2" in message and "absente" in message


def test_point_geometry(capsys, data_dir, tmp_path) -> None:
    data = json.loads(json.dumps(GEOJSON_OK))
    data["features"][0]["geometry"] = {"type": "Point", "coordinates": [2.48, 48.9]}
    assert "polygones sont attendus" in refused(capsys, data_dir, "import", "stations", str(write(tmp_path, "points.geojson", json.dumps(data))))


def test_unknown_crs_geojson_in_metres(capsys, data_dir, tmp_path) -> None:
    data = json.loads(json.dumps(GEOJSON_OK))
    data["features"][0]["geometry"]["coordinates"] = [[[660000, 6865000], [661000, 6865000], [661000, 6866000], [660000, 6865000]]]
    message = refused(capsys, data_dir, "import", "stations", str(write(tmp_path, "lambert.geojson", json.dumps(data))))
    assert "--crs" in message


def test_shapefile_without_prj(capsys, data_dir, tmp_path, shared_data) -> None:
    for ext in ("shp", "shx", "dbf", "cpg"):
        shutil.copy(shared_data / f"bondy/iris/map_iris_gdparis_93010.{ext}", tmp_path / f"iris.{ext}")
    message = refused(capsys, data_dir, "import", "iris-contours", str(tmp_path / "iris.shp"))
    assert "système de coordonnées inconnu" in message and "--crs" in message


def test_station_ids_unreadable(capsys, data_dir, tmp_path) -> None:
    data = json.loads(json.dumps(GEOJSON_OK))
    data["features"][0]["properties"] = {"foo": "bar"}
    message = refused(capsys, data_dir, "import", "stations", str(write(tmp_path, "sans_id.geojson", json.dumps(data))))
    assert "identifiant de bureau introuvable" in message and "foo" in message


def test_indicator_duplicate_iris(capsys, data_dir, tmp_path) -> None:
    path = write(tmp_path, "ind.csv", "IRIS;P21_POP\n930100101;12\n930100101;13\n")
    message = refused(capsys, data_dir, "import", "iris-indicators", str(path))
    assert "930100101" in message and "ligne 3" in message


def test_addresses_bad_coordinates(capsys, data_dir, tmp_path) -> None:
    header = "code_commune_ref,reconstitution_code_commune,id_brut_bv_reu,id,geo_adresse,geo_type,geo_score,longitude,latitude,api_line,nb_bv_commune,nb_adresses\n"
    row = '93010,1,93010_1,93010_0001_00001,"1 Rue A 93140 Bondy",housenumber,0.9,652000,6862000,BANG,32,1\n'
    message = refused(capsys, data_dir, "import", "addresses", str(write(tmp_path, "adr.csv", header + row)))
    assert "WGS84" in message and "ligne 2" in message


def test_valid_import_after_refusals_still_works(capsys, data_dir, shared_data) -> None:
    code = main(["import", "results", str(shared_data / "brest/results/leg2024_circos23-tour2_29019.csv"), "--data-dir", str(data_dir)])
    out = capsys.readouterr().out
    assert code == 0
    assert "leg2024_t2" in out and "arithmétique : vérifiée" in out
