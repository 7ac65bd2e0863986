"""Contacts: the people met while canvassing, the campaign's personal data.

One row per door knocked (``contact``): station, street address, name, the
outcome (``rencontre``, ``absent``, ``refus``), whether the person agreed to be
recontacted (``consent``) and, only then, a phone number and an email, and an
optional short ``remark``: a free text that passes the sensitive-mention guard
first (``store/text_review.py``): a caught remark is held for a supervisor and
the column stays empty until one approves or edits it. Address, name, phone,
email and remark are stored encrypted (``store/crypto.py``), bound to the
row's ``contact_id``; they are opened after the scoped SQL has chosen the rows.

**Scoping in the SQL, by door.** Following the CNIL's advice that canvassers
access only the data of the people they canvass, a role whose
``view_personal_data`` grant is ``OWN_ZONES`` (the canvasser) reads only the
rows whose ``address_id`` (the REU address ``<BAN id>@<station_id>`` of the
door knocked) is one of their doors: an address of a turf assigned to them or
of a zone assigned to them (``scope.ADDRESSES_OF_USER_SQL``). The query itself
carries ``address_id IN (SELECT … FROM zone_address … UNION … turf_address …
WHERE user_name = ?)`` with the user name bound, never a filter applied in
Python afterwards. Stations are not the unit of scope: two zones sharing a
polling station share none of their people. A canvasser records a contact only
at one of their doors (the same subquery, in the write transaction). ``ALL``
(admin, candidate) reads every row, including those without an ``address_id``
(recorded before doors were kept); others are refused.

**Audit.** Every read of personal data writes ``view_personal_data`` with the
row count (never the rows); every contact recorded writes ``record_feedback``
(station, outcome, consent: no name, address, phone or email); every export
writes ``export`` with the row count. Refusals write ``permission_denied``.

**Consents** per purpose and channel (``store/consent.py``) are recorded with the contact when given
(``consents``: (purpose, channel) pairs, each with the text shown and its version); the ``consent`` flag
stays the « recontact » summary that allows a phone number and an e-mail to be kept.

**Opposition.** The export leaves out every contact on the opposition list (``store/opposition.py``:
named by an entry, matched by name and address, or at an opposed door) and says how many
(:class:`ContactExport`, the audit entry).

**Export** (:func:`export_contacts_csv`) needs ``export_personal_data``
(admin and candidate: the CNIL reserves it to the candidate and the campaign
director): CSV for a French Excel, UTF-8 with a BOM, ``;`` separator, CRLF
lines, French headers; a cell that Excel would read as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or CR, e.g. ``+33…``) is prefixed with
``'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dashboard.access.permissions import Grant, Principal, actor_name, require
from dashboard.errors import IsoloirError
from dashboard.store import audit, consent as consent_store, crypto, opposition, text_review
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.scope import ADDRESSES_OF_USER_SQL, own_zones_user
from dashboard.store.validate import clean_address_id, clean_station_id, clean_text

if TYPE_CHECKING:  # pandas is imported lazily: the CLI's user commands import this package too
    import pandas as pd


# outcome id -> French label
OUTCOMES: dict[str, str] = {
    "rencontre": "personne rencontrée",
    "absent": "absent",
    "refus": "refus de dialoguer",
}
MAX_FULL_NAME = 120
MAX_ADDRESS = 200
MAX_EMAIL = 254
MAX_PHONE = 25
COLUMNS = ["contact_id", "station_id", "address", "full_name", "phone", "email", "consent", "outcome", "created_by", "created_at",
           "address_id", "remark"]
# column -> French header of the CSV export
CSV_HEADERS: dict[str, str] = {
    "contact_id": "n°",
    "station_id": "bureau de vote",
    "address": "adresse",
    "full_name": "nom",
    "phone": "téléphone",
    "email": "courriel",
    "consent": "accepte d'être recontacté",
    "outcome": "résultat",
    "created_by": "saisi par",
    "created_at": "saisi le (UTC)",
    "address_id": "identifiant d'adresse",
    "remark": "remarque",
}
_PHONE = re.compile(r"^\+?[0-9 .()-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ContactError(IsoloirError):
    """A contact was refused (missing field, phone without consent…)."""


def _text(value: object, what: str, max_length: int, *, required: bool = True) -> str | None:
    try:
        return clean_text(value, what, max_length, required=required)
    except ContactError:
        raise
    except IsoloirError as error:
        raise ContactError(error.message_fr) from None


def _phone(value: object) -> str | None:
    phone = _text(value, "le téléphone", MAX_PHONE, required=False)
    if phone is None:
        return None
    digits = sum(ch.isdigit() for ch in phone)
    if not _PHONE.match(phone) or not 6 <= digits <= 15:
        raise ContactError(f"numéro de téléphone invalide : « {phone} »")
    return phone


def _email(value: object) -> str | None:
    email = _text(value, "le courriel", MAX_EMAIL, required=False)
    if email is None:
        return None
    if " " in email or not _EMAIL.match(email):
        raise ContactError(f"adresse électronique invalide : « {email} »")
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def _scoped_sql(select: str, scope_user: str | None, tail: str = "") -> tuple[str, list[Any]]:
    """``select`` over ``contact c``, restricted in SQL to ``scope_user``'s doors when given."""
    if scope_user is None:
        return f"{select} {tail}", []
    return f"{select} WHERE c.address_id IN ({ADDRESSES_OF_USER_SQL}) {tail}", [scope_user]


