"""The rights of people: everything held about one person (access) and its erasure.

**Finding a person** (:func:`find`): by contact id, or by name (and birth date when known). The
contacts whose full name matches (``privacy.identity``: accents, case, hyphens, particles, word order)
and the opposition entries matching the identity (by their keyed hashes: an erased person is still
found there, without a name) make up the person.

**Voters**: the electoral list's rows of the person (``voter``, sealed) are part of them: a voter whose birth
name or usage name, first names and birth date (or, without a birth date asked, the address of one of the
person's contacts) match under ``privacy.identity.same_person``'s tolerance.

**Access** (:func:`export_person`): the contacts (name, address, phone, e-mail, outcome), the voter rows
(names, birth date, sex, address, station, the import they came from), their consents
with proofs (text and version shown, date, collector, withdrawal), the visits recorded at their doors
(outcome, date, canvasser) with the questionnaire answers given at those visits, the opposition entries,
and the audit lines about their contacts and entries; as a JSON document and a French summary
(:meth:`PersonRecord.summary_fr`). Needs ``export_personal_data`` (admin, candidate); audited
``person_export`` with counts.

**Erasure** (:func:`erase_person`): deletes the contacts, their consents, the visits at their doors (and
the households and answers of those visits), and replaces every matching opposition entry's clear
identity by nothing: what stays is the **minimal keyed record** needed to honour the opposition
(source, dates, the keyed hashes, and for a field entry its door). When the person had no entry yet, one
is made (``effacement``) from the keyed hashes of their name and address, so a later import or contact
cannot bring them back; each erased voter row likewise leaves one keyed entry (names, birth date, address
hashed), so the next import of an electoral list excludes them (``canvass/voters.opposition_exclude``). Needs ``purge`` (the admin); the rights are re-read when it runs; the audit line
``person_erase`` holds counts and ids only, never the erased name.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.formats import format_fr
from dashboard.privacy.identity import Identity, IdentityIndex, from_full_name, identity, same_person
from dashboard.store import audit, consent as consent_store, crypto, opposition
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.contacts import COLUMNS as CONTACT_COLUMNS, OUTCOMES, require_personal_export
from dashboard.store.guard import audit_refusals, grant_for


class PersonError(IsoloirError):
    """No such person, or an unusable query."""


@dataclass(frozen=True)
class Query:
    """Who to look for: a contact id, or a name (full name) with an optional birth date."""

    contact_id: int | None = None
    full_name: str | None = None
    birth_date: date | str | None = None

    def check(self) -> Query:
        if self.contact_id is None and not (self.full_name or "").strip():
            raise PersonError("indiquez un n° de contact, ou un nom (et une date de naissance si vous l'avez)")
        return self


@dataclass
class PersonRecord:
    """Everything the store holds about one person."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    voters: list[dict[str, Any]] = field(default_factory=list)
    consents: list[dict[str, Any]] = field(default_factory=list)
    visits: list[dict[str, Any]] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)
    oppositions: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.contacts or self.voters or self.oppositions)

    def counts(self) -> dict[str, int]:
        return {k: len(v) for k, v in asdict(self).items()}

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, default=str)

    def summary_fr(self) -> str:
        """A readable French summary for the person (the answer to an access request)."""
        lines = ["Données détenues par la campagne vous concernant", ""]
        if self.empty:
            return "\n".join([*lines, "Aucune donnée vous concernant n'est détenue."])
        for c in self.contacts:
            lines.append(f"Contact n° {c['contact_id']} du {str(c['created_at'])[:10]} : {c['full_name']}, {c['address']}"
                         f" — {OUTCOMES.get(str(c['outcome']), c['outcome'])}"
                         + (f", téléphone {c['phone']}" if c.get("phone") else "")
                         + (f", courriel {c['email']}" if c.get("email") else ""))
        for v in self.voters:
            names = " ".join(str(n) for n in (v["birth_name"], v["usage_name"] and f"({v['usage_name']})", v["first_names"]) if n)
            lines.append(f"Liste électorale importée (bureau {v['station_id']}) : {names}, né(e) le {v['birth_date']}, "
                         f"{v['address']}")
        for k in self.consents:
            state = f"retiré le {str(k['withdrawn_at'])[:10]}" if k["withdrawn_at"] else "en vigueur"
            lines.append(f"Consentement « {consent_store.PURPOSES[k['purpose']]} » par {consent_store.CHANNELS[k['channel']]}"
                         f", donné le {str(k['given_at'])[:10]} (texte version {k['text_version']} : « {k['text']} ») : {state}")
        if self.visits:
            lines.append(f"Passages à votre porte : {format_fr(len(self.visits), 0)} "
                         f"({', '.join(sorted({str(v['outcome']).replace('_', ' ') for v in self.visits}))})")
        if self.answers:
            lines.append(f"Réponses à un questionnaire lors de ces passages : {format_fr(len(self.answers), 0)}")
        for o in self.oppositions:
            lines.append(f"Opposition enregistrée le {str(o['received_on'])[:10]} "
                         f"({opposition.SOURCES.get(o['source'], o['source'])}) : vous ne serez plus sollicité(e)")
        lines.append(f"Lignes du journal d'audit vous concernant : {format_fr(len(self.audit), 0)}")
        return "\n".join(lines)


