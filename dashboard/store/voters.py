"""The electoral list in the campaign store: imported voters, their matched address, review, lawful selections.

An import (:func:`store_voter_list`, ``import_data``: the admin or an account holding the "data"
right) replaces the voters of the communes its file covers, in one transaction with its
``voter_import`` row and its audit entry (counts only). Names, date of birth, sex and the address as
written are sealed (``crypto.ENCRYPTED``), bound to ``voter_id``; station, the matched REU address
(``address_id``) and the match stay clear, so counts per station and a canvasser's scope are SQL.

**Review.** Doubtful and unmatched addresses (:func:`review_queue`: line, address as written,
proposal, score; no name) wait for a decision (:func:`decide`: pick an address, or leave the voter
without one), stored on the row (``reviewed_by``, ``reviewed_at``) and audited.

**Reads.** Counts per station (:func:`voter_counts_by_station`, the Carte's measure) and lawful
selections (:func:`select_voters`) need ``view_personal_data``: every voter for the admin and the
candidate, a canvasser's own doors only (the voters matched to an address of their turfs and zones,
in the SQL). A selection by name, birthplace or nationality is refused with the CNIL's reason
(``privacy/segmentation.py``) and the refusal audited (``segmentation_refused``: the criterion, never
a value). Names are returned only when asked, and the read is audited with the row count.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dashboard.access.permissions import Principal, actor_name
from dashboard.ingest.street_names import street_key
from dashboard.ingest.voters import split_address
from dashboard.privacy.identity import identity
from dashboard.privacy.segmentation import Criteria, UnlawfulSegmentation, check_criteria, counts, segment
from dashboard.store import audit, crypto, opposition
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.data_right import authorise
from dashboard.store.errors import StoreError
from dashboard.store.guard import audit_refusals
from dashboard.store.scope import ADDRESSES_OF_USER_SQL, own_zones_user
from dashboard.store.validate import clean_address_id

if TYPE_CHECKING:
    import pandas as pd

SEALED = ("birth_name", "usage_name", "first_names", "birth_date", "sex", "address")
CLEAR = ("import_id", "line", "commune_code", "station_id", "list_kind", "address_id", "candidate_id", "match_method",
         "match_score", "match_status", "match_reason")
_INT = {"voter_id", "import_id", "line"}
_CHUNK = 5_000
REVIEW_STATUSES = ("doubtful", "unmatched")


@dataclass(frozen=True)
class StoredImport:
    import_id: int
    rows: int
    replaced: int  # voters of the same communes deleted (the previous list)


def _blank(value: object) -> bool:
    """An empty cell as a frame holds it: None, NaN, pandas' NA, or ``""``."""
    return value is None or value == "" or crypto._missing(value)


def _column_sql(name: str) -> str:
    if name in _INT:
        return "unnest(?::BIGINT[])"
    if name == "match_score":
        return "unnest(?::DOUBLE PRECISION[])"
    return "unnest(?::VARCHAR[])"


@retrying
def store_voter_list(store: CampaignStore, *, by: Principal | str, voters: pd.DataFrame, file_name: str, file_sha256: str,
                     election_date: date | None, counts_: dict[str, int], options: dict[str, Any],
                     now: datetime | None = None) -> StoredImport:
    """Replace the voters of ``voters``' communes with ``voters`` (columns :data:`SEALED` + :data:`CLEAR` but
    ``import_id``; ``birth_date`` as ISO text), all or nothing; ``counts_``: ``matched``, ``doubtful``,
    ``unmatched``, ``excluded``."""
    now = now or utc_now()
    actor = authorise(store, by, "import_data")
    communes = sorted({str(c) for c in voters["commune_code"]})
    if not communes:
        raise StoreError("liste vide : rien à importer")
    ring = crypto.keyring()
    with store.write() as con:
        replaced = int(con.execute("SELECT count(*) FROM voter WHERE commune_code IN (SELECT unnest(?::VARCHAR[]))",
                                   [communes]).fetchone()[0])
        con.execute("DELETE FROM voter WHERE commune_code IN (SELECT unnest(?::VARCHAR[]))", [communes])
        import_id = int(con.execute(con.dialect.next_id("voter_import", "import_id", "voter_import_seq")).fetchone()[0])
        con.execute(
            "INSERT INTO voter_import (import_id, file_name, file_sha256, communes, election_date, rows_read, matched, doubtful, "
            "unmatched, excluded, replaced, options, imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [import_id, file_name[:200], file_sha256, json.dumps(communes), election_date, int(counts_.get("rows", len(voters))),
             int(counts_.get("matched", 0)), int(counts_.get("doubtful", 0)), int(counts_.get("unmatched", 0)),
             int(counts_.get("excluded", 0)), replaced, json.dumps(options, ensure_ascii=False, default=str), actor_name(actor), now],
        )
        names = ["voter_id", *CLEAR, *SEALED]
        insert = (f"INSERT INTO voter ({', '.join(names)}) SELECT {', '.join(_column_sql(n) for n in names)}")
        for start in range(0, len(voters), _CHUNK):
            part = voters.iloc[start:start + _CHUNK]
            ids = [int(r[0]) for r in con.execute(con.dialect.next_ids("voter", "voter_id", "voter_seq"), [len(part)]).fetchall()]
            columns: list[list[Any]] = [ids]
            for name in CLEAR:
                if name == "import_id":
                    columns.append([import_id] * len(part))
                elif name == "line":
                    columns.append([int(v) for v in part["line"]])
                elif name == "match_score":
                    columns.append([float(v) for v in part["match_score"]])
                else:
                    columns.append([None if _blank(v) else str(v) for v in part[name]])
            for name in SEALED:
                columns.append([None if _blank(v) and name in ("usage_name", "sex") else ring.seal("" if _blank(v) else str(v), "voter", name, i)
                                for v, i in zip(part[name], ids, strict=True)])
            con.execute(insert, columns)
        audit.insert(con, actor_name(actor), "voters_import", "voter_import", import_id,
                     {"rows": len(voters), "communes": communes, "replaced": replaced,
                      **{k: int(v) for k, v in counts_.items() if k in ("matched", "doubtful", "unmatched", "excluded")}}, at=now)
    return StoredImport(import_id, len(voters), replaced)


