"""The opposition list: the people who asked not to be solicited, honoured on every list that leaves the store.

**Entries** (``opposition``):

- from the field, automatically: every « ne plus solliciter » visit the phone or a typed-back sheet stores
  (``store/visits.py`` calls :func:`add_field_entries` in the same transaction) adds an entry ``terrain``
  for its door (``address_id``) and household (``household_id``, or none: the address itself);
- requests received by e-mail or post (``courriel``, ``courrier``), entered by the admin or the candidate
  with the date received (:func:`add_request`, the admin page, ``isoloir opposition add``): birth name,
  usage name, first names, birth date, address, sealed in ``identity`` 🔒;
- what an erasure leaves (``store/person.py``): the entry without ``identity``, only its keys.

**Matching** across files from different sources (``privacy/identity.py``: normalised names, first names
in any order, birth date exact or day/month swapped, normalised address, the stated tolerance). Each
entry's normalised identity is stored as **keyed hashes** (``match_keys``: HMAC-SHA-256 under the store's
``privacy_key``, itself sealed by the data key): matching reads only those, never the clear identity, so
an erased person's entry still matches while holding no readable name. :func:`load` reads the list once
into an :class:`OppositionList` (an :class:`~dashboard.privacy.identity.IdentityIndex` by hashed surname
key, the opposed doors, the opposed contacts): checking 50,000 people is a lookup each.

**Honoured** on the contacts' export and the message lists (``store/contacts.py``, ``store/messages.py``),
the walk sheets (``canvass/sheet.drop_opposed`` with :func:`opposed_doors`), and offered to imports as a
predicate (:meth:`OppositionList.is_opposed`, :func:`predicate`). An opposed person is excluded and
counted: every report says how many were left out.

**Kept** :data:`OPPOSITION_YEARS` years from the request (``received_on``; the period the CNIL recommends
for opposition lists), through the campaign's purge (``store/purge.py`` keeps the table); then
:func:`expire` deletes the entry, at every start with the automatic purge (``purge.purge_if_due``),
audited ``opposition_expire`` with the count and the cut-off date, never an identity.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.privacy.identity import Identity, IdentityIndex, from_full_name, identity
from dashboard.store import audit, crypto
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.validate import clean_text

SOURCES: dict[str, str] = {"terrain": "terrain (ne plus solliciter)", "courriel": "demande par courriel",
                           "courrier": "demande par courrier", "effacement": "effacement des données"}
REQUEST_SOURCES = ("courriel", "courrier")
EXPIRY_ACTOR = "purge-auto"  # the system actor of the purge at start (store/purge.AUTO_ACTOR)
OPPOSITION_YEARS = 3  # kept this long from the request (received_on), then deleted by :func:`expire`
MAX_NAME = 120
MAX_ADDRESS = 200


class OppositionError(IsoloirError):
    """An opposition request was refused (missing names, unreadable date…)."""


def _secret(con: Tx, *, create: bool) -> bytes | None:
    row = con.execute("SELECT secret FROM privacy_key WHERE key_id = 1").fetchone()
    if row is not None:
        return base64.b64decode(crypto.open_("privacy_key", "secret", 1, row[0]) or "")
    if not create:
        return None
    raw = secrets.token_bytes(32)
    con.execute("INSERT INTO privacy_key (key_id, secret) VALUES (1, ?)",
                [crypto.seal("privacy_key", "secret", 1, base64.b64encode(raw).decode("ascii"))])
    return raw


def digest_with(secret: bytes) -> Callable[[str], str]:
    """The keyed hash of the opposition list (HMAC-SHA-256, 128 bits kept)."""
    def digest(value: str) -> str:
        return hmac.new(secret, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return digest


def _keys_json(person: Identity, digest: Callable[[str], str]) -> str | None:
    return None if person.empty else json.dumps(person.keyed(digest).to_json(), sort_keys=True)


@dataclass
class OppositionList:
    """The opposition list read once: hashed identities, opposed doors and contacts."""

    digest: Callable[[str], str] | None
    index: IdentityIndex[int] = field(default_factory=IdentityIndex)
    doors: set[tuple[str, str | None]] = field(default_factory=set)  # (address_id, household_id or None: the address)
    contact_ids: set[int] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.index) + len(self.doors) + len(self.contact_ids)

    def is_opposed(self, person: Identity) -> bool:
        """Whether ``person`` (a normalised identity, ``privacy.identity``) is on the list: the imports' predicate."""
        if self.digest is None or person.empty or not len(self.index):
            return False
        return self.index.contains(person.keyed(self.digest))

    def door_opposed(self, address_id: object, household_id: object = None) -> bool:
        """A door (an address, or one household of it) where someone asked not to be solicited: the address-level
        entries cover every household of the address."""
        address = str(address_id)
        if (address, None) in self.doors:
            return True
        return household_id is not None and (address, str(household_id)) in self.doors

    def contact_opposed(self, contact_id: int, full_name: object, address: object, address_id: object = None) -> bool:
        """A contact is opposed when an entry names it, its person matches an entry, or its door is opposed."""
        if int(contact_id) in self.contact_ids:
            return True
        if address_id is not None and self.door_opposed(address_id):
            return True
        return self.is_opposed(from_full_name(full_name, address=address))