def _query_identity(query: Query) -> Identity:
    try:
        if query.full_name and query.birth_date:
            # a full name with a birth date: both readings (first word the first name, or the last)
            return from_full_name(query.full_name, birth_date=query.birth_date)
        return from_full_name(query.full_name or "")
    except ValueError as error:
        raise PersonError(str(error)) from None


def _contact_ids(con: Tx, query: Query) -> list[int]:
    if query.contact_id is not None:
        row = con.execute("SELECT contact_id FROM contact WHERE contact_id = ?", [int(query.contact_id)]).fetchone()
        return [] if row is None else [int(row[0])]
    wanted = from_full_name(query.full_name)
    rows = con.execute("SELECT contact_id, full_name FROM contact").fetchall()
    index: IdentityIndex[int] = IdentityIndex()
    for contact_id, sealed in rows:
        name = crypto.open_("contact", "full_name", contact_id, sealed)
        index.add(from_full_name(name), int(contact_id))
    # names only (contacts have no birth date): the full names' words must agree
    return sorted({cid for cid in _name_matches(index, wanted)})


def _name_matches(index: IdentityIndex[int], wanted: Identity) -> list[int]:
    found = []
    for key in wanted.keys:
        for candidate, payload in index._by_key.get(key, ()):  # noqa: SLF001 - same package's index, names only
            small, large = sorted((candidate.full_words, wanted.full_words), key=len)
            if len(small) >= 2 and small <= large:
                found.append(payload)
    return found


VOTER_COLUMNS = ["voter_id", "import_id", "line", "commune_code", "station_id", "address_id", "birth_name", "usage_name",
                 "first_names", "birth_date", "sex", "address"]


def voter_identity(voter: dict[str, Any]) -> Identity:
    """A voter row (opened) as ``privacy.identity`` sees it."""
    return identity(birth_name=voter["birth_name"], usage_name=voter["usage_name"], first_names=voter["first_names"],
                    birth_date=voter["birth_date"], address=voter["address"])