def voter_counts_by_station(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """``station_id``, ``voters``, ``matched`` (a matched or reviewed address): an aggregate of personal data
    (``view_personal_data``), a canvasser's own doors only. Never a name."""
    import pandas as pd

    with audit_refusals(store, by, "view_personal_data", "voters"):
        scope = own_zones_user(by, "view_personal_data")
    if not store.exists():
        return pd.DataFrame({"station_id": pd.Series(dtype=object), "voters": pd.Series(dtype="int64"),
                             "matched": pd.Series(dtype="int64")})
    where, params = ("", []) if scope is None else (f"WHERE v.address_id IN ({ADDRESSES_OF_USER_SQL})", [scope])
    with store.read() as con:
        return con.frame(
            "SELECT v.station_id, count(*) AS voters, count(v.address_id) AS matched FROM voter v "
            f"{where} GROUP BY v.station_id ORDER BY v.station_id", params)


def review_queue(store: CampaignStore, *, by: Principal | str, limit: int | None = None) -> pd.DataFrame:
    """Doubtful and unmatched voters waiting for a decision (``import_data``): ``voter_id``, ``line``, ``station_id``,
    ``address`` (as written), ``match_status``, ``match_method``, ``match_score``, ``candidate_id``, ``match_reason``;
    no name. By status (doubtful first) then line."""
    actor = authorise(store, by, "import_data")
    tail = "" if limit is None else f" LIMIT {int(limit)}"
    with store.write() as con:
        frame = con.frame(
            "SELECT voter_id, line, station_id, address, match_status, match_method, match_score, candidate_id, match_reason "
            "FROM voter WHERE match_status IN ('doubtful', 'unmatched') "
            f"ORDER BY CASE match_status WHEN 'doubtful' THEN 0 ELSE 1 END, import_id, line{tail}")
        frame = crypto.open_frame("voter", frame)
        audit.insert(con, actor_name(actor), "view_personal_data", "voters", None, {"rows": len(frame), "what": "review"})
    return frame


@retrying
def decide(store: CampaignStore, *, by: Principal | str, voter_id: int, address_id: str | None,
           now: datetime | None = None) -> str:
    """A review decision (``import_data``): ``address_id`` (an REU address ``<BAN id>@<station_id>``, the proposal or
    another) or None (leave the voter without an address). Returns the new status."""
    now = now or utc_now()
    actor = authorise(store, by, "import_data")
    door = None if address_id is None else clean_address_id(address_id)[0]
    status = "left" if door is None else "reviewed"
    with store.write() as con:
        row = con.execute(f"SELECT match_status FROM voter WHERE voter_id = ?{con.dialect.for_update}", [int(voter_id)]).fetchone()
        if row is None:
            raise StoreError(f"électeur n° {int(voter_id)} introuvable (liste réimportée ou purgée ?)")
        con.execute("UPDATE voter SET address_id = ?, match_status = ?, reviewed_by = ?, reviewed_at = ? WHERE voter_id = ?",
                    [door, status, actor_name(actor), now, int(voter_id)])
        audit.insert(con, actor_name(actor), "voters_review", "voter", int(voter_id),
                     {"before": row[0], "decision": status}, at=now)
    return status


@dataclass(frozen=True)
class Selection:
    criteria: Criteria
    total: int
    counts: dict[str, dict[str, int]]
    frame: pd.DataFrame  # station_id, street, number, age_band, sex, and the names when asked


_LEADING = re.compile(r"^\s*(\d{1,5})")


@retrying
def select_voters(store: CampaignStore, *, by: Principal | str, asked: dict[str, object], on: date,
                  names: bool = False) -> Selection:
    """Voters kept by lawful criteria (:func:`~dashboard.privacy.segmentation.check_criteria`), in walking order.

    Refused (French, audited): a criterion the CNIL forbids, a role without ``view_personal_data``.
    ``names``: add ``birth_name``, ``usage_name``, ``first_names`` and ``address`` (audited read)."""
    try:
        criteria = check_criteria(asked)
    except UnlawfulSegmentation as refusal:
        audit.record(store, by, "segmentation_refused", "voters", None, {"criterion": refusal.criterion[:40]}, "denied")
        raise
    with audit_refusals(store, by, "view_personal_data", "voters"):
        scope = own_zones_user(by, "view_personal_data")
    where, params = ("", []) if scope is None else (f"WHERE v.address_id IN ({ADDRESSES_OF_USER_SQL})", [scope])
    if criteria.station:
        where += (" AND" if where else "WHERE") + " v.station_id = ?"
        params.append(criteria.station)
    with store.write() as con:
        frame = crypto.open_frame("voter", con.frame(
            "SELECT v.voter_id, v.station_id, v.address_id, v.birth_name, v.usage_name, v.first_names, v.birth_date, v.sex, "
            f"v.address FROM voter v {where} ORDER BY v.voter_id", params))
        parts = [split_address(a) for a in frame["address"]]
        frame["number"] = [p[0] for p in parts]
        frame["street"] = [p[1] for p in parts]
        frame["number_sort"] = [int(m[1]) if (m := _LEADING.match(p[0])) else 0 for p in parts]
        frame["birth_date"] = [date.fromisoformat(b) for b in frame["birth_date"]]
        frame["sex"] = frame["sex"].fillna("")
        selected = segment(frame, criteria, on, street_key)
        audit.insert(con, actor_name(by), "view_personal_data", "voters", None,
                     {"rows": len(selected), "criteria": sorted(criteria.as_dict()), "names": names})
    keep = ["station_id", "street", "number", "age_band", "sex"]
    if names:
        keep += ["birth_name", "usage_name", "first_names", "address"]
    return Selection(criteria, len(selected), counts(selected), selected[keep].copy())


def voter_name(birth_name: object, usage_name: object, first_names: object) -> str:
    """« USAGE (née BIRTH) Prénoms » as a list shows a voter; the birth name alone when there is no usage name."""
    birth, usage, first = (str(v or "").strip() for v in (birth_name, usage_name, first_names))
    surname = f"{usage} (né·e {birth})" if usage and usage.upper() != birth.upper() else birth
    return f"{surname} {first}".strip()


@retrying
def voters_at_doors(store: CampaignStore, *, by: Principal | str, address_ids: Sequence[str]) -> dict[str, list[str]]:
    """The voters by name at these doors (the phone page's doors), each door's names sorted, for a role holding
    ``view_personal_data`` (a canvasser: their own doors only, in SQL; refusals audited). A voter matching the
    opposition list as it is now (an entry added after the import) is never returned. Audited with counts."""
    ids = [str(a) for a in address_ids]
    with audit_refusals(store, by, "view_personal_data", "voters"):
        scope = own_zones_user(by, "view_personal_data")
    if not ids:
        return {}
    where, params = "v.address_id IN (SELECT unnest(?::VARCHAR[]))", [ids]
    if scope is not None:
        where += f" AND v.address_id IN ({ADDRESSES_OF_USER_SQL})"
        params.append(scope)
    with store.write() as con:
        rows = crypto.open_rows("voter", con.execute(
            "SELECT v.voter_id, v.address_id, v.birth_name, v.usage_name, v.first_names, v.birth_date, v.address "
            f"FROM voter v WHERE {where}", params).fetchall(),  # noqa: S608 - fixed SQL, bound values
            ["voter_id", "address_id", "birth_name", "usage_name", "first_names", "birth_date", "address"])
        if not rows:
            return {}
        opposed = opposition.load_in(con)
        found: dict[str, list[str]] = {}
        left_out = 0
        for _, address_id, birth, usage, first, born, written in rows:
            if opposed.door_opposed(address_id) or opposed.is_opposed(identity(
                    birth_name=birth, usage_name=usage, first_names=first, birth_date=born, address=written)):
                left_out += 1
                continue
            found.setdefault(str(address_id), []).append(voter_name(birth, usage, first))
        audit.insert(con, actor_name(by), "view_personal_data", "voters", None,
                     {"rows": len(rows) - left_out, "doors": len(found), "names": True, "excluded_opposed": left_out})
    return {door: sorted(names, key=str.casefold) for door, names in found.items()}

