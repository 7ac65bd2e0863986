"""Reading CSV dialects and encodings met in practice."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.errors import ImportRejected
from dashboard.ingest.results import read_results
from dashboard.ingest.tables import read_table

HEADER = "Code du département;Code de la commune;Code du b.vote;Inscrits;Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp"
ROW = "93;10;0001;100;40;60;3;2;55;1;F;DUPRÉ;Anne;55;55,00;100,00"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + "\n" + ROW + "\n", encoding=encoding)
    parsed = read_results(path, "pres2022_t1")
    assert parsed.votes["candidate"].tolist() == ["DUPRÉ Anne"]
    assert int(parsed.turnout["expressed"].iat[0]) == 55


def test_double_encoded_utf8_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text((HEADER + "\n" + ROW + "\n").encode("utf-8").decode("latin-1"), encoding="utf-8")
    table = read_table(path)
    assert "Exprimés" in table.header and "corrigé" in str(table.encoding)
    assert read_results(path, "pres2022_t1").votes["candidate"].tolist() == ["DUPRÉ Anne"]


@pytest.mark.parametrize("sep", [";", ",", "\t", "|"])
def test_separators_and_quotes(tmp_path: Path, sep: str) -> None:
    def quote(cell: str) -> str:
        return f'"{cell}"' if ("," in cell or sep in cell) else cell

    lines = [sep.join(quote(c) for c in line.split(";")) for line in (HEADER, ROW)]
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.separator == sep
    assert len(table.header) == 16


def test_multiline_header_keeps_physical_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('a,"b\nsuite",c\n1,2,3\n\n4,5,6\n', encoding="utf-8")
    table = read_table(path)
    assert table.header[1] == "b\nsuite"
    assert table.lines.tolist() == [3, 5]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_table_or_a_clear_refusal(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(data)
    try:
        read_results(path, "pres2022_t1")
    except ImportRejected as error:
        assert error.message_fr.startswith("Import refusé")


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_any_text_gives_results_or_a_clear_refusal(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "t.csv"
    path.write_text(HEADER + "\n" + text, encoding="utf-8")
    try:
        parsed = read_results(path, "pres2022_t1")
    except ImportRejected as error:
        assert "Import refusé" in str(error)
    else:
        assert (parsed.turnout["registered"] >= 0).all()
