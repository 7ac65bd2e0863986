"""The electoral list in the campaign store, on both backends: sealed at rest, replaced whole, scoped, reviewed, audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import bcrypt
import pandas as pd
import pytest

from dashboard.access.permissions import PermissionDenied
from dashboard.privacy.segmentation import UnlawfulSegmentation
from dashboard.store import CampaignStore, audit, data_right, users, zones
from dashboard.store import voters as voter_store
from dashboard.store.users import User
from tests.campaign_stores import StoreMaker, table_rows

T0 = datetime(2026, 3, 1, 9, 0, 0)
ON = date(2026, 3, 15)
ACCOUNTS = {"dir": "admin", "cand": "candidate", "strat": "strategist", "paul": "canvasser", "obs": "viewer", "data": "strategist"}


def _voters(n_per_station: int = 3, commune: str = "45999") -> pd.DataFrame:
    """Fictitious voters (demo vocabularies) at doors d<k>@<station>; the last of each station unmatched."""
    rows = []
    for s in (1, 2, 3):
        for k in range(n_per_station):
            matched = k < n_per_station - 1
            station = f"{commune}_{s}"
            rows.append({
                "line": len(rows) + 2, "commune_code": commune, "station_id": station, "list_kind": "principale",
                "address_id": f"d{k}@{station}" if matched else None, "candidate_id": f"d{k}@{station}",
                "match_method": "exacte" if matched else "voie_seule", "match_score": 100.0 if matched else 50.0,
                "match_status": "auto" if matched else "unmatched", "match_reason": None if matched else "numéro absent",
                "birth_name": ["BERTIN", "HAMON", "JOUBERT"][k % 3], "usage_name": "", "first_names": "Camille",
                "birth_date": ["1950-05-01", "1990-01-01", "2000-07-14"][k % 3], "sex": "FMF"[k % 3],
                "address": f"{k + 1} Rue des Lilas 45990 Isoloir-sur-Loire",
            })
    return pd.DataFrame(rows)


def _import(store: CampaignStore, by: object = "cli", voters: pd.DataFrame | None = None) -> voter_store.StoredImport:
    frame = _voters() if voters is None else voters
    return voter_store.store_voter_list(store, by=by, voters=frame, file_name="liste.csv", file_sha256="0" * 64,  # type: ignore[arg-type]
                                        election_date=ON, counts_={"rows": len(frame), "matched": 6, "unmatched": 3},
                                        options={}, now=T0)


@pytest.fixture(scope="module")
def template(store_maker: StoreMaker) -> tuple[CampaignStore, dict[str, User]]:
    store = store_maker.new()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        for name, role in ACCOUNTS.items():
            users.add_user(store, name, "a-long-password-1", role, by="cli", now=T0)
    data_right.set_right(store, "data", "data", True, by="cli")
    nord = zones.create_zone(store, "Nord", ["45999_1"], by="cli", now=T0, address_ids=["d0@45999_1", "d1@45999_1"])
    zones.assign_zone(store, nord.zone_id, "paul", by="cli", now=T0)
    _import(store)
    return store, {u.user_name: u for u in users.list_users(store, by="cli")}


@pytest.fixture
def store(template: tuple[CampaignStore, dict[str, User]], new_store: Callable[..., CampaignStore]) -> CampaignStore:
    return new_store(clone_of=template[0])


@pytest.fixture
def people(template: tuple[CampaignStore, dict[str, User]]) -> dict[str, User]:
    return template[1]


def test_personal_columns_are_sealed_and_nothing_else_is_kept(store: CampaignStore) -> None:
    with store.write() as con:
        rows = con.execute("SELECT * FROM voter").fetchall()  # as stored, not opened
        opened = table_rows(con, "voter")
        columns = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'voter' "
                                             "AND table_schema = current_schema()").fetchall()]
    assert len(rows) == 9 and "BERTIN" in repr(opened)
    text = repr(rows)
    assert "BERTIN" not in text and "Lilas" not in text and "1950-05-01" not in text
    assert not any("nationalit" in c or "birthplace" in c for c in columns)


def test_counts_per_station_are_scoped_and_refused_to_roles_without_personal_data(store: CampaignStore, people: dict[str, User]) -> None:
    full = voter_store.voter_counts_by_station(store, by=people["cand"])
    assert full.to_dict("list") == {"station_id": ["45999_1", "45999_2", "45999_3"], "voters": [3, 3, 3], "matched": [2, 2, 2]}
    own = voter_store.voter_counts_by_station(store, by=people["paul"])
    assert own.to_dict("list") == {"station_id": ["45999_1"], "voters": [2], "matched": [2]}  # his doors only
    for name in ("strat", "obs"):
        with pytest.raises(PermissionDenied):
            voter_store.voter_counts_by_station(store, by=people[name])
    assert [e.action for e in audit.entries(store, by="cli")][0] == "permission_denied"  # newest first


def test_a_new_list_replaces_the_old_one_of_its_communes_in_one_transaction(store: CampaignStore, people: dict[str, User]) -> None:
    other = _voters(1, commune="45888")
    assert _import(store, voters=other).replaced == 0
    again = _import(store, by=people["data"])  # a strategist with the "data" right may import
    assert (again.rows, again.replaced) == (9, 9)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM voter").fetchone()[0] == 12
    broken = _voters().assign(list_kind="inconnue")  # refused by the table's check: nothing changes
    with pytest.raises(Exception):  # noqa: B017, PT011 - the store's French integrity error
        _import(store, voters=broken)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM voter WHERE commune_code = '45999'").fetchone()[0] == 9
        assert con.execute("SELECT count(*) FROM voter_import").fetchone()[0] == 3


def test_import_needs_the_data_right(store: CampaignStore, people: dict[str, User]) -> None:
    for name in ("cand", "strat", "paul"):
        with pytest.raises(PermissionDenied):
            _import(store, by=people[name])


def test_review_queue_and_decisions(store: CampaignStore, people: dict[str, User]) -> None:
    queue = voter_store.review_queue(store, by=people["dir"])
    assert len(queue) == 3 and set(queue["match_status"]) == {"unmatched"}
    assert "birth_name" not in queue.columns and queue["address"].iloc[0].endswith("Isoloir-sur-Loire")
    first, second = (int(v) for v in queue["voter_id"].iloc[:2])
    assert voter_store.decide(store, by=people["dir"], voter_id=first, address_id=str(queue["candidate_id"].iloc[0])) == "reviewed"
    assert voter_store.decide(store, by=people["dir"], voter_id=second, address_id=None) == "left"
    assert len(voter_store.review_queue(store, by=people["dir"])) == 1
    with pytest.raises(PermissionDenied):
        voter_store.review_queue(store, by=people["cand"])
    actions = [e.action for e in audit.entries(store, by="cli")]
    assert actions.count("voters_review") == 2


def test_lawful_selection_names_only_when_allowed_and_unlawful_refused_and_audited(store: CampaignStore,
                                                                                  people: dict[str, User]) -> None:
    selection = voter_store.select_voters(store, by=people["cand"], asked={"sex": "F", "age_band": "18-24"}, on=ON,
                                          names=True)
    assert selection.total == 0 or set(selection.frame["age_band"]) == {"18-24"}
    women = voter_store.select_voters(store, by=people["cand"], asked={"sex": "F"}, on=ON, names=True)
    assert women.total == 6 and set(women.frame["birth_name"]) == {"BERTIN", "JOUBERT"}
    assert women.frame["station_id"].is_monotonic_increasing
    counted = voter_store.select_voters(store, by=people["paul"], asked={}, on=ON)
    assert counted.total == 2 and "birth_name" not in counted.frame.columns
    with pytest.raises(PermissionDenied):
        voter_store.select_voters(store, by=people["strat"], asked={"station": "45999_1"}, on=ON)
    with pytest.raises(UnlawfulSegmentation, match="CNIL"):
        voter_store.select_voters(store, by=people["cand"], asked={"lieu_de_naissance": "Alger"}, on=ON)
    refused = [e for e in audit.entries(store, by="cli") if e.action == "segmentation_refused"]
    assert len(refused) == 1 and refused[0].detail == {"criterion": "lieu_de_naissance"} and refused[0].outcome == "denied"
    assert "Alger" not in repr(audit.entries(store, by="cli"))
