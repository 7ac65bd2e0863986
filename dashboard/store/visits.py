"""The canvasser's phone in the campaign store: households behind an address, visits sent from the phone.

**Households** (``household``): the entrances and households (flats by floor, letter boxes) a canvasser
found at a REU address, added, split, marked (``digicode``, ``pas_acces``, ``commerce``, ``vide``) or
removed on the phone; they stay for the next visit. Each has an id made on the phone (a UUID), so an
addition made offline and sent twice is one row; of two changes of one household, the later by phone
time wins. ``label`` is a short tag (« 2e gauche ») sealed like every personal value (``store/crypto.py``).

**Visits** (``visit``): one knock at a door (an address, or one of its households), with its outcome
(:data:`OUTCOMES`), the phone's time and an id made on the phone. :func:`sync` stores a batch of them in
one transaction with ``INSERT … ON CONFLICT (visit_id) DO NOTHING``: a visit sent again (a lost answer,
a reload, a reconnection) is never counted twice, whatever the order; :func:`held_ids` answers which ids
the store holds. The canvasser is the acting user (the session's), never a value sent by the phone.

**Rights, at every call.** :func:`sync` needs ``record_feedback`` (admin; a canvasser on their own
turfs), re-read from the store when it runs (``guard.audit_refusals``: a disabled or demoted account is
refused and the refusal audited). A canvasser's visit on a turf that is no longer theirs (unassigned
while the phone was offline) is **kept and flagged** ``hors_affectation`` for the supervisor
(:func:`flagged_visits`), not dropped; a visit naming an address that is not on its turf, or an unknown
turf, is refused (``rejected``, with a French reason). A household change is kept only at one of the
canvasser's doors (``scope.ADDRESSES_OF_USER_SQL``, in the SQL of the write transaction).
:func:`turf_state` (the households and visits of one turf, for the phone) reads only a canvasser's own
turfs (``scope.TURFS_OF_USER_SQL``) and is audited ``view_personal_data`` with row counts;
:func:`progress_by_canvasser`, :func:`progress_by_turf` and :func:`flagged_visits` are counts and
ids for the roles that build zones (``edit_zones``: admin, candidate, strategist), without any address.

Every batch writes one audit entry ``field_sync`` (counts only: new, already held, flagged, refused,
households) in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dashboard.access.permissions import Grant, Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.privacy.sensitive import detect
from dashboard.store import audit, crypto, text_review
from dashboard.store.backend import Tx, retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.opposition import add_field_entries
from dashboard.store.scope import ADDRESSES_OF_USER_SQL, TURFS_OF_USER_SQL
from dashboard.store.validate import clean_address_id, clean_text

if TYPE_CHECKING:
    import pandas as pd

    from dashboard.store.questionnaires import AnswerInput

OUTCOMES: dict[str, str] = {
    "ouvert": "ouvert",
    "absent": "absent",
    "refus": "refus",
    "ne_plus_solliciter": "ne plus solliciter",
    "repasser": "repasser",
}
MARKS: dict[str, str] = {"digicode": "digicode", "pas_acces": "pas d'accès", "commerce": "commerce", "vide": "vide"}
FLAG_UNASSIGNED = "hors_affectation"
FLAGS_FR = {FLAG_UNASSIGNED: "secteur retiré au militant avant l'envoi"}
MAX_BATCH = 500
MAX_LABEL = 40
MAX_ENTRANCE = 20
# a phone clock this far ahead of the server is not believed: the visit takes the server's time
CLOCK_AHEAD = timedelta(hours=1)
PARIS = ZoneInfo("Europe/Paris")


class VisitError(IsoloirError):
    """A batch from the phone was refused as a whole (too large, malformed)."""


@dataclass(frozen=True)
class VisitInput:
    """One visit as the phone sends it."""

    visit_id: str
    turf_id: int
    address_id: str
    outcome: str
    recorded_at: datetime  # the phone's time, UTC (naive or aware)
    household_id: str | None = None
    phone_seq: int = 0
    note: str | None = None  # a short optional free text: through the sensitive-mention guard (store/text_review.py)


@dataclass(frozen=True)
class HouseholdInput:
    """One household as the phone sends it (an addition, a split, a mark or a removal: the whole row)."""

    household_id: str
    address_id: str
    changed_at: datetime  # the phone's time of the change, UTC
    entrance: str = ""
    floor: int | None = None
    label: str | None = None
    mark: str | None = None
    position: int = 0
    removed: bool = False


@dataclass(frozen=True)
class SyncReport:
    """What a batch did: ``held`` every visit id of the batch the store now holds (new or already there),
    ``new`` those inserted by this batch, ``flagged`` those kept with a flag, ``rejected`` id -> French reason,
    ``households`` the household ids kept, ``households_rejected`` id -> French reason."""

    held: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    households: list[str] = field(default_factory=list)
    households_rejected: dict[str, str] = field(default_factory=dict)
    # questionnaire answers (store/questionnaires.py): visit ids whose answers are held, French notes
    answers: list[str] = field(default_factory=list)
    answers_held: dict[str, str] = field(default_factory=dict)
    answers_rejected: dict[str, str] = field(default_factory=dict)
    # visit notes the sensitive-mention guard caught: visit id -> French note (held for a supervisor, not stored)
    notes_held: dict[str, str] = field(default_factory=dict)


def clean_uuid(value: object, what: str = "identifiant") -> str:
    """The canonical text of a UUID made on the phone; French error otherwise."""
    try:
        return str(uuid.UUID(str(value)[:64]))
    except (ValueError, TypeError, AttributeError):
        raise VisitError(f"{what} invalide (UUID attendu)") from None


def clean_uuid_or_none(value: object) -> str | None:
    try:
        return clean_uuid(value)
    except VisitError:
        return None


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _address(value: object) -> tuple[str, str | None]:
    try:
        return clean_address_id(value)
    except IsoloirError as error:
        raise VisitError(error.message_fr) from None


def _ids_held(con: Tx, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    rows = con.execute("SELECT visit_id FROM visit WHERE visit_id IN (SELECT unnest(?::VARCHAR[]))", [list(ids)]).fetchall()
    return {str(r[0]) for r in rows}


def _turf_addresses(con: Tx, turf_id: int) -> set[str] | None:
    """The addresses of ``turf_id``; None when no such turf."""
    if con.execute("SELECT count(*) FROM turf WHERE turf_id = ?", [turf_id]).fetchone()[0] == 0:
        return None
    return {str(r[0]) for r in con.execute("SELECT address_id FROM turf_address WHERE turf_id = ?", [turf_id]).fetchall()}


def _clean_visit(visit: VisitInput, now: datetime) -> tuple[str, int, str, str | None, str | None, str, datetime, int, str | None]:
    visit_id = clean_uuid(visit.visit_id, "identifiant de passage")
    household = None if visit.household_id in (None, "") else clean_uuid(visit.household_id, "identifiant de logement")
    address, station = _address(visit.address_id)
    outcome = str(visit.outcome).strip().lower()
    if outcome not in OUTCOMES:
        raise VisitError(f"résultat inconnu : « {str(visit.outcome)[:30]} »")
    try:
        turf_id = int(visit.turf_id)
        seq = int(visit.phone_seq)
    except (TypeError, ValueError):
        raise VisitError("secteur ou numéro d'ordre invalide") from None
    if not isinstance(visit.recorded_at, datetime):
        raise VisitError("heure du passage invalide")
    at = _utc(visit.recorded_at)
    if at > now + CLOCK_AHEAD:
        at = now
    try:
        note = text_review.clean_note(visit.note)
    except IsoloirError as error:
        raise VisitError(error.message_fr) from None
    return visit_id, turf_id, address, station, household, outcome, at, max(0, min(seq, 2**62)), note


def _clean_household(h: HouseholdInput) -> tuple[str, str, str | None, str, int | None, str | None, str | None, int, bool, datetime]:
    household_id = clean_uuid(h.household_id, "identifiant de logement")
    address, station = _address(h.address_id)
    try:
        entrance = clean_text(h.entrance, "l'entrée", MAX_ENTRANCE, required=False) or ""
        label = clean_text(h.label, "le repère", MAX_LABEL, required=False)
    except IsoloirError as error:
        raise VisitError(error.message_fr) from None
    for tag in (entrance, label):  # a tag is a place (« 2e gauche »), never a person: a caught one is refused outright
        if tag and (found := detect(tag)).sensitive:
            raise VisitError(f"repère refusé : mention sensible ({', '.join(found.labels_fr)})")
    floor = None if h.floor in (None, "") else int(h.floor)
    if floor is not None and not -5 <= floor <= 99:
        raise VisitError("étage invalide (de -5 à 99)")
    mark = None if h.mark in (None, "") else str(h.mark)
    if mark is not None and mark not in MARKS:
        raise VisitError(f"marque inconnue : « {mark[:20]} »")
    if not isinstance(h.changed_at, datetime):
        raise VisitError("heure de la modification invalide")
    return (household_id, address, station, entrance, floor, label, mark, max(0, min(int(h.position), 10_000)),
            bool(h.removed), _utc(h.changed_at))


@retrying
def sync(store: CampaignStore, *, by: Principal | str, visits: Sequence[VisitInput] = (),
         households: Sequence[HouseholdInput] = (), now: datetime | None = None,
         answers: Sequence[AnswerInput] = (), sheet: tuple[int, str | None] | None = None) -> SyncReport:
    """Store a batch sent by the phone, in one transaction: households first, then visits (idempotent on
    their ids), then the questionnaire answers of those visits (``questionnaires.save_answers``: held once
    per visit, free texts through the sensitive-mention guard). Rights re-read now; see the module doc for
    flags and refusals. ``sheet``: (turf id, canvasser asked or None) for a paper sheet typed back
    (:func:`record_sheet`): its visits are credited to the canvasser the turf is assigned to
    (:func:`_sheet_canvasser`), not to the person typing."""
    now = now or utc_now()
    if len(visits) + len(households) + len(answers) > MAX_BATCH:
        raise VisitError(f"trop d'éléments à la fois : {MAX_BATCH} au plus par envoi")
    with audit_refusals(store, by, "record_feedback", "visit"):
        grant = grant_for(by, "record_feedback")
    user = actor_name(by)
    own = grant is Grant.OWN_ZONES
    report = SyncReport()
    cleaned_households, cleaned_visits = [], []
    for h in households:
        try:
            cleaned_households.append(_clean_household(h))
        except (VisitError, ValueError, TypeError) as error:
            report.households_rejected[str(h.household_id)[:64]] = getattr(error, "message_fr", "logement invalide")
    for v in visits:
        try:
            cleaned_visits.append(_clean_visit(v, now))
        except VisitError as error:
            report.rejected[str(v.visit_id)[:64]] = error.message_fr
    with store.write() as con:
        if cleaned_households:
            _save_households(con, cleaned_households, user, own, now, report)
        held_before = _ids_held(con, [v[0] for v in cleaned_visits])
        own_turfs = ({int(r[0]) for r in con.execute(TURFS_OF_USER_SQL, [user]).fetchall()} if own else None)
        credited = user if sheet is None else _sheet_canvasser(con, sheet[0], user, own, sheet[1])
        turf_addresses: dict[int, set[str] | None] = {}
        seen: set[str] = set()
        opposed: list[tuple[str, str, str | None, str | None]] = []
        for visit_id, turf_id, address, station, household, outcome, at, seq, note in cleaned_visits:
            if visit_id in seen:  # twice in one batch
                continue
            seen.add(visit_id)
            if visit_id in held_before:
                report.held.append(visit_id)
                continue
            if turf_id not in turf_addresses:
                turf_addresses[turf_id] = _turf_addresses(con, turf_id)
            addresses = turf_addresses[turf_id]
            if addresses is None:
                report.rejected[visit_id] = "secteur inconnu ou supprimé"
                continue
            if address not in addresses:
                report.rejected[visit_id] = "cette adresse n'est pas sur ce secteur"
                continue
            flag = FLAG_UNASSIGNED if own_turfs is not None and turf_id not in own_turfs else None
            con.execute(
                "INSERT INTO visit (visit_id, turf_id, address_id, station_id, household_id, outcome, canvasser, recorded_at, "
                "phone_seq, received_at, flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (visit_id) DO NOTHING",
                [visit_id, turf_id, address, station, household, outcome, credited, at, seq, now, flag],
            )
            caught = text_review.store_free_text(con, "visit_note", visit_id, note, station_id=station, user=user, now=now)
            if caught:
                report.notes_held[visit_id] = text_review.held_message(caught)
            report.new.append(visit_id)
            report.held.append(visit_id)
            if outcome == "ne_plus_solliciter":
                opposed.append((visit_id, address, household, station))
            if flag:
                report.flagged.append(visit_id)
        if opposed:  # « ne plus solliciter »: on the opposition list at once (store/opposition.py)
            add_field_entries(con, opposed, user=user, now=now)
        if answers:  # the answers of visits of this batch or sent before (the store checks each is the user's)
            from dashboard.store.questionnaires import save_answers

            refused, sent = set(report.rejected), []
            for a in answers:
                visit_id = clean_uuid_or_none(a.visit_id)
                if visit_id is None or visit_id in refused:
                    report.answers_rejected[str(a.visit_id)[:64]] = "passage refusé : réponses refusées"
                else:
                    sent.append(replace(a, visit_id=visit_id))
            answer_report = save_answers(con, user, sent, now)
            report.answers.extend(answer_report.saved)
            report.answers_held.update(answer_report.held)
            report.answers_rejected.update(answer_report.rejected)
        detail: dict[str, Any] = {
            "new": len(report.new), "already_held": len(report.held) - len(report.new), "flagged": len(report.flagged),
            "rejected": len(report.rejected), "households": len(report.households),
            "households_rejected": len(report.households_rejected), "notes_held": len(report.notes_held)}
        if sheet is not None:  # a paper sheet: whose walk it was, beside who typed it (the entry's user)
            detail |= {"sheet_turf": int(sheet[0]), "canvasser": credited}
        audit.insert(con, user, "field_sync", "visit", None, detail, at=now)
    return report


def sheet_assignees(con: Tx, turf_id: int) -> list[str]:
    """Who a turf's paper sheet belongs to: the canvassers the turf is assigned to, else those of its zone."""
    turf = sorted(str(r[0]) for r in con.execute(
        "SELECT user_name FROM turf_assignment WHERE turf_id = ?", [int(turf_id)]).fetchall())
    if turf:
        return turf
    return sorted(str(r[0]) for r in con.execute(
        "SELECT za.user_name FROM turf t JOIN zone_assignment za ON za.zone_id = t.zone_id WHERE t.turf_id = ?",
        [int(turf_id)]).fetchall())


