"""Importing an electoral list: read it, check each person against a predicate, match the addresses, store.

:func:`prepare_voter_import` does everything but the write, read-only (the import page's preview
and ``isoloir voters import --dry-run``): the file is read and checked whole
(:mod:`dashboard.ingest.voters`), each row's commune and station are resolved, each person is passed
to ``exclude`` (one step, one predicate: the opposition list plugs in here; a person it returns
True for is left out and counted), and each address is matched offline to the warehouse's REU/BAN
addresses (:mod:`dashboard.canvass.addressmatch`). :func:`import_voter_list` then writes the result
in one transaction (:func:`dashboard.store.voters.store_voter_list`): a bad file writes nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from dashboard.canvass.addressmatch import AUTO_SCORE, METHOD_LABELS, REVIEW_SCORE, STATUS_LABELS, AddressIndex, match_all
from dashboard.csv_export import french_csv
from dashboard.errors import ImportRejected
from dashboard.formats import format_fr
from dashboard.ingest.voters import VoterIdentity, VoterMapping, read_voter_list, read_voter_mapping, station_id
from dashboard.privacy.identity import identity
from dashboard.store import opposition
from dashboard.store import voters as voter_store

if TYPE_CHECKING:
    from dashboard.access.permissions import Principal
    from dashboard.store.campaign import CampaignStore
    from dashboard.warehouse.database import Warehouse

Exclude = Callable[[VoterIdentity], bool]
REVIEW_COLUMNS: dict[str, str] = {
    "line": "ligne", "station_id": "bureau", "address": "adresse (fichier)", "status": "état", "method": "méthode",
    "score": "score", "candidate": "adresse proposée", "reason": "raison",
}
OPPOSED_STATUS = "exclu : opposition"  # a row the opposition list left out, listed for review (no name)
OPPOSED_REASON = "personne sur la liste d'opposition (ne plus solliciter) : non importée"
_ADDRESS_SQL = ("SELECT address_id, commune_code, station_id, label, housenumber, street, postcode, city FROM address "
                "WHERE commune_code IN (SELECT unnest(?::VARCHAR[]))")


@dataclass
class VoterImportReport:
    """What an import did or would do: counts, match rate, the rows to review (line, address, proposal; no name)."""

    file_name: str
    rows: int
    matched: int
    doubtful: int
    unmatched: int
    excluded: int
    communes: list[str]
    unknown_stations: list[str]
    encoding: str | None
    columns: dict[str, str]
    seconds: float = 0.0
    review: pd.DataFrame = field(default_factory=pd.DataFrame)
    import_id: int | None = None
    replaced: int = 0

    @property
    def imported(self) -> int:
        return self.rows - self.excluded

    @property
    def match_rate(self) -> float:
        """Share of the imported voters matched automatically (score ≥ 90)."""
        return self.matched / self.imported if self.imported else 0.0

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "matched": self.matched, "doubtful": self.doubtful, "unmatched": self.unmatched,
                "excluded": self.excluded}

    def lines_fr(self) -> list[str]:
        done = "importée" if self.import_id is not None else "lue (rien n'est écrit)"
        lines = [
            f"Liste électorale « {self.file_name} » {done} : {format_fr(self.rows)} électeur(s), "
            f"communes {', '.join(self.communes)}",
            f"  adresses rapprochées automatiquement (score ≥ {format_fr(AUTO_SCORE)}) : {format_fr(self.matched)} "
            f"({format_fr(self.match_rate * 100, 1)} %)",
            f"  douteuses (score {format_fr(REVIEW_SCORE)} à {format_fr(AUTO_SCORE)}, à revoir) : {format_fr(self.doubtful)} ; "
            f"non rapprochées : {format_fr(self.unmatched)}",
        ]
        if self.excluded:
            lines.append(f"  écartées par la liste d'opposition : {format_fr(self.excluded)}")
        if self.unknown_stations:
            lines.append(f"  bureaux absents de l'entrepôt : {', '.join(self.unknown_stations[:10])}"
                         f"{'…' if len(self.unknown_stations) > 10 else ''}")
        if self.replaced:
            lines.append(f"  liste précédente des mêmes communes remplacée : {format_fr(self.replaced)} électeur(s)")
        lines.append(f"  durée : {format_fr(self.seconds, 1)} s")
        return lines

    def review_csv(self) -> bytes:
        """The rows to review as a French CSV (line numbers of the file)."""
        frame = self.review
        return french_csv(list(REVIEW_COLUMNS.values()), frame[list(REVIEW_COLUMNS)].itertuples(index=False, name=None))

    def to_dict(self) -> dict[str, Any]:
        return {**self.counts(), "match_rate": round(self.match_rate, 4), "communes": self.communes,
                "seconds": round(self.seconds, 2), "import_id": self.import_id, "replaced": self.replaced,
                "unknown_stations": self.unknown_stations}


@dataclass
class PreparedVoters:
    report: VoterImportReport
    voters: pd.DataFrame  # what store_voter_list writes
    sha256: str
    options: dict[str, Any]
    election_date: date | None


def _communes(frame: pd.DataFrame, index: AddressIndex, commune: str | None, path: Path) -> list[str]:
    given = frame["commune_code"].astype(str)
    from_station = frame["station"].str.extract(r"^(\d[\dAB]\d{3})_", expand=False).fillna("")
    out = given.where(given != "", from_station)
    if commune:
        out = out.where(out != "", commune)
    missing = out == ""
    if missing.any():
        keys = frame.loc[missing, ["postcode", "city"]].astype(str)
        found = {k: index.commune_of(*k) for k in set(map(tuple, keys.to_numpy()))}
        out.loc[missing] = [found[tuple(k)] or "" for k in keys.to_numpy()]
    known = list(index.communes)
    still = out == ""
    if still.any() and len(known) == 1:
        out.loc[still] = known[0]
    if (out == "").any():
        line = int(frame.loc[out == "", "line"].iloc[0])
        raise ImportRejected("commune de l'électeur inconnue : donnez la commune (--commune, ou une colonne « code commune »)",
                             file=path, line=line)
    return out.tolist()


def prepare_voter_import(path: Path, wh: Warehouse, *, mapping: Path | VoterMapping | None = None, commune: str | None = None,
                         election_date: date | None = None, exclude: Exclude | None = None) -> PreparedVoters:
    """Read, check, exclude and match ``path`` without writing anything (see the module doc)."""
    started = time.perf_counter()
    path = Path(path)
    the_mapping = read_voter_mapping(mapping) if isinstance(mapping, Path) else mapping
    voter_list = read_voter_list(path, the_mapping, on=election_date)
    frame = voter_list.frame
    index = AddressIndex(wh.query(  # postcodes and names of the communes: which commune a row is in
        "SELECT DISTINCT '' AS address_id, commune_code, '' AS station_id, '' AS label, NULL AS housenumber, NULL AS street, "
        "postcode, city FROM address"))
    if not index.communes:
        raise ImportRejected("l'entrepôt ne contient aucune adresse REU : importez d'abord les adresses de la commune "
                             "(isoloir import addresses)", file=path)
    communes = _communes(frame, index, commune, path)
    frame = frame.assign(commune_code=communes)
    stations = [station_id(c, s) for c, s in zip(communes, frame["station"], strict=True)]
    for position, sid in enumerate(stations):
        if sid is None:
            raise ImportRejected(f"bureau de vote illisible : « {frame['station'].iloc[position][:30]} »", file=path,
                                 line=int(frame["line"].iloc[position]))
    frame = frame.assign(station_id=stations)
    excluded = 0
    left_out = pd.DataFrame(columns=list(REVIEW_COLUMNS))
    if exclude is not None:
        keep = [not exclude(VoterIdentity(r.birth_name, r.usage_name, r.first_names, r.birth_date, r.address, r.commune_code))
                for r in frame.itertuples(index=False)]
        excluded = len(frame) - sum(keep)
        out = frame[[not k for k in keep]]
        left_out = pd.DataFrame({"line": out["line"], "station_id": out["station_id"], "address": out["address"],
                                 "status": OPPOSED_STATUS, "method": "—", "score": 0.0, "candidate": None,
                                 "reason": OPPOSED_REASON}).reset_index(drop=True)
        frame = frame[keep].reset_index(drop=True)
    used = sorted(set(frame["commune_code"]))
    index = AddressIndex(wh.query(_ADDRESS_SQL, [used]))
    matches = match_all(index, zip(frame["commune_code"], frame["station_id"], frame["number"], frame["street"],
                                   frame["postcode"], frame["city"], strict=True))
    known_stations = set(wh.query("SELECT DISTINCT station_id FROM address WHERE commune_code IN (SELECT unnest(?::VARCHAR[])) "
                                  "UNION SELECT DISTINCT station_id FROM station WHERE commune_code IN (SELECT unnest(?::VARCHAR[]))",
                                  [used, used])["station_id"])
    voters = pd.DataFrame({
        "line": frame["line"], "commune_code": frame["commune_code"], "station_id": frame["station_id"],
        "list_kind": frame["list_kind"],
        "address_id": [m.address_id for m in matches], "candidate_id": [m.candidate_id for m in matches],
        "match_method": [m.method for m in matches], "match_score": [m.score for m in matches],
        "match_status": [m.status for m in matches], "match_reason": [m.reason_fr or None for m in matches],
        "birth_name": frame["birth_name"], "usage_name": frame["usage_name"], "first_names": frame["first_names"],
        "birth_date": [b.isoformat() for b in frame["birth_date"]], "sex": frame["sex"], "address": frame["address"],
    })
    review_mask = voters["match_status"] != "auto"
    review = pd.DataFrame({
        "line": voters.loc[review_mask, "line"], "station_id": voters.loc[review_mask, "station_id"],
        "address": voters.loc[review_mask, "address"],
        "status": voters.loc[review_mask, "match_status"].map(STATUS_LABELS),
        "method": voters.loc[review_mask, "match_method"].map(METHOD_LABELS),
        "score": voters.loc[review_mask, "match_score"],
        "candidate": [m.candidate_label for m, r in zip(matches, review_mask, strict=True) if r],
        "reason": voters.loc[review_mask, "match_reason"],
    }).reset_index(drop=True)
    if len(left_out):
        review = pd.concat([left_out, review], ignore_index=True).sort_values("line", kind="stable").reset_index(drop=True)
    statuses = voters["match_status"].value_counts()
    report = VoterImportReport(
        file_name=path.name, rows=voter_list.rows, matched=int(statuses.get("auto", 0)),
        doubtful=int(statuses.get("doubtful", 0)), unmatched=int(statuses.get("unmatched", 0)), excluded=excluded,
        communes=used, unknown_stations=sorted(set(stations) - known_stations), encoding=voter_list.encoding,
        columns=voter_list.columns, review=review,
    )
    options = {"mapping": None if mapping is None else (str(mapping) if isinstance(mapping, Path) else "menus"),
               "commune": commune, "exclude": exclude is not None}
    report.seconds = time.perf_counter() - started
    return PreparedVoters(report, voters, hashlib.sha256(path.read_bytes()).hexdigest(), options, election_date)


def opposition_exclude(store: CampaignStore) -> Exclude:
    """The store's opposition list as the import's ``exclude`` predicate: a row is left out when its birth name,
    usage name, first names, birth date and address match an entry within the stated tolerance
    (``privacy/identity.py``; read once, one hashed lookup per row). Every import goes through it."""
    is_opposed = opposition.load(store).is_opposed

    def exclude(person: VoterIdentity) -> bool:
        return is_opposed(identity(birth_name=person.birth_name, usage_name=person.usage_name,
                                   first_names=person.first_names, birth_date=person.birth_date, address=person.address))
    return exclude


def write_prepared(prepared: PreparedVoters, store: CampaignStore, *, by: Principal | str) -> VoterImportReport:
    """Write a prepared list (the page's confirm after its preview); the report gets its import id."""
    started = time.perf_counter()
    stored = voter_store.store_voter_list(
        store, by=by, voters=prepared.voters, file_name=prepared.report.file_name, file_sha256=prepared.sha256,
        election_date=prepared.election_date, counts_=prepared.report.counts(), options=prepared.options)
    report = prepared.report
    report.import_id, report.replaced = stored.import_id, stored.replaced
    report.seconds += time.perf_counter() - started
    return report


def import_voter_list(path: Path, wh: Warehouse, store: CampaignStore, *, by: Principal | str,
                      mapping: Path | VoterMapping | None = None, commune: str | None = None,
                      election_date: date | None = None, exclude: Exclude | None = None) -> VoterImportReport:
    """Prepare then write ``path`` (all or nothing); ``exclude``: the predicate of the opposition list."""
    return write_prepared(prepare_voter_import(path, wh, mapping=mapping, commune=commune, election_date=election_date,
                                               exclude=exclude), store, by=by)