def _read(con: Tx, scope_user: str | None) -> pd.DataFrame:
    sql, params = _scoped_sql(f"SELECT {', '.join('c.' + c for c in COLUMNS)} FROM contact c", scope_user, "ORDER BY c.contact_id")
    return crypto.open_frame("contact", con.frame(sql, params))


# -- reads ----------------------------------------------------------------------------------
@retrying
def contacts(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """The contacts ``by`` may see (``view_personal_data``), by id; audited with the row count."""
    with audit_refusals(store, by, "view_personal_data", "contacts"):
        scope = own_zones_user(by, "view_personal_data")
    with store.write() as con:
        frame = _read(con, scope)
        audit.insert(con, actor_name(by), "view_personal_data", "contacts", None,
                     {"rows": len(frame), "scope": "all" if scope is None else "own_doors"})
    return frame


def contact_count_by_station(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """Aggregates (``view_maps``): ``station_id``, ``contacts``, ``met``, ``consented``; a canvasser's doors only."""
    with audit_refusals(store, by, "view_maps", "contacts"):
        scope = own_zones_user(by, "view_maps")
    columns = ["station_id", "contacts", "met", "consented"]
    if not store.exists():
        import pandas as pd

        return pd.DataFrame({c: pd.Series(dtype="object" if c == "station_id" else "int64") for c in columns})
    sql, params = _scoped_sql(
        "SELECT c.station_id, count(*) AS contacts, count(*) FILTER (WHERE c.outcome = 'rencontre') AS met, "
        "count(*) FILTER (WHERE c.consent) AS consented FROM contact c",
        scope, "GROUP BY c.station_id ORDER BY c.station_id",
    )
    with store.read() as con:
        return con.frame(sql, params)


def feedback_review(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """Canvassing feedback per canvasser and station (``review_feedback``: admin, candidate).

    Counts only (doors, people met, absent, refusals, consents): the supervisor's
    review of what each canvasser brought back, without names.
    """
    with audit_refusals(store, by, "review_feedback", "contacts"):
        grant_for(by, "review_feedback")
    import pandas as pd

    columns = ["created_by", "station_id", "contacts", "met", "absent", "refused", "consented", "last_at"]
    if not store.exists():
        return pd.DataFrame(columns=columns)
    with store.read() as con:
        return con.frame(
            """SELECT created_by, station_id, count(*) AS contacts,
                      count(*) FILTER (WHERE outcome = 'rencontre') AS met,
                      count(*) FILTER (WHERE outcome = 'absent') AS absent,
                      count(*) FILTER (WHERE outcome = 'refus') AS refused,
                      count(*) FILTER (WHERE consent) AS consented, max(created_at) AS last_at
               FROM contact GROUP BY created_by, station_id ORDER BY created_by, station_id"""
        )[columns]


# -- writes ---------------------------------------------------------------------------------
def _door(address_id: object) -> tuple[str, str]:
    """``(address_id, station_id)`` of a door ``<BAN id>@<station_id>``; French refusal otherwise."""
    try:
        door, station = clean_address_id(address_id)
    except IsoloirError as error:
        raise ContactError(error.message_fr) from None
    if station is None:
        raise ContactError(f"identifiant d'adresse invalide : « {door[:60]} »")
    return door, station


@retrying
def add_contact(store: CampaignStore, *, by: Principal | str, address: str, full_name: str,
                outcome: str, consent: bool, address_id: str | None = None, station_id: str | None = None,
                phone: str | None = None, email: str | None = None, remark: str | None = None,
                now: datetime | None = None, consents: Iterable[tuple[str, str]] = (), client_id: str | None = None,
                source: str = "terrain") -> int:
    """Record one contact (``record_feedback``; a canvasser only at one of their doors). Returns its id.

    ``address_id`` (``<BAN id>@<station_id>``) is the door; its station is the
    contact's. A canvasser must give one of their doors; the roles recording
    everywhere may give only ``station_id`` (a door outside any zone).
    Phone and email are refused unless ``consent`` (agreed to be recontacted);
    consent is only possible when the person was met (``rencontre``). ``remark``
    goes through the sensitive-mention guard (``text_review.store_free_text``):
    :func:`remark_held` says afterwards whether it waits for a supervisor. ``consents``: the (purpose, channel)
    pairs agreed, recorded with their proof in the same transaction (``store/consent.py``); any of them
    implies ``consent``. ``client_id``: the sender's own id of this contact (the phone page's): a contact already
    stored under it is returned as it is, nothing written (a batch sent twice). ``source``: the consents' origin
    (``terrain`` the Terrain form, ``porte_a_porte`` the phone page).
    """
    consents = list(consents)
    if isinstance(consent, bool) and consents:
        consent = True
    now = now or utc_now()
    with audit_refusals(store, by, "record_feedback", "contact"):
        grant = grant_for(by, "record_feedback")
        door, door_station = (None, None) if address_id is None else _door(address_id)
        if door_station is None and station_id is None:
            raise ContactError("adresse manquante : choisissez une adresse de vos secteurs")
        station = clean_station_id(door_station if door_station is not None else station_id)
        if door_station is not None and station_id is not None and clean_station_id(station_id) != station:
            raise ContactError("l'adresse choisie n'est pas dans ce bureau de vote")
        address_clean = _text(address, "l'adresse", MAX_ADDRESS)
        name_clean = _text(full_name, "le nom", MAX_FULL_NAME)
        outcome_clean = str(outcome).strip().lower()
        if outcome_clean not in OUTCOMES:
            raise ContactError(f"résultat inconnu : « {str(outcome)[:40]} » (attendu : {', '.join(OUTCOMES)})")
        if not isinstance(consent, bool):
            raise ContactError("consentement : oui ou non (True/False) attendu")
        phone_clean, email_clean = _phone(phone), _email(email)
        try:
            remark_clean = text_review.clean_note(remark, "la remarque")
        except IsoloirError as error:
            raise ContactError(error.message_fr) from None
        if not consent and (phone_clean or email_clean):
            raise ContactError(
                "téléphone et courriel ne sont enregistrés qu'avec l'accord de la personne pour être recontactée"
            )
        if consent and outcome_clean != "rencontre":
            raise ContactError("consentement impossible : la personne n'a pas été rencontrée")
        with store.write() as con:
            if grant is Grant.OWN_ZONES:  # one of the canvasser's doors, checked in the SQL of the write transaction
                inside = door is not None and con.execute(
                    f"SELECT count(*) FROM ({ADDRESSES_OF_USER_SQL}) d WHERE d.address_id = ?", [actor_name(by), door]
                ).fetchone()[0] > 0
                require(by, "record_feedback", in_own_zones=inside)  # type: ignore[arg-type]
            if client_id is not None:
                known = con.execute("SELECT contact_id FROM contact WHERE client_id = ?", [str(client_id)[:64]]).fetchone()
                if known is not None:
                    return int(known[0])
            ring = crypto.keyring()
            contact_id = int(con.execute(con.dialect.next_id("contact", "contact_id", "contact_seq")).fetchone()[0])
            sealed = [ring.seal(v, "contact", c, contact_id) for c, v in
                      (("address", address_clean), ("full_name", name_clean), ("phone", phone_clean), ("email", email_clean))]
            con.execute(
                "INSERT INTO contact (contact_id, station_id, address_id, address, full_name, phone, email, consent, outcome, created_by, "
                "created_at, client_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [contact_id, station, door, *sealed, consent, outcome_clean, actor_name(by), now,
                 None if client_id is None else str(client_id)[:64]],
            )
            caught = text_review.store_free_text(con, "contact_remark", contact_id, remark_clean, station_id=station,
                                                 user=actor_name(by), now=now)
            audit.insert(con, actor_name(by), "record_feedback", "contact", contact_id,
                         {"station_id": station, "outcome": outcome_clean, "consent": consent,
                          **({} if remark_clean is None else {"remark": "held" if caught else "stored"})}, at=now)
            consent_store.record_in(con, contact_id, consents, user=actor_name(by), source=source, now=now)
    return contact_id


def remark_held(store: CampaignStore, contact_id: int) -> bool:
    """Whether the remark of ``contact_id`` waits for a supervisor (the guard caught it); no text is read."""
    with store.read() as con:
        return con.execute("SELECT count(*) FROM text_review WHERE kind = 'contact_remark' AND target_id = ?",
                           [str(contact_id)]).fetchone()[0] > 0


# -- export ---------------------------------------------------------------------------------
def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def require_personal_export(store: CampaignStore, by: Principal | str, object_type: str = "contacts",
                            object_id: str | int | None = None) -> None:
    """The export gate of personal data (``export_personal_data``: admin, candidate); a refusal is audited.

    Used by every export holding people's data: the contacts' CSV and the walk
    lists with names (``turfs.authorize_walklist_export``).
    """
    with audit_refusals(store, by, "export_personal_data", object_type, object_id):
        grant_for(by, "export_personal_data")


@dataclass(frozen=True)
class ContactExport:
    """The contacts' CSV and what it left out."""

    content: bytes
    rows: int
    excluded: int  # contacts on the opposition list, not in the file


def not_opposed(rows: list[tuple], columns: list[str], opposed: opposition.OppositionList) -> tuple[list[tuple], int]:  # type: ignore[type-arg]
    """``rows`` (opened contact rows with ``columns``) without the opposed contacts, and how many were left out."""
    at = {c: columns.index(c) for c in ("contact_id", "full_name", "address", "address_id")}
    kept = [r for r in rows if not opposed.contact_opposed(r[at["contact_id"]], r[at["full_name"]], r[at["address"]],
                                                          r[at["address_id"]])]
    return kept, len(rows) - len(kept)


@retrying
def export_contacts(store: CampaignStore, *, by: Principal | str) -> ContactExport:
    """Every contact not on the opposition list, as CSV for a French Excel (``export_personal_data``: admin,
    candidate); audited ``export`` with the rows written and the contacts left out."""
    require_personal_export(store, by, "contacts")
    with store.write() as con:
        rows = crypto.open_rows("contact", con.execute(f"SELECT {', '.join(COLUMNS)} FROM contact ORDER BY contact_id").fetchall(),
                                COLUMNS)
        rows, excluded = not_opposed(rows, COLUMNS, opposition.load_in(con))
        audit.insert(con, actor_name(by), "export", "contacts", None, {"rows": len(rows), "format": "csv",
                                                                        "excluded_opposed": excluded})
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_HEADERS[c] for c in COLUMNS)
    outcome_index = COLUMNS.index("outcome")
    for row in rows:
        cells = list(row)
        cells[outcome_index] = OUTCOMES.get(cells[outcome_index], cells[outcome_index])
        writer.writerow(_cell(v) for v in cells)
    return ContactExport(("\ufeff" + buffer.getvalue()).encode("utf-8"), len(rows), excluded)


def export_contacts_csv(store: CampaignStore, *, by: Principal | str) -> bytes:
    """:func:`export_contacts`' file (the download route and the CLI)."""
    return export_contacts(store, by=by).content
