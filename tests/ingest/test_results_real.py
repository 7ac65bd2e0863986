"""Results importers on every real sample file."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.ingest.results import read_results

MAPPINGS = Path(__file__).resolve().parents[2] / "docs" / "mappings"

# file, election, format (start of report.format), communes, stations per commune, (registered, expressed) for one commune
CASES = [
    ("bondy/results/bondy_2022.csv", "pres2022_t1", "Ministère de l'Intérieur, résultats par bureau (format 2017-2022)", {"93010": 32}, ("93010", 25281, 17347)),
    ("brest/results/leg2024_circos23-tour1_29019.csv", None, "Ministère de l'Intérieur, résultats par bureau (format 2024)", {"29019": 104}, ("29019", 85102, 56519)),
    ("brest/results/leg2024_circos23-tour2_29019.csv", None, "Ministère de l'Intérieur, résultats par bureau (format 2024)", {"29019": 104}, ("29019", 85122, 56128)),
    ("chatenay-malabry/results/legislatives2024_t1_9213.xlsx", None, "Ministère de l'Intérieur, résultats par bureau (format 2024)",
     {"92002": 44, "92014": 14, "92019": 20, "92071": 14}, ("92019", 20762, 14204)),
    ("chatenay-malabry/results/legislatives2024_t2_9213.xlsx", None, "Ministère de l'Intérieur, résultats par bureau (format 2024)",
     {"92002": 44, "92014": 14, "92019": 20, "92071": 14}, ("92019", 20763, 12920)),
    ("chatenay-malabry/results/europeennes_2024.xlsx", None, "Ministère de l'Intérieur, résultats par bureau (format 2024)",
     {"92002": 44, "92014": 14, "92019": 20, "92071": 14}, ("92019", 20900, 11353)),
    ("chatenay-malabry/results/legislatives2022_t2_9213.xlsx", None, "Ministère de l'Intérieur, résultats par bureau (format 2017-2022)",
     {"92002": 44, "92014": 14, "92019": 19, "92071": 14}, ("92019", 20005, 9472)),
    ("chatenay-malabry/results/departementales_2021_t1.xlsx", None, "Ministère de l'Intérieur, résultats par bureau (format 2017-2022)",
     {"92002": 44, "92014": 14, "92019": 19, "92071": 14}, ("92019", 19559, 6875)),
]


@pytest.mark.parametrize(("name", "election", "fmt", "communes", "totals"), CASES, ids=[c[0].split("/")[-1] for c in CASES])
def test_official_results(shared_data: Path, name, election, fmt, communes, totals) -> None:
    parsed = read_results(shared_data / name, election)
    turnout, votes = parsed.turnout, parsed.votes
    assert parsed.report.format == fmt
    assert turnout.groupby("commune_code").size().to_dict() == communes
    commune, registered, expressed = totals
    sub = turnout[turnout["commune_code"] == commune]
    assert (int(sub["registered"].sum()), int(sub["expressed"].sum())) == (registered, expressed)
    # Arithmetic holds in official files: every station's candidates add up to expressed.
    sums = votes.groupby("station_id")["votes"].sum()
    assert (sums.reindex(turnout["station_id"]).to_numpy() == turnout["expressed"].to_numpy()).all()
    assert (turnout["registered"] == turnout["abstentions"] + turnout["voters"]).all()
    assert parsed.report.warnings == []
    assert turnout["station_id"].str.match(r"^\d{5}_[1-9]\d*$").all()


def test_commune_code_lost_padding_is_rebuilt(shared_data: Path) -> None:
    # "Code de la commune" = 10 with département 93 in Bondy's re-saved file.
    parsed = read_results(shared_data / "bondy/results/bondy_2022.csv", "pres2022_t1")
    assert set(parsed.turnout["commune_code"]) == {"93010"}
    assert parsed.commune_names == {"93010": "Bondy"}


def test_presidential_candidates_keep_names_and_panels(shared_data: Path) -> None:
    parsed = read_results(shared_data / "bondy/results/bondy_2022.csv", "pres2022_t1")
    first = parsed.votes[parsed.votes["station_id"] == "93010_1"].sort_values("panel")
    assert first["panel"].tolist() == list(range(1, 13))
    assert first["candidate"].iloc[0] == "ARTHAUD Nathalie"
    assert int(first["votes"].iloc[0]) == 4


def test_2024_lists_use_short_label_and_nuance(shared_data: Path) -> None:
    parsed = read_results(shared_data / "chatenay-malabry/results/europeennes_2024.xlsx")
    assert parsed.election_id == "euro2024"
    assert parsed.votes["candidate"].nunique() == 38
    assert {"LRN", "LENS", "LFI", "LUG"} <= set(parsed.votes["nuance"])


def test_long_format_rows_are_merged_per_station(shared_data: Path) -> None:
    parsed = read_results(shared_data / "chatenay-malabry/results/legislatives2022_t2_9213.xlsx")
    assert parsed.report.rows_read == 182
    assert len(parsed.turnout) == 91
    assert parsed.votes.groupby("station_id").size().eq(2).all()


def test_mapping_bondy_municipal_skips_total_rows(shared_data: Path) -> None:
    parsed = read_results(shared_data / "bondy/results/bondyElection_municipales2020_t1.csv", mapping_path=MAPPINGS / "bondy_municipales2020.toml")
    assert parsed.election_id == "muni2020_t1"
    assert len(parsed.turnout) == 32
    assert parsed.report.rows_skipped == 2
    assert parsed.votes["candidate"].nunique() == 5
    assert set(parsed.votes.loc[parsed.votes["panel"] == 1, "nuance"]) == {"LUG"}
    assert parsed.report.warnings == []


def test_mapping_brest_city_files_cover_the_commune_together(shared_data: Path) -> None:
    mapping = MAPPINGS / "brest_legislatives2022_ville.toml"
    circo2 = read_results(shared_data / "brest/results/leg2022_ville_tour1_circo2.csv", "leg2022_t1", mapping)
    circo3 = read_results(shared_data / "brest/results/leg2022_ville_tour1_circo3.csv", "leg2022_t1", mapping)
    stations = set(circo2.turnout["station_id"]) | set(circo3.turnout["station_id"])
    assert len(circo2.turnout) == 78 and len(circo3.turnout) == 26 and len(stations) == 104
    assert "LARSONNEUR Jean-Charles" in set(circo2.votes["candidate"])
    assert circo2.turnout["station_name"].str.len().gt(0).all()


def test_mapping_long_format_with_stray_line(shared_data: Path) -> None:
    parsed = read_results(shared_data / "bondy/results/bondy_2002.csv", mapping_path=MAPPINGS / "bondy_presidentielle2002_long.toml")
    assert len(parsed.turnout) == 17
    assert parsed.votes.groupby("station_id").size().eq(16).all()
    assert parsed.report.skipped[0].lines == [2]