def _voters(con: Tx, query: Query, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The voter rows of the person: matching the query (full name and birth date) or one of their contacts
    (full name and address), under the stated tolerance. Reads the sealed list whole (a rights request is rare)."""
    wanted: list[Identity] = [from_full_name(c["full_name"], address=c["address"]) for c in contacts]
    if query.full_name:
        wanted.append(_query_identity(query))
    wanted = [w for w in wanted if not w.empty]
    if not wanted:
        return []
    rows = crypto.open_rows("voter", con.execute(
        f"SELECT {', '.join(VOTER_COLUMNS)} FROM voter ORDER BY voter_id").fetchall(), VOTER_COLUMNS)  # noqa: S608
    found = []
    for row in rows:
        voter = dict(zip(VOTER_COLUMNS, row, strict=True))
        person = voter_identity(voter)
        if any(same_person(person, w) for w in wanted):
            found.append(voter)
    return found


def _opposition_ids(con: Tx, query: Query, contact_ids: list[int], contacts: list[dict[str, Any]],
                    voters: list[dict[str, Any]] | None = None) -> list[int]:
    ids = {int(r[0]) for r in con.execute(
        f"SELECT opposition_id FROM opposition WHERE contact_id IN ({', '.join('?' * len(contact_ids))})",  # noqa: S608
        contact_ids).fetchall()} if contact_ids else set()
    doors = [c["address_id"] for c in contacts if c.get("address_id")]
    if doors:
        ids |= {int(r[0]) for r in con.execute(
            f"SELECT opposition_id FROM opposition WHERE household_id IS NULL AND address_id IN ({', '.join('?' * len(doors))})", doors).fetchall()}  # noqa: S608
    opposed = opposition.load_in(con)
    if opposed.digest is not None:
        people = [from_full_name(c["full_name"], address=c["address"]) for c in contacts]
        if query.full_name:
            people.append(_query_identity(query))
        people += [voter_identity(v) for v in voters or []]
        for person in people:
            ids.update(opposed.index.matches(person.keyed(opposed.digest)))
    return sorted(ids)


def _collect(con: Tx, query: Query) -> tuple[PersonRecord, list[int], list[int], list[str]]:
    record = PersonRecord()
    contact_ids = _contact_ids(con, query)
    if contact_ids:
        marks = ", ".join("?" * len(contact_ids))
        rows = crypto.open_rows("contact", con.execute(
            f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contact WHERE contact_id IN ({marks}) ORDER BY contact_id",  # noqa: S608
            contact_ids).fetchall(), CONTACT_COLUMNS)
        record.contacts = [dict(zip(CONTACT_COLUMNS, r, strict=True)) for r in rows]
        record.consents = [asdict(k) for k in consent_store.consents_in(con, contact_ids)]
    doors = sorted({str(c["address_id"]) for c in record.contacts if c.get("address_id")})
    visit_ids: list[str] = []
    if doors:
        marks = ", ".join("?" * len(doors))
        for visit_id, address_id, household_id, outcome, canvasser, at in con.execute(
                f"SELECT visit_id, address_id, household_id, outcome, canvasser, recorded_at FROM visit "
                f"WHERE address_id IN ({marks}) ORDER BY recorded_at", doors).fetchall():  # noqa: S608
            visit_ids.append(str(visit_id))
            record.visits.append({"visit_id": visit_id, "address_id": address_id, "household_id": household_id,
                                  "outcome": outcome, "canvasser": canvasser, "recorded_at": at})
    if visit_ids:
        marks = ", ".join("?" * len(visit_ids))
        rows = con.execute(f"SELECT answer_id, visit_id, questionnaire_id, version, question_key, choice, text, created_at "
                           f"FROM answer WHERE visit_id IN ({marks}) ORDER BY answer_id", visit_ids).fetchall()  # noqa: S608
        names = ["answer_id", "visit_id", "questionnaire_id", "version", "question_key", "choice", "text", "created_at"]
        record.answers = [dict(zip(names, r, strict=True)) for r in crypto.open_rows("answer", rows, names)]
    record.voters = _voters(con, query, record.contacts)
    opposition_ids = _opposition_ids(con, query, contact_ids, record.contacts, record.voters)
    record.oppositions = [asdict(e) for e in opposition.entries_in(con, opposition_ids)]
    objects = ([("contact", str(i)) for i in contact_ids] + [("opposition", str(i)) for i in opposition_ids]
               + [("voter", str(v["voter_id"])) for v in record.voters])
    for object_type, object_id in objects:
        for at, user, action, detail, outcome in con.execute(
                'SELECT "at", user_name, action, detail, outcome FROM audit_log WHERE object_type = ? AND object_id = ? '
                "ORDER BY id", [object_type, object_id]).fetchall():
            record.audit.append({"at": at, "user_name": user, "action": action, "object_type": object_type,
                                 "object_id": object_id, "detail": detail, "outcome": outcome})
    return record, contact_ids, opposition_ids, visit_ids


@retrying
def export_person(store: CampaignStore, query: Query, *, by: Principal | str) -> PersonRecord:
    """Everything held about a person (``export_personal_data``: admin, candidate); audited ``person_export``."""
    query = query.check()
    require_personal_export(store, by, "person")
    with store.write() as con:
        record, contact_ids, opposition_ids, _ = _collect(con, query)
        audit.insert(con, actor_name(by), "person_export", "person", None,
                     {"contacts": contact_ids, "oppositions": opposition_ids, **record.counts()})
    return record


@dataclass(frozen=True)
class Erasure:
    contacts: int
    consents: int
    visits: int
    voters: int
    answers: int
    oppositions_kept: list[int]


@retrying
def erase_person(store: CampaignStore, query: Query, *, by: Principal | str, now: datetime | None = None) -> Erasure:
    """Erase a person, keeping only the keyed opposition record (``purge``: the admin); audited ``person_erase``."""
    now = now or utc_now()
    query = query.check()
    with audit_refusals(store, by, "purge", "person"):
        grant_for(by, "purge")
    with store.write() as con:
        record, contact_ids, opposition_ids, visit_ids = _collect(con, query)
        if record.empty:
            raise PersonError("aucune donnée ne correspond à cette personne")
        # every contact's name and address join the list as keys (a letter's entry may not have them)
        kept = list(opposition_ids) + [
            opposition.add_for_contact(con, int(c["contact_id"]), c["full_name"], c["address"], None,
                                       user=actor_name(by), source="effacement", now=now)
            for c in record.contacts] + [
            opposition.add_keyed(con, voter_identity(v), user=actor_name(by), source="effacement", now=now)
            for v in record.voters]
        if record.voters:
            voter_ids = [int(v["voter_id"]) for v in record.voters]
            con.execute(f"DELETE FROM voter WHERE voter_id IN ({', '.join('?' * len(voter_ids))})", voter_ids)  # noqa: S608
        if kept:
            marks = ", ".join("?" * len(kept))
            con.execute(f"UPDATE opposition SET identity = NULL, contact_id = NULL, visit_id = NULL, erased_at = ? "
                        f"WHERE opposition_id IN ({marks})", [now, *kept])  # noqa: S608
        if contact_ids:
            marks = ", ".join("?" * len(contact_ids))
            con.execute(f"DELETE FROM consent WHERE contact_id IN ({marks})", contact_ids)  # noqa: S608
            con.execute(f"DELETE FROM contact WHERE contact_id IN ({marks})", contact_ids)  # noqa: S608
        if visit_ids:
            marks = ", ".join("?" * len(visit_ids))
            for table in ("answer", "answer_review", "answer_set", "visit"):
                con.execute(f"DELETE FROM {table} WHERE visit_id IN ({marks})", visit_ids)  # noqa: S608
        result = Erasure(len(contact_ids), len(record.consents), len(visit_ids), len(record.voters), len(record.answers),
                         sorted(kept))
        audit.insert(con, actor_name(by), "person_erase", "person", None,
                     {"contacts": result.contacts, "consents": result.consents, "visits": result.visits,
                      "voters": result.voters,
                      "answers": result.answers, "oppositions_kept": result.oppositions_kept}, at=now)
    return result