def load_in(con: Tx) -> OppositionList:
    """The opposition list inside an open transaction."""
    secret = _secret(con, create=False)
    result = OppositionList(digest_with(secret) if secret is not None else None)
    for opposition_id, keys, address_id, household_id, contact_id in con.execute(
            "SELECT opposition_id, match_keys, address_id, household_id, contact_id FROM opposition").fetchall():
        if keys:
            result.index.add(Identity.from_json(json.loads(keys)), int(opposition_id))
        if address_id is not None:
            result.doors.add((str(address_id), None if household_id is None else str(household_id)))
        if contact_id is not None:
            result.contact_ids.add(int(contact_id))
    return result


def load(store: CampaignStore) -> OppositionList:
    """The opposition list (hashes and door ids only: no rights needed to read it, nothing personal in clear)."""
    if not store.exists():
        return OppositionList(None)
    with store.read() as con:
        return load_in(con)


def predicate(store: CampaignStore) -> Callable[[Identity], bool]:
    """``is_opposed(identity) -> bool`` over the store's list as it is now: the exclusion predicate of imports."""
    return load(store).is_opposed


def opposed_doors(store: CampaignStore) -> set[tuple[str, str | None]]:
    """The opposed doors ((address_id, household_id or None)) for the walk sheets."""
    return load(store).doors


def add_field_entries(con: Tx, visits: Iterable[tuple[str, str, str | None, str | None]], *, user: str,
                      now: datetime) -> list[int]:
    """Inside the visits' transaction: one ``terrain`` entry per « ne plus solliciter » visit
    ((visit_id, address_id, household_id, station_id)), none when its door is already opposed."""
    ids = []
    held = {(str(a), None if h is None else str(h)) for a, h in con.execute(
        "SELECT address_id, household_id FROM opposition WHERE address_id IS NOT NULL").fetchall()}
    for visit_id, address_id, household_id, station_id in visits:
        door = (str(address_id), None if household_id is None else str(household_id))
        if door in held:
            continue
        held.add(door)
        opposition_id = int(con.execute(con.dialect.next_id("opposition", "opposition_id", "opposition_seq")).fetchone()[0])
        con.execute("INSERT INTO opposition (opposition_id, source, received_on, entered_by, entered_at, address_id, "
                    "household_id, visit_id) VALUES (?, 'terrain', ?, ?, ?, ?, ?, ?)",
                    [opposition_id, now.date(), user, now, door[0], door[1], visit_id])
        audit.insert(con, user, "opposition_add", "opposition", opposition_id,
                     {"source": "terrain", "station_id": station_id}, at=now)
        ids.append(opposition_id)
    return ids


def _name(value: object, what: str, *, required: bool = False) -> str | None:
    try:
        return clean_text(value, what, MAX_NAME, required=required)
    except IsoloirError as error:
        raise OppositionError(error.message_fr) from None


@retrying
def add_request(store: CampaignStore, *, by: Principal | str, source: str, received_on: date,
                birth_name: str | None = None, usage_name: str | None = None, first_names: str | None = None,
                birth_date: date | str | None = None, address: str | None = None, contact_id: int | None = None,
                now: datetime | None = None) -> int:
    """An opposition received by e-mail or post (``review_feedback``: admin, candidate); audited without the name.

    A surname (birth or usage) and first names are required, and a birth date or an address: the matching
    needs one of them (``privacy/identity.py``)."""
    now = now or utc_now()
    if source not in REQUEST_SOURCES:
        raise OppositionError(f"origine inconnue : « {source} » (attendu : courriel ou courrier)")
    birth, usage = _name(birth_name, "le nom de naissance"), _name(usage_name, "le nom d'usage")
    first = _name(first_names, "les prénoms", required=True)
    where = None if address is None else clean_text(address, "l'adresse", MAX_ADDRESS, required=False)
    if not (birth or usage):
        raise OppositionError("nom manquant : nom de naissance ou nom d'usage")
    try:
        person = identity(birth_name=birth, usage_name=usage, first_names=first, birth_date=birth_date, address=where)
    except ValueError as error:
        raise OppositionError(str(error)) from None
    if not person.births and not person.address:
        raise OppositionError("date de naissance ou adresse nécessaire pour reconnaître la personne")
    born = sorted(person.births)[0] if person.births else None
    if isinstance(birth_date, date):
        born = birth_date.isoformat()
    with audit_refusals(store, by, "review_feedback", "opposition"):
        grant_for(by, "review_feedback")
    clear = json.dumps({"birth_name": birth, "usage_name": usage, "first_names": first,
                        "birth_date": born if person.births else None, "address": where}, ensure_ascii=False)
    with store.write() as con:
        digest = digest_with(_secret(con, create=True))  # type: ignore[arg-type]
        opposition_id = int(con.execute(con.dialect.next_id("opposition", "opposition_id", "opposition_seq")).fetchone()[0])
        con.execute("INSERT INTO opposition (opposition_id, source, received_on, entered_by, entered_at, identity, match_keys, "
                    "contact_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [opposition_id, source, received_on, actor_name(by), now,
                     crypto.seal("opposition", "identity", opposition_id, clear), _keys_json(person, digest),
                     None if contact_id is None else int(contact_id)])
        audit.insert(con, actor_name(by), "opposition_add", "opposition", opposition_id,
                     {"source": source, "received_on": received_on.isoformat()}, at=now)
    return opposition_id


