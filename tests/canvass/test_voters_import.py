"""Importing a fictitious list of the demo city: matched, excluded by a predicate, all or nothing, from the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from dashboard.canvass.voters import import_voter_list, prepare_voter_import
from dashboard.cli import main
from dashboard.demo.voters import DIRT, generate_voter_list, write_voter_csv
from dashboard.errors import ImportRejected
from dashboard.store import CampaignStore
from dashboard.store import voters as voter_store
from dashboard.warehouse.database import Warehouse


@pytest.fixture(scope="module")
def demo_list(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        frame = generate_voter_list(wh.query("SELECT * FROM address"), 600, seed=7)
    return write_voter_csv(frame, tmp_path_factory.mktemp("voters") / "liste.csv"), frame


@pytest.fixture
def data_dir(demo_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copy(demo_dir / "warehouse.duckdb", folder / "warehouse.duckdb")
    shutil.copy(demo_dir / "campaign.duckdb", folder / "campaign.duckdb")
    return folder


def test_the_demo_list_is_fictitious_and_dirty(demo_list: tuple[Path, pd.DataFrame]) -> None:
    from dashboard.demo import names

    frame = demo_list[1]
    assert set(frame["Nom de naissance"]) <= set(names.SURNAMES)
    assert frame["Adresse"].str.contains(r"\b(?:Av\.|Bd|R\.)\s").any() and frame["Adresse"].str.contains(" bis ").any()
    assert frame["Adresse"].str.isupper().any() and set(DIRT) >= {"typo", "unknown_street"}


def test_prepare_matches_most_and_lists_the_rest_with_their_lines(demo_dir: Path, demo_list: tuple[Path, pd.DataFrame]) -> None:
    path, frame = demo_list
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        prepared = prepare_voter_import(path, wh)
    report = prepared.report
    assert report.rows == 600 and report.communes == ["45999"] and report.match_rate >= 0.95
    assert report.matched + report.doubtful + report.unmatched == 600 and report.unmatched >= 1
    assert len(report.review) == report.doubtful + report.unmatched
    unknown = frame.index[frame["Adresse"].str.contains("Prolongée 45990")] + 2  # header is line 1
    assert set(unknown) <= set(report.review["line"])  # each unmatched row is listed with its file line
    assert prepared.voters["address_id"].notna().sum() == report.matched  # nothing under the threshold is used
    assert report.review_csv().decode("utf-8-sig").splitlines()[0].startswith("ligne;bureau;adresse (fichier)")


def test_exclude_predicate_leaves_people_out_and_counts_them(demo_dir: Path, demo_list: tuple[Path, pd.DataFrame],
                                                             tmp_path: Path) -> None:
    path, frame = demo_list
    opposed = set(frame["Nom de naissance"].iloc[:5])
    seen = []

    def exclude(person) -> bool:  # noqa: ANN001 - a VoterIdentity
        seen.append(person)
        return person.birth_name in opposed

    store = CampaignStore(tmp_path / "campaign.duckdb")
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        report = import_voter_list(path, wh, store, by="cli", exclude=exclude)
    expected = int(frame["Nom de naissance"].isin(opposed).sum())
    assert len(seen) == 600 and report.excluded == expected and report.imported == 600 - expected
    selection = voter_store.select_voters(store, by="cli", asked={}, on=seen[0].birth_date.replace(year=2026), names=True)
    assert selection.total == 600 - expected and not set(selection.frame["birth_name"]) & opposed
    store.close()


def test_cli_import_is_all_or_nothing_and_lists_counts(data_dir: Path, demo_list: tuple[Path, pd.DataFrame],
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = demo_list
    assert main(["voters", "import", str(path), "--data-dir", str(data_dir), "--election-date", "2026-03-15",
                 "--review-csv", str(tmp_path / "revoir.csv")]) == 0
    out = capsys.readouterr().out
    assert "600 électeur(s)" in out and "rapprochées automatiquement" in out and (tmp_path / "revoir.csv").exists()
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([*lines[:300], lines[300].replace("/19", "/31/19", 1), *lines[301:]]), encoding="utf-8")
    assert main(["voters", "import", str(bad), "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert "ligne 301" in err and "date de naissance impossible" in err
    store = CampaignStore(data_dir / "campaign.duckdb")
    assert voter_store.voter_counts_by_station(store, by="cli")["voters"].sum() == 600  # the first list, untouched
    store.close()
    assert main(["voters", "list", "--data-dir", str(data_dir), "--sex", "F", "--age-band", "80+"]) == 0
    assert "électeur(s) (tranche d'âge : 80+, sexe : F)" in capsys.readouterr().out
    assert main(["voters", "list", "--data-dir", str(data_dir), "--nationality", "Portugaise"]) == 1
    assert "CNIL" in capsys.readouterr().err


def test_a_list_without_commune_needs_one(demo_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "l.csv"
    path.write_text("Bureau de vote;Nom de naissance;Prénoms;Date de naissance;Adresse\n"
                    "3;BERTIN;Camille;12/03/1958;12 rue Inconnue\n", encoding="utf-8")
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:  # one commune in the demo: it is that one
        assert prepare_voter_import(path, wh).report.communes == ["45999"]
        with pytest.raises(ImportRejected, match="bureau de vote illisible"):
            prepare_voter_import(path, wh, commune="xx")
