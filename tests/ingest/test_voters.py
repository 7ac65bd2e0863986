"""Reading electoral list extracts: layouts, encodings, xlsx, mappings, and every bad input refused in French."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dashboard.errors import ImportRejected
from dashboard.ingest.voters import (
    build_voter_mapping,
    parse_birth_date,
    parse_sex,
    read_voter_list,
    read_voter_mapping,
    split_address,
    station_id,
)

ON = date(2026, 3, 15)
# fictitious people (the demo's vocabularies), never real names
HEADER = "Bureau de vote;Nom de naissance;Nom d'usage;Prénoms;Date de naissance;Civilité;Adresse;Nationalité"
ROWS = [
    "3;BERTIN;;Camille Anne;12/03/1958;Mme;12 bis av. Jean Jaurès 45990 Isoloir-sur-Loire;",
    "3;CHAUVEAU;DELAUNAY;Julie;1990-07-01;MME;4 R. des Lilas, 45990 Isoloir-sur-Loire;Française",
    "12;FOUCHER;;Hugo;01.01.2001;M.;7 BD VICTOR HUGO 45990 ISOLOIR-SUR-LOIRE;Portugaise",
]


def _csv(tmp_path: Path, rows: list[str], *, header: str = HEADER, encoding: str = "utf-8", name: str = "liste.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return path


def test_a_town_hall_csv_reads_whole(tmp_path: Path) -> None:
    voters = read_voter_list(_csv(tmp_path, ROWS), on=ON)
    frame = voters.frame
    assert voters.rows == 3 and frame["line"].tolist() == [2, 3, 4]
    assert frame["birth_date"].tolist() == [date(1958, 3, 12), date(1990, 7, 1), date(2001, 1, 1)]
    assert frame["sex"].tolist() == ["F", "F", "M"]
    assert frame["usage_name"].tolist() == ["", "DELAUNAY", ""]
    assert frame[["number", "street", "postcode", "city"]].iloc[0].tolist() == ["12 bis", "av. Jean Jaurès", "45990",
                                                                               "Isoloir-sur-Loire"]
    assert frame["list_kind"].tolist() == ["principale", "principale", "complementaire"]
    assert "nationality" not in frame.columns  # read to tell the lists apart, never kept


def test_latin1_comma_separated_and_split_address_columns(tmp_path: Path) -> None:
    header = "bv,nom,prenoms,date de naissance,sexe,numero de voie,libelle de voie,code postal,commune"
    rows = ["1,HAMON,Agnès,05/11/1947,F,3,Rue de l'Église,45990,Isoloir-sur-Loire"]
    voters = read_voter_list(_csv(tmp_path, rows, header=header, encoding="latin-1"), on=ON)
    row = voters.frame.iloc[0]
    assert (row["first_names"], row["number"], row["street"], row["city"]) == ("Agnès", "3", "Rue de l'Église", "Isoloir-sur-Loire")
    assert row["address"] == "3 Rue de l'Église, 45990 Isoloir-sur-Loire"


def test_xlsx_and_a_mapping_for_unusual_headers(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Num BV", "Patronyme", "Prénom usuel", "Né(e) le", "Domicile"])
    sheet.append([5, "JOUBERT", "Léa", "14/02/1975", "8 place de la Mairie 45990 Isoloir-sur-Loire"])
    path = tmp_path / "liste.xlsx"
    book.save(path)
    with pytest.raises(ImportRejected, match="ne ressemble pas à une liste électorale"):
        read_voter_list(path, on=ON)
    mapping = tmp_path / "m.toml"
    mapping.write_text(build_voter_mapping({"station": "Num BV", "birth_name": "Patronyme", "first_names": "Prénom usuel",
                                            "birth_date": "Né(e) le", "address": "Domicile"}, commune="45999"), encoding="utf-8")
    voters = read_voter_list(path, read_voter_mapping(mapping), on=ON)
    assert voters.frame.iloc[0][["station", "commune_code", "birth_name"]].tolist() == ["5", "45999", "JOUBERT"]


@pytest.mark.parametrize(("row", "message"), [
    ("3;BERTIN;;Camille;31/02/1958;Mme;1 rue X;", "date de naissance impossible"),
    ("3;BERTIN;;Camille;12/03/2019;Mme;1 rue X;", "date de naissance impossible"),
    ("3;BERTIN;;Camille;hier;Mme;1 rue X;", "date de naissance impossible"),
    ("3;=HYPERLINK(\"http://x\");;Camille;12/03/1958;Mme;1 rue X;", "texte inattendu"),
    ("3;BERTIN;;<script>alert(1)</script>;12/03/1958;Mme;1 rue X;", "texte inattendu"),
    ("3;BERTIN;;Camille;12/03/1958;Mme;1 rue X\x07;", "caractères de contrôle"),
    ("3;BERTIN;;Camille;12/03/1958;Neutre?;1 rue X;", "sexe ou civilité illisible"),
    ("3;BERT1N;;Camille;12/03/1958;Mme;1 rue X;", "nom de naissance illisible"),
    (";BERTIN;;Camille;12/03/1958;Mme;1 rue X;", "bureau de vote manquant"),
    ("3;BERTIN;;Camille;12/03/1958;Mme;;", "adresse manquante"),
    ("3;" + "B" * 300 + ";;Camille;12/03/1958;Mme;1 rue X;", "cellule trop longue"),
])
def test_a_bad_row_refuses_the_whole_file_with_its_line(tmp_path: Path, row: str, message: str) -> None:
    with pytest.raises(ImportRejected, match=message) as refused:
        read_voter_list(_csv(tmp_path, [ROWS[0], row]), on=ON)
    assert refused.value.location.line == 3


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4 binary", "a;b;c\r\n1;2;3\r\n".encode()])
def test_wrong_files_are_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(ImportRejected):
        read_voter_list(path, on=ON)


def test_mapping_typos_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('kind = "voters"\n[columns]\nbirthplace = "Lieu"\n', encoding="utf-8")
    with pytest.raises(ImportRejected, match="champ\\(s\\) inconnu"):
        read_voter_mapping(path)
    path.write_text('kind = "results"\n', encoding="utf-8")
    with pytest.raises(ImportRejected, match="pas « voters »"):
        read_voter_mapping(path)


def test_small_parsers() -> None:
    assert parse_birth_date("29/02/2000") == date(2000, 2, 29) and parse_birth_date("29/02/2001") is None
    assert parse_birth_date("12031958") == date(1958, 3, 12)
    assert [parse_sex(t) for t in ("Madame", "M.", "Monsieur", "f", "", "X")] == ["F", "M", "M", "F", "", None]
    assert split_address("3 ter, rue du Port") == ("3 ter", "rue du Port", "", "")
    assert split_address("Lieu-dit Les Granges 45990 Isoloir") == ("", "Lieu-dit Les Granges", "45990", "Isoloir")
    assert station_id("45999", "0012") == "45999_12" and station_id("", "45999_007") == "45999_7"
    assert station_id("", "12") is None