def _sheet_canvasser(con: Tx, turf_id: int, user: str, own: bool, asked: str | None) -> str:
    """The canvasser a sheet typed back is credited to: a canvasser typing their own sheet, themselves; the
    admin typing it, the canvasser the turf is assigned to (``asked`` among them when there are several;
    the admin only when nobody is assigned). French refusals otherwise."""
    if own:
        if asked not in (None, user):
            raise VisitError("vous ne pouvez saisir que vos propres feuilles")
        return user
    assignees = sheet_assignees(con, turf_id)
    if asked is not None:
        if asked not in assignees:
            raise VisitError(f"« {asked[:40]} » n'est pas affecté à ce secteur")
        return asked
    if len(assignees) > 1:
        raise VisitError("plusieurs militants ont ce secteur : choisissez celui qui a fait la feuille")
    return assignees[0] if assignees else user


def _save_households(con: Tx, rows: list[tuple], user: str, own: bool, now: datetime, report: SyncReport) -> None:
    addresses = sorted({r[1] for r in rows})
    allowed = None
    if own:
        allowed = {str(r[0]) for r in con.execute(
            f"SELECT d.address_id FROM ({ADDRESSES_OF_USER_SQL}) d WHERE d.address_id IN (SELECT unnest(?::VARCHAR[]))",
            [user, addresses]).fetchall()}
    ids = [r[0] for r in rows]
    stored = {str(r[0]): (str(r[1]), r[2]) for r in con.execute(
        "SELECT household_id, address_id, updated_at FROM household WHERE household_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids]).fetchall()}
    ring = crypto.keyring()
    for household_id, address, station, entrance, floor, label, mark, position, removed, changed_at in rows:
        if allowed is not None and address not in allowed:
            report.households_rejected[household_id] = "adresse hors de vos secteurs"
            continue
        sealed = ring.seal(label, "household", "label", household_id) if label else None
        removed_at = changed_at if removed else None
        if household_id in stored:
            stored_address, stored_at = stored[household_id]
            if stored_address != address:
                report.households_rejected[household_id] = "ce logement appartient à une autre adresse"
                continue
            if stored_at is not None and stored_at >= changed_at:  # an older change than the one held: the later wins
                report.households.append(household_id)
                continue
            con.execute("UPDATE household SET entrance = ?, floor = ?, label = ?, mark = ?, position = ?, updated_by = ?, "
                        "updated_at = ?, removed_at = ? WHERE household_id = ?",
                        [entrance, floor, sealed, mark, position, user, changed_at, removed_at, household_id])
            stored[household_id] = (address, changed_at)
        else:
            con.execute("INSERT INTO household (household_id, address_id, station_id, entrance, floor, label, mark, position, "
                        "created_by, created_at, updated_by, updated_at, removed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [household_id, address, station, entrance, floor, sealed, mark, position, user, now, user, changed_at,
                         removed_at])
            stored[household_id] = (address, changed_at)
        report.households.append(household_id)


def held_ids(store: CampaignStore, ids: Iterable[str], *, by: Principal | str) -> list[str]:
    """Which of ``ids`` the store holds among ``by``'s visits (``record_feedback``; everyone's for the admin)."""
    with audit_refusals(store, by, "record_feedback", "visit"):
        grant = grant_for(by, "record_feedback")
    wanted = []
    for value in list(ids)[:MAX_BATCH]:
        try:
            wanted.append(clean_uuid(value))
        except VisitError:
            continue
    if not wanted or not store.exists():
        return []
    sql = "SELECT visit_id FROM visit WHERE visit_id IN (SELECT unnest(?::VARCHAR[]))"
    params: list[Any] = [wanted]
    if grant is Grant.OWN_ZONES:
        sql += " AND canvasser = ?"
        params.append(actor_name(by))
    with store.read() as con:
        held = {str(r[0]) for r in con.execute(sql, params).fetchall()}
    return [v for v in wanted if v in held]


@dataclass(frozen=True)
class TurfState:
    """The households and visits of one turf's addresses, as the phone needs them."""

    turf_id: int
    households: list[dict[str, Any]]
    visits: list[dict[str, Any]]  # oldest first


@retrying
def turf_state(store: CampaignStore, turf_id: int, *, by: Principal | str) -> TurfState:
    """The households (not removed) and every visit of ``turf_id``'s addresses, oldest first.

    ``record_feedback``: a canvasser only on a turf of theirs (``scope.TURFS_OF_USER_SQL``, refused
    and audited otherwise); audited ``view_personal_data`` with the row counts."""
    from dashboard.access.permissions import require

    with audit_refusals(store, by, "record_feedback", "turf", turf_id):
        grant = grant_for(by, "record_feedback")
        user = actor_name(by)
        with store.write() as con:
            if grant is Grant.OWN_ZONES:
                inside = con.execute(f"SELECT count(*) FROM ({TURFS_OF_USER_SQL}) t WHERE t.turf_id = ?",
                                     [user, int(turf_id)]).fetchone()[0] > 0
                require(by, "record_feedback", in_own_zones=inside)  # type: ignore[arg-type]
            rows = con.execute(
                "SELECT h.household_id, h.address_id, h.entrance, h.floor, h.label, h.mark, h.position FROM household h "
                "WHERE h.removed_at IS NULL AND h.address_id IN (SELECT address_id FROM turf_address WHERE turf_id = ?) "
                "ORDER BY h.address_id, h.entrance, h.floor, h.position, h.household_id", [int(turf_id)]).fetchall()
            ring = crypto.keyring()
            households = [{"household_id": r[0], "address_id": r[1], "entrance": r[2], "floor": r[3],
                           "label": ring.open(r[4], "household", "label", r[0]), "mark": r[5], "position": r[6]}
                          for r in rows]
            visit_rows = con.execute(
                "SELECT v.visit_id, v.address_id, v.household_id, v.outcome, v.recorded_at, v.canvasser FROM visit v "
                "WHERE v.address_id IN (SELECT address_id FROM turf_address WHERE turf_id = ?) "
                "ORDER BY v.recorded_at, v.phone_seq, v.visit_id", [int(turf_id)]).fetchall()
            visits = [{"visit_id": r[0], "address_id": r[1], "household_id": r[2], "outcome": r[3],
                       "recorded_at": r[4].replace(tzinfo=timezone.utc).isoformat(), "mine": r[5] == user}
                      for r in visit_rows]
            audit.insert(con, user, "view_personal_data", "turf", int(turf_id),
                         {"households": len(households), "visits": len(visits), "source": "phone"})
    return TurfState(int(turf_id), households, visits)


def household_counts(store: CampaignStore, address_ids: Sequence[str], *, by: Principal | str) -> dict[str, int]:
    """Households recorded (not removed) per address of ``address_ids`` (counts only: ``view_maps``, a canvasser's
    own doors in SQL); addresses without any are left out."""
    from dashboard.store.scope import own_zones_user

    with audit_refusals(store, by, "view_maps", "household"):
        scope = own_zones_user(by, "view_maps")
    ids = [str(a) for a in address_ids][:100_000]
    if not ids or not store.exists():
        return {}
    sql = ("SELECT h.address_id, count(*) FROM household h WHERE h.removed_at IS NULL "
           "AND h.address_id IN (SELECT unnest(?::VARCHAR[]))")
    params: list[Any] = [ids]
    if scope is not None:
        sql += f" AND h.address_id IN ({ADDRESSES_OF_USER_SQL})"
        params.append(scope)
    with store.read() as con:
        return {str(a): int(n) for a, n in con.execute(sql + " GROUP BY h.address_id", params).fetchall()}


def doors_knocked(store: CampaignStore, turf_ids: Sequence[int], *, by: Principal | str) -> dict[int, int]:
    """Distinct doors (an address, or one of its households) knocked per turf of ``turf_ids``, from the visits
    (counts only; read like the turfs: every turf for the roles that build zones, a canvasser's own in SQL)."""
    from dashboard.store.scope import zone_read_scope

    with audit_refusals(store, by, "edit_zones", "turf"):
        scope = zone_read_scope(by)
    ids = [str(int(t)) for t in turf_ids]
    if not ids or not store.exists():
        return {}
    sql = ("SELECT v.turf_id, count(DISTINCT v.address_id || '|' || coalesce(v.household_id, '')) FROM visit v "
           "WHERE CAST(v.turf_id AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))")
    params: list[Any] = [ids]
    if scope is not None:
        sql += f" AND v.turf_id IN ({TURFS_OF_USER_SQL})"
        params.append(scope)
    with store.read() as con:
        return {int(t): int(n) for t, n in con.execute(sql + " GROUP BY v.turf_id", params).fetchall()}


# -- for the supervisor -------------------------------------------------------------------------
def paris_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC (naive) instants where ``day`` starts and ends in Europe/Paris."""
    start = datetime.combine(day, time(0), PARIS).astimezone(timezone.utc).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(0), PARIS).astimezone(timezone.utc).replace(tzinfo=None)
    return start, end


_PROGRESS = """SELECT {key}, count(*) AS visits, count(*) FILTER (WHERE v.recorded_at >= ? AND v.recorded_at < ?) AS visits_day,
    count(DISTINCT v.address_id || '|' || coalesce(v.household_id, '')) AS doors,
    count(*) FILTER (WHERE v.outcome = 'ouvert') AS opened,
    count(*) FILTER (WHERE v.outcome = 'ouvert' AND v.recorded_at >= ? AND v.recorded_at < ?) AS opened_day,
    count(*) FILTER (WHERE v.flag IS NOT NULL) AS flagged, max(v.recorded_at) AS last_at
    FROM visit v {join} GROUP BY {key} ORDER BY {key}"""


def _supervisor(store: CampaignStore, by: Principal | str, what: str) -> None:
    with audit_refusals(store, by, "edit_zones", what):
        grant_for(by, "edit_zones")


def progress_by_canvasser(store: CampaignStore, *, by: Principal | str, day: date) -> pd.DataFrame:
    """Per canvasser: visits (campaign and ``day``, Paris time), distinct doors knocked, doors opened, flagged
    visits, last visit (``edit_zones``: admin, candidate, strategist)."""
    _supervisor(store, by, "visits")
    start, end = paris_day_bounds(day)
    with store.read() as con:
        return con.frame(_PROGRESS.format(key="v.canvasser", join=""), [start, end, start, end])


def progress_by_turf(store: CampaignStore, *, by: Principal | str, day: date) -> pd.DataFrame:
    """Per turf (``turf_id``, zone and turf names, estimated doors): the same counts as :func:`progress_by_canvasser`."""
    _supervisor(store, by, "visits")
    start, end = paris_day_bounds(day)
    sql = _PROGRESS.format(key="v.turf_id", join="")
    with store.read() as con:
        frame = con.frame(sql, [start, end, start, end])
        names = con.frame("SELECT t.turf_id, t.name AS turf_name, z.name AS zone_name, t.doors AS estimated_doors "
                          "FROM turf t JOIN zone z ON z.zone_id = t.zone_id")
    return frame.merge(names, on="turf_id", how="left")


def flagged_visits(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """Visits kept with a flag, oldest first: ``visit_id``, ``turf_id``, ``station_id``, ``canvasser``, ``outcome``,
    ``recorded_at``, ``received_at``, ``flag`` (``edit_zones``). No address: the supervisor reassigns the turf
    or checks with the canvasser."""
    _supervisor(store, by, "visits")
    with store.read() as con:
        return con.frame("SELECT visit_id, turf_id, station_id, canvasser, outcome, recorded_at, received_at, flag "
                         "FROM visit WHERE flag IS NOT NULL ORDER BY recorded_at, phone_seq, visit_id")


# -- a paper sheet typed back in ------------------------------------------------------------------
def paper_time(day: date, now: datetime) -> datetime:
    """The time stored for visits typed back from a sheet walked on ``day``: noon in Paris that day (the hour is
    not on paper), or ``now`` when that is earlier (a sheet typed the morning it is walked)."""
    noon = datetime.combine(day, time(12), PARIS).astimezone(timezone.utc).replace(tzinfo=None)
    return min(noon, _utc(now))


def record_sheet(store: CampaignStore, turf_id: int, day: date, lines: Sequence[tuple[str, str, str | None, str]], *,
                 by: Principal | str, now: datetime | None = None, canvasser: str | None = None) -> SyncReport:
    """Store the outcomes typed from a turf's paper sheet walked on ``day`` as visits, through :func:`sync` (same
    rights, flags and refusals as the phone): ``lines`` are (visit id made on the server, address id, household id
    or None, outcome), in sheet order. An id already held (the sheet typed twice) is not stored again. The visits
    are the walk of the canvasser the turf is assigned to (``canvasser`` when several are), whoever types them."""
    now = now or utc_now()
    if day > _utc(now + CLOCK_AHEAD).date():
        raise VisitError("date de passage dans le futur : impossible")
    at = paper_time(day, now)
    batch = [VisitInput(visit_id, int(turf_id), address, outcome, at, household, seq)
             for seq, (visit_id, address, household, outcome) in enumerate(lines, start=1)]
    return sync(store, by=by, visits=batch, now=now, sheet=(int(turf_id), canvasser))


def turf_households(store: CampaignStore, turf_id: int, *, by: Principal | str) -> list[dict[str, Any]]:
    """The households recorded at a turf's addresses (not removed), for its paper sheet: ``household_id``,
    ``address_id``, ``entrance``, ``floor``, ``mark``, ``position``, **without** their label (a sealed value).
    Read like the turfs (every turf for the roles that build zones, a canvasser's own in SQL)."""
    from dashboard.store.scope import zone_read_scope

    with audit_refusals(store, by, "edit_zones", "turf", turf_id):
        scope = zone_read_scope(by)
    if not store.exists():
        return []
    sql = ("SELECT h.household_id, h.address_id, h.entrance, h.floor, h.mark, h.position FROM household h "
           "WHERE h.removed_at IS NULL AND h.address_id IN (SELECT address_id FROM turf_address WHERE turf_id = ?)")
    params: list[Any] = [int(turf_id)]
    if scope is not None:
        sql += f" AND ? IN (SELECT t.turf_id FROM ({TURFS_OF_USER_SQL}) t)"
        params += [int(turf_id), scope]
    with store.read() as con:
        rows = con.execute(sql + " ORDER BY h.address_id, h.entrance, h.floor, h.position, h.household_id", params).fetchall()
    return [{"household_id": str(r[0]), "address_id": str(r[1]), "entrance": r[2], "floor": r[3], "mark": r[4],
             "position": int(r[5])} for r in rows]


def progress_by_station(store: CampaignStore, *, by: Principal | str, day: date) -> pd.DataFrame:
    """Per polling station (``station_id``): the same counts as :func:`progress_by_canvasser` (``edit_zones``)."""
    _supervisor(store, by, "visits")
    start, end = paris_day_bounds(day)
    with store.read() as con:
        return con.frame(_PROGRESS.format(key="v.station_id", join=""), [start, end, start, end])


def coverage(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """The live coverage map's counts, per turf and address knocked: ``turf_id``, ``address_id``, ``doors`` (distinct
    doors knocked there), ``opened`` (distinct doors opened) (``edit_zones``: admin, candidate, strategist). Counts
    only: no outcome other than « ouvert », no canvasser, no household."""
    _supervisor(store, by, "visits")
    with store.read() as con:
        return con.frame(
            "SELECT v.turf_id, v.address_id, count(DISTINCT coalesce(v.household_id, '')) AS doors, "
            "count(DISTINCT coalesce(v.household_id, '')) FILTER (WHERE v.outcome = 'ouvert') AS opened "
            "FROM visit v GROUP BY v.turf_id, v.address_id ORDER BY v.turf_id, v.address_id")