def add_for_contact(con: Tx, contact_id: int, full_name: str | None, address: str | None, address_id: str | None, *,
                    user: str, source: str, now: datetime) -> int:
    """A keyed-only entry for a contact (an erasure): the hashed identity of its name and address, no clear value."""
    return add_keyed(con, from_full_name(full_name, address=address), address_id, user=user, source=source, now=now)


def add_keyed(con: Tx, person: Identity, address_id: str | None = None, *, user: str, source: str, now: datetime) -> int:
    """A keyed-only entry for ``person`` (an erased contact or voter): hashes only, no clear value."""
    digest = digest_with(_secret(con, create=True))  # type: ignore[arg-type]
    opposition_id = int(con.execute(con.dialect.next_id("opposition", "opposition_id", "opposition_seq")).fetchone()[0])
    con.execute("INSERT INTO opposition (opposition_id, source, received_on, entered_by, entered_at, match_keys, "
                "address_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [opposition_id, source, now.date(), user, now, _keys_json(person, digest), address_id])
    return opposition_id


def keyed_query(con: Tx, person: Identity) -> Identity | None:
    """``person`` hashed with the store's key (None when the store has no opposition key yet)."""
    secret = _secret(con, create=False)
    return None if secret is None else person.keyed(digest_with(secret))


@dataclass(frozen=True)
class Entry:
    opposition_id: int
    source: str
    received_on: date
    entered_by: str
    entered_at: datetime
    identity: dict[str, object] | None  # None: a door from the field, or erased
    address_id: str | None
    household_id: str | None
    contact_id: int | None
    erased_at: datetime | None


def entries_in(con: Tx, ids: Sequence[int] | None = None) -> list[Entry]:
    """Entries with their clear identity opened (rights checked by the caller)."""
    sql = ("SELECT opposition_id, source, received_on, entered_by, entered_at, identity, address_id, household_id, contact_id, "
           "erased_at FROM opposition")
    params: list[object] = []
    if ids is not None:
        if not ids:
            return []
        sql += f" WHERE opposition_id IN ({', '.join('?' * len(ids))})"
        params = [int(i) for i in ids]
    out = []
    for r in con.execute(sql + " ORDER BY opposition_id", params).fetchall():
        clear = crypto.open_("opposition", "identity", int(r[0]), r[5])
        out.append(Entry(int(r[0]), str(r[1]), r[2], str(r[3]), r[4], None if clear is None else json.loads(clear),
                         r[6], r[7], None if r[8] is None else int(r[8]), r[9]))
    return out


@retrying
def entries(store: CampaignStore, *, by: Principal | str) -> list[Entry]:
    """The whole list for the admin page (``review_feedback``: admin, candidate); audited with the count."""
    with audit_refusals(store, by, "review_feedback", "opposition"):
        grant_for(by, "review_feedback")
    with store.write() as con:
        found = entries_in(con)
        audit.insert(con, actor_name(by), "view_personal_data", "opposition", None, {"rows": len(found)})
    return found


def expiry_cutoff(today: date) -> date:
    """Entries received before this day are past :data:`OPPOSITION_YEARS` years (29 February → 28)."""
    try:
        return today.replace(year=today.year - OPPOSITION_YEARS)
    except ValueError:
        return today.replace(year=today.year - OPPOSITION_YEARS, day=28)


@retrying
def expire(store: CampaignStore, today: date, *, now: datetime | None = None) -> int:
    """Delete the entries received more than :data:`OPPOSITION_YEARS` years before ``today`` (Paris's day);
    audited ``opposition_expire`` by the purge's system actor with the count; the files compacted. Returns the count."""
    if not store.exists():
        return 0
    now = now or utc_now()
    cutoff = expiry_cutoff(today)
    with store.write() as con:
        count = int(con.execute("SELECT count(*) FROM opposition WHERE received_on < ?", [cutoff]).fetchone()[0])
        if not count:
            return 0
        con.execute("DELETE FROM opposition WHERE received_on < ?", [cutoff])
        audit.insert(con, EXPIRY_ACTOR, "opposition_expire", "opposition", None,
                     {"deleted": count, "received_before": cutoff.isoformat(), "years": OPPOSITION_YEARS}, at=now)
    store.backend.compact(("opposition",), rewrite=True)  # nothing of the expired identities left in the files
    return count

