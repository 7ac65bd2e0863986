"""Teams of canvassers and field goals in the campaign store (migration 10): counts for the people who lead.

**Teams** (``team``, ``team_member``): a named group of canvassers, made and filled by the roles that build
zones (``edit_zones``: admin, candidate, strategist). A canvasser is in one team at most (moving them to
another team takes them out of the first), so a visit counts for one team in :func:`progress_by_team`.

**Goals** (``field_goal``): a target of ``doors`` (distinct doors knocked) or ``contacts`` (distinct doors
opened: outcome ``ouvert``) for one turf or one polling station, set by the same roles; setting it again
replaces it. :func:`goal_progress` gives, per goal, what is done against the target, and :func:`daily_progress`
the cumulative count per day (Paris time) for the chart.

Every function reads or writes **counts only** (visits grouped by team, turf or station, never an address or a
person), so strategists may see them. Every write is audited (``team_create``, ``team_members``,
``team_delete``, ``field_goal``); refusals are audited by ``guard.audit_refusals``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
import pandas as pd

from dashboard.access.permissions import Principal, actor_name
from dashboard.errors import IsoloirError
from dashboard.store import audit
from dashboard.store.backend import retrying, utc_now
from dashboard.store.campaign import CampaignStore
from dashboard.store.guard import audit_refusals, grant_for
from dashboard.store.turfs import turf_door_limit
from dashboard.store.validate import clean_text
from dashboard.store.visits import PARIS, paris_day_bounds

MAX_TEAM_NAME = 60
MAX_MEMBERS = 500
MAX_TARGET = 1_000_000
GOAL_SCOPES: dict[str, str] = {"turf": "secteur", "station": "bureau de vote"}
GOAL_METRICS: dict[str, str] = {"doors": "portes frappées", "contacts": "portes ouvertes"}
NO_TEAM_FR = "(sans équipe)"


class TeamError(IsoloirError):
    """A team or goal change refused (French message)."""


@dataclass(frozen=True)
class Team:
    team_id: int
    name: str
    members: tuple[str, ...]


def _lead(store: CampaignStore, by: Principal | str, object_type: str, object_id: int | str | None = None) -> str:
    with audit_refusals(store, by, "edit_zones", object_type, object_id):
        grant_for(by, "edit_zones")
    return actor_name(by)


def _team_name(name: object) -> str:
    try:
        return str(clean_text(name, "le nom de l'équipe", MAX_TEAM_NAME))
    except IsoloirError as error:
        raise TeamError(error.message_fr) from None


@retrying
def create_team(store: CampaignStore, name: str, *, by: Principal | str, now: datetime | None = None) -> Team:
    """A new, empty team (``edit_zones``); French error when the name is empty, too long or taken."""
    now = now or utc_now()
    user = _lead(store, by, "team")
    clean = _team_name(name)
    with store.write() as con:
        if con.execute("SELECT count(*) FROM team WHERE lower(name) = lower(?)", [clean]).fetchone()[0]:
            raise TeamError(f"une équipe s'appelle déjà « {clean} »")
        team_id = int(con.execute("INSERT INTO team (name, created_by, created_at) VALUES (?, ?, ?) RETURNING team_id",
                                  [clean, user, now]).fetchone()[0])
        audit.insert(con, user, "team_create", "team", team_id, {"name": clean}, at=now)
    return Team(team_id, clean, ())


@retrying
def set_members(store: CampaignStore, team_id: int, user_names: Sequence[str], *, by: Principal | str,
                now: datetime | None = None) -> Team:
    """Make ``user_names`` (active canvassers) the members of ``team_id``; one taken from another team leaves it."""
    now = now or utc_now()
    user = _lead(store, by, "team", team_id)
    names = sorted({str(n) for n in user_names})
    if len(names) > MAX_MEMBERS:
        raise TeamError(f"{MAX_MEMBERS} membres au plus par équipe")
    with store.write() as con:
        row = con.execute("SELECT name FROM team WHERE team_id = ?", [int(team_id)]).fetchone()
        if row is None:
            raise TeamError("équipe inconnue ou supprimée")
        if names:
            known = {str(r[0]) for r in con.execute(
                "SELECT user_name FROM app_user WHERE role = 'canvasser' AND user_name IN (SELECT unnest(?::VARCHAR[]))",
                [names]).fetchall()}
            unknown = [n for n in names if n not in known]
            if unknown:
                raise TeamError(f"pas un compte de militant : {', '.join(unknown[:5])}")
            con.execute("DELETE FROM team_member WHERE user_name IN (SELECT unnest(?::VARCHAR[]))", [names])
        con.execute("DELETE FROM team_member WHERE team_id = ?", [int(team_id)])
        for name in names:
            con.execute("INSERT INTO team_member (user_name, team_id, added_by, added_at) VALUES (?, ?, ?, ?)",
                        [name, int(team_id), user, now])
        audit.insert(con, user, "team_members", "team", int(team_id), {"members": len(names)}, at=now)
    return Team(int(team_id), str(row[0]), tuple(names))


@retrying
def delete_team(store: CampaignStore, team_id: int, *, by: Principal | str, now: datetime | None = None) -> None:
    """Remove a team and its memberships (the visits stay; they count as « sans équipe »)."""
    now = now or utc_now()
    user = _lead(store, by, "team", team_id)
    with store.write() as con:
        con.execute("DELETE FROM team_member WHERE team_id = ?", [int(team_id)])
        con.execute("DELETE FROM team WHERE team_id = ?", [int(team_id)])
        audit.insert(con, user, "team_delete", "team", int(team_id), {}, at=now)


def teams(store: CampaignStore, *, by: Principal | str) -> list[Team]:
    """Every team with its members, by name (``edit_zones``)."""
    _lead(store, by, "team")
    if not store.exists():
        return []
    with store.read() as con:
        rows = con.execute("SELECT team_id, name FROM team ORDER BY lower(name), team_id").fetchall()
        members = con.execute("SELECT team_id, user_name FROM team_member ORDER BY user_name").fetchall()
    by_team: dict[int, list[str]] = {}
    for team_id, name in members:
        by_team.setdefault(int(team_id), []).append(str(name))
    return [Team(int(t), str(n), tuple(by_team.get(int(t), []))) for t, n in rows]


_TEAM_PROGRESS = """SELECT t.name AS team, count(*) AS visits,
    count(*) FILTER (WHERE v.recorded_at >= ? AND v.recorded_at < ?) AS visits_day,
    count(DISTINCT v.address_id || '|' || coalesce(v.household_id, '')) AS doors,
    count(DISTINCT v.address_id || '|' || coalesce(v.household_id, '')) FILTER (WHERE v.recorded_at >= ? AND v.recorded_at < ?)
        AS doors_day,
    count(*) FILTER (WHERE v.outcome = 'ouvert') AS opened,
    count(*) FILTER (WHERE v.outcome = 'ouvert' AND v.recorded_at >= ? AND v.recorded_at < ?) AS opened_day,
    count(DISTINCT v.canvasser) AS canvassers
    FROM visit v LEFT JOIN team_member m ON m.user_name = v.canvasser LEFT JOIN team t ON t.team_id = m.team_id
    GROUP BY t.name"""


def progress_by_team(store: CampaignStore, *, by: Principal | str, day: date) -> pd.DataFrame:
    """Per team (``team``; canvassers in none under :data:`NO_TEAM_FR`): visits, distinct doors knocked and doors
    opened, for ``day`` (Paris time) and the campaign, and how many canvassers sent visits; best first (doors
    opened, then doors knocked). Teams without any visit are listed with zeros (``edit_zones``)."""
    _lead(store, by, "visits")
    start, end = paris_day_bounds(day)
    with store.read() as con:
        frame = con.frame(_TEAM_PROGRESS, [start, end, start, end, start, end])
        names = [str(r[0]) for r in con.execute("SELECT name FROM team").fetchall()]
    frame["team"] = frame["team"].astype(object).where(frame["team"].notna(), NO_TEAM_FR)
    missing = [n for n in names if n not in set(frame["team"])]
    if missing:
        zeros = pd.DataFrame({"team": missing, **{c: 0 for c in frame.columns if c != "team"}})
        frame = pd.concat([frame, zeros], ignore_index=True) if len(frame) else zeros
    for column in frame.columns:
        if column != "team":
            frame[column] = pd.to_numeric(frame[column]).fillna(0).astype("int64")
    return frame.sort_values(["opened", "doors", "team"], ascending=[False, False, True], kind="stable").reset_index(drop=True)


# -- goals -------------------------------------------------------------------------------------------
def _clean_goal(scope: str, target_id: object, metric: str, target: object) -> tuple[str, str, str, int]:
    if scope not in GOAL_SCOPES:
        raise TeamError("objectif : portée inconnue (secteur ou bureau)")
    if metric not in GOAL_METRICS:
        raise TeamError("objectif : mesure inconnue (portes frappées ou ouvertes)")
    try:
        value = int(str(target).strip())
    except (TypeError, ValueError):
        raise TeamError("objectif : un nombre entier est attendu") from None
    if not 1 <= value <= MAX_TARGET:
        raise TeamError(f"objectif : entre 1 et {MAX_TARGET:_} portes".replace("_", "\u202f"))
    text = str(target_id).strip()[:64]
    if not text:
        raise TeamError("objectif : secteur ou bureau manquant")
    return scope, text, metric, value


@retrying
def set_goal(store: CampaignStore, scope: str, target_id: int | str, metric: str, target: int, *,
             by: Principal | str, now: datetime | None = None) -> None:
    """Set (or replace) the goal of a turf or station (``edit_zones``). A turf goal is refused above the turf's
    doors (:func:`store.turfs.turf_door_limit`): more doors than there are cannot be knocked."""
    now = now or utc_now()
    user = _lead(store, by, "field_goal", str(target_id))
    scope, target_id, metric, value = _clean_goal(scope, target_id, metric, target)
    with store.write() as con:
        if scope == "turf":
            limit = turf_door_limit(con, int(target_id))
            if limit is None:
                raise TeamError("secteur inconnu ou supprimé")
            if value > limit:
                raise TeamError(f"objectif impossible : {value} portes pour un secteur de {limit} portes")
        con.execute("DELETE FROM field_goal WHERE scope = ? AND target_id = ? AND metric = ?", [scope, target_id, metric])
        con.execute("INSERT INTO field_goal (scope, target_id, metric, target, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [scope, target_id, metric, value, user, now])
        audit.insert(con, user, "field_goal", scope, target_id, {"metric": metric, "target": value}, at=now)


def _scope_sql(scope: str) -> str:
    return "CAST(v.turf_id AS VARCHAR)" if scope == "turf" else "v.station_id"


def goal_progress(store: CampaignStore, *, by: Principal | str) -> pd.DataFrame:
    """Every goal with what is done: ``scope``, ``target_id``, ``metric``, ``target``, ``done`` (distinct doors
    knocked, or opened, on that turf or station since the start), ``set_by``, ``set_at`` (``edit_zones``)."""
    _lead(store, by, "field_goal")
    with store.read() as con:
        goals = con.frame("SELECT scope, target_id, metric, target, set_by, set_at FROM field_goal ORDER BY scope, target_id, metric")
        done = []
        for row in goals.itertuples(index=False):
            opened = " AND v.outcome = 'ouvert'" if row.metric == "contacts" else ""
            done.append(int(con.execute(
                f"SELECT count(DISTINCT v.address_id || '|' || coalesce(v.household_id, '')) FROM visit v "  # noqa: S608
                f"WHERE {_scope_sql(row.scope)} = ?{opened}", [row.target_id]).fetchone()[0]))
    goals["target"] = pd.to_numeric(goals["target"]).astype("int64")
    goals["done"] = pd.Series(done, dtype="int64")
    return goals


def daily_progress(store: CampaignStore, scope: str, target_id: int | str, metric: str, *,
                   by: Principal | str) -> pd.DataFrame:
    """Per day (Paris time) with visits on that turf or station: ``day`` and ``done`` the cumulative distinct doors
    knocked (or opened) up to the end of that day (``edit_zones``). A door counts on the day it was first knocked."""
    _lead(store, by, "field_goal", str(target_id))
    scope, target_id, metric, _ = _clean_goal(scope, target_id, metric, 1)
    opened = " AND v.outcome = 'ouvert'" if metric == "contacts" else ""
    with store.read() as con:
        firsts = con.frame(
            f"SELECT min(v.recorded_at) AS first_at FROM visit v WHERE {_scope_sql(scope)} = ?{opened} "  # noqa: S608
            "GROUP BY v.address_id || '|' || coalesce(v.household_id, '')", [target_id])
    if firsts.empty:
        return pd.DataFrame({"day": pd.Series(dtype=object), "done": pd.Series(dtype="int64")})
    at = pd.to_datetime(firsts["first_at"]).dt.tz_localize("UTC").dt.tz_convert(PARIS)
    per_day = at.dt.date.value_counts().sort_index()
    return pd.DataFrame({"day": list(per_day.index), "done": per_day.cumsum().astype("int64").to_numpy()})
