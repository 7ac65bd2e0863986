"""JSON records as a results input, and the mapping keys for header-less layouts, a constant
département and explicit candidate blocks (small synthetic files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.errors import ImportRejected
from dashboard.ingest.results import read_results
from dashboard.ingest.tables import read_table

RECORD = {"Code du département": "93", "Code de la commune": "10", "Code du b.vote": "0001", "Inscrits": 100,
          "Abstentions": 40, "Votants": 60, "Blancs": 3, "Nuls": 2, "Exprimés": 55,
          "N°Panneau": 1, "Sexe": "F", "Nom": "DUPRÉ", "Prénom": "Anne", "Voix": 55}


@pytest.mark.parametrize("shape", ["array", "js", "ods_v1", "results"])
def test_json_records_in_usual_shapes(tmp_path: Path, shape: str) -> None:
    second = {**RECORD, "Code du b.vote": "0002"}
    body = {
        "array": json.dumps([RECORD, second]),
        "js": "var resultats = " + json.dumps([RECORD, second]) + ";",
        "ods_v1": json.dumps([{"recordid": "a", "fields": RECORD}, {"recordid": "b", "fields": second}]),
        "results": json.dumps({"total_count": 2, "results": [RECORD, second]}),
    }[shape]
    path = tmp_path / "pres2022_t1.json"
    path.write_text(body, encoding="utf-8")
    parsed = read_results(path)
    assert parsed.turnout["station_id"].tolist() == ["93010_1", "93010_2"]
    assert parsed.votes["candidate"].unique().tolist() == ["DUPRÉ Anne"]
    assert parsed.report.warnings == []


def test_json_that_is_not_records_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"a": 1, "b": [1, 2]}), encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_table(path)
    assert "pas un tableau d'enregistrements" in refused.value.reason_fr and "objet JSON de 2 clés" in refused.value.reason_fr


def test_header_less_csv_with_constant_departement_and_blocks(tmp_path: Path) -> None:
    rows = ["555;0001;900;300;600;10;5;585;005;300;012;285", "555;238A;800;200;600;0;0;600;005;100;012;500"]
    data = tmp_path / "muni.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'election = "muni2026_t2"\nheader = false\ndepartement = "31"\n\n[columns]\ncommune = "column_1"\nstation = "column_2"\n'
        'registered = "column_3"\nabstentions = "column_4"\nvoters = "column_5"\nblank = "column_6"\nnull = "column_7"\n'
        'expressed = "column_8"\n\n[[candidates.blocks]]\npanel = "column_9"\nvotes = "column_10"\nlabel = "Liste A"\n\n'
        '[[candidates.blocks]]\npanel = "column_11"\nvotes = "column_12"\n',
        encoding="utf-8",
    )
    parsed = read_results(data, None, mapping)
    assert parsed.turnout["station_id"].tolist() == ["31555_1", "31555_238A"]
    assert parsed.turnout["line"].tolist() == [1, 2]  # the first line is data, not a header
    totals = parsed.votes.groupby("candidate")["votes"].sum().to_dict()
    assert totals == {"Liste A": 400, "Panneau 12": 785}
    assert parsed.report.warnings == []


def test_mapping_block_without_votes_is_refused(tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nstation = "a"\n\n[[candidates.blocks]]\npanel = "b"\n', encoding="utf-8")
    data = tmp_path / "r.csv"
    data.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_results(data, "pres2022_t1", mapping)
    assert "votes" in refused.value.reason_fr


def test_2024_layout_with_a_missing_votes_column_is_refused(tmp_path: Path) -> None:
    header = "Code département;Code commune;Code BV;Inscrits;Votants;Abstentions;Exprimés;Numéro de panneau 1;Nom candidat 1;Voix 1;Numéro de panneau 2;Nom candidat 2;Voix2"
    path = tmp_path / "leg2024_t1.csv"
    path.write_text(header + "\n29;019;0001;100;60;40;55;1;A;30;2;B;25\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_results(path)
    assert "candidat(s) n° 2 sans colonne « Voix N »" in refused.value.reason_fr


def test_abroad_rows_named_and_skippable(tmp_path: Path) -> None:
    header = "Code du département;Code de la commune;Code du b.vote;Inscrits;Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Voix"
    rows = ["ZX;701;0001;100;40;60;3;2;55;1;F;DUPRÉ;Anne;55", "ZZ;229;0001;90;40;50;0;0;50;1;F;DUPRÉ;Anne;50"]
    path = tmp_path / "leg2022_t1.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as refused:
        read_results(path)
    assert "Français de l'étranger" in refused.value.reason_fr and refused.value.location.line == 3
    parsed = read_results(path, skip_invalid=True)
    assert parsed.turnout["station_id"].tolist() == ["97701_1"]
    assert [r.line for r in parsed.report.invalid_rows] == [3]
