"""The opposition list honoured on every electoral-list import: an opposed person is left out, counted and listed
(line, station, address; no name), from the CLI and in a property test over random lists and requests written
with the variations the stated tolerance covers (case, accents, first names in any order, usage name, day/month
swapped)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.canvass.voters import OPPOSED_STATUS, opposition_exclude, prepare_voter_import
from dashboard.cli import main
from dashboard.demo.voters import generate_voter_list, write_voter_csv
from dashboard.privacy.identity import identity, same_person
from dashboard.store import CampaignStore, opposition
from dashboard.store import voters as voter_store
from dashboard.warehouse.database import Warehouse


@pytest.fixture(scope="module")
def addresses(demo_dir: Path) -> pd.DataFrame:
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        return wh.query("SELECT * FROM address")


def _as_request(row: pd.Series, variant: int) -> dict[str, object]:
    """How a letter may name the person of ``row`` (a line of the generated list), within the tolerance."""
    first = str(row["Prénoms"]).split()
    day, month, year = (int(p) for p in str(row["Date de naissance"]).split("/"))
    born = date(year, month, day)
    request: dict[str, object] = {"birth_name": str(row["Nom de naissance"]), "first_names": " ".join(first),
                                  "birth_date": born}
    if variant % 4 == 1:  # lower case, first names reversed
        request |= {"birth_name": str(row["Nom de naissance"]).lower(), "first_names": " ".join(reversed(first)).lower()}
    elif variant % 4 == 2 and day <= 12 and day != month:  # a foreign format: day and month swapped
        request["birth_date"] = date(year, day, month)
    elif variant % 4 == 3:  # only the first first name, the address instead of the birth date
        request |= {"first_names": first[0], "birth_date": None, "address": str(row["Adresse"])}
    return request


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), picks=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 3)), max_size=6))
def test_an_opposed_person_is_never_imported(demo_dir: Path, addresses: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory,
                                             seed: int, picks: list[tuple[int, int]]) -> None:
    folder = tmp_path_factory.mktemp("import")
    frame = generate_voter_list(addresses, 60, seed=seed)
    path = write_voter_csv(frame, folder / "liste.csv")
    store = CampaignStore(folder / "campaign.duckdb")
    requests = []
    for position, variant in picks:
        request = _as_request(frame.iloc[position], variant)
        opposition.add_request(store, by="cli", source="courrier", received_on=date(2026, 1, 5), **request)  # type: ignore[arg-type]
        requests.append(identity(**request))
    with Warehouse(demo_dir / "warehouse.duckdb", read_only=True) as wh:
        prepared = prepare_voter_import(path, wh, exclude=opposition_exclude(store))
    report = prepared.report
    left_out = set(report.review.loc[report.review["status"] == OPPOSED_STATUS, "line"])
    opposed_lines = {position + 2 for position, _ in picks}  # the header is line 1
    assert opposed_lines <= left_out and report.excluded == len(left_out)
    assert not opposed_lines & set(prepared.voters["line"]) and report.imported == len(prepared.voters)
    for voter in prepared.voters.itertuples(index=False):
        person = identity(birth_name=voter.birth_name, usage_name=voter.usage_name, first_names=voter.first_names,
                          birth_date=voter.birth_date, address=voter.address)
        assert not any(same_person(person, request) for request in requests)
    assert "Nom de naissance" not in report.review_csv().decode("utf-8-sig")  # listed by line, never by name
    store.close()


def test_cli_import_excludes_the_opposed_and_says_so(demo_dir: Path, addresses: pd.DataFrame, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in ("warehouse.duckdb", "campaign.duckdb"):
        shutil.copy(demo_dir / name, data_dir / name)
    frame = generate_voter_list(addresses, 80, seed=3)
    path = write_voter_csv(frame, tmp_path / "liste.csv")
    store = CampaignStore(data_dir / "campaign.duckdb")
    opposition.add_request(store, by="cli", source="courriel", received_on=date(2026, 1, 5),
                           **_as_request(frame.iloc[10], 1))  # type: ignore[arg-type]
    store.close()
    assert main(["voters", "import", str(path), "--data-dir", str(data_dir), "--election-date", "2026-03-15"]) == 0
    out = capsys.readouterr().out
    assert "écartées par la liste d'opposition : 1" in out
    assert any(line.startswith("  12 |") and OPPOSED_STATUS in line for line in out.splitlines())
    store = CampaignStore(data_dir / "campaign.duckdb")
    stored = voter_store.select_voters(store, by="cli", asked={}, on=date(2026, 3, 15), names=True).frame
    assert str(frame.iloc[10]["Nom de naissance"]) not in set(stored["birth_name"]) or \
        not ((stored["birth_name"] == frame.iloc[10]["Nom de naissance"]) &
             (stored["first_names"] == frame.iloc[10]["Prénoms"])).any()
    store.close()
