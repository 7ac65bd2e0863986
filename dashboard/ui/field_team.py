"""The field team's views: live coverage map, progress per canvasser, team and station, goals, leaderboard,
and the paper sheet typed back in.

Where they are drawn (``docs/design.md``, the permission table):

- :func:`draw_team` on the **Zones** page (``edit_zones``: admin, candidate, strategist; strategists cannot open
  Terrain, which shows personal data): the coverage map (``canvass/coverage.py``), progress tables, teams,
  goals with their chart per day, and the leaderboard by team. Counts only, from ``store.visits`` and
  ``store.teams``: no address outcome other than « porte ouverte », no voter;
- :func:`draw_sheet_entry` on **Terrain** (``record_feedback``: the admin, a canvasser on their own turfs): one
  line per door of the printed sheet (``canvass/sheet.py``), one click per outcome, stored as visits with ids
  made on the server (``store.visits.record_sheet``: a sheet typed twice is stored once), credited to the
  canvasser the turf is assigned to (chosen here when several are), not to the admin typing it.

Pure builders first (the tests call them), then the Streamlit parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import altair as alt
import pandas as pd

from dashboard.access.permissions import Grant, Principal, permission
from dashboard.canvass.coverage import coverage_deck, point_states, turf_coverage
from dashboard.canvass.doors import OUTCOME_LABELS_FR, turf_addresses, turf_walk
from dashboard.canvass.sheet import drop_opposed, sheet_rows, typed_back
from dashboard.formats import fmt_date, fmt_number, fmt_percent, paris_today
from dashboard.store import opposition
from dashboard.store import teams as team_store
from dashboard.store import visits as visit_store
from dashboard.store.campaign import CampaignStore
from dashboard.store.turfs import Turf
from dashboard.text import plain

SHEET_SAVED = "field_sheet_saved"  # the confirmation shown on the run after a sheet was typed back
TEAM_SAVED = "field_team_saved"
MAP_HEIGHT = 480
LIVE_REFRESH_S = 10  # the live coverage and progress rerun on their own this often (seconds)


# -- pure builders ----------------------------------------------------------------------------------
def team_board(frame: pd.DataFrame) -> pd.DataFrame:
    """The leaderboard (``store.teams.progress_by_team``, best first) with French headers: rank, team, doors opened
    and knocked today and since the start, canvassers who sent visits."""
    return pd.DataFrame({
        "rang": [str(i) for i in range(1, len(frame) + 1)],
        "équipe": list(frame["team"]),
        "portes ouvertes": [fmt_number(v) for v in frame["opened"]],
        "portes frappées": [fmt_number(v) for v in frame["doors"]],
        "ouvertes aujourd'hui": [fmt_number(v) for v in frame["opened_day"]],
        "frappées aujourd'hui": [fmt_number(v) for v in frame["doors_day"]],
        "militants actifs": [fmt_number(v) for v in frame["canvassers"]],
    })


def board_chart(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of doors opened per team, best on top (for the director to show)."""
    data = frame[["team", "opened", "doors"]].rename(columns={"team": "équipe", "opened": "portes ouvertes",
                                                              "doors": "portes frappées"})
    return alt.Chart(data).mark_bar(color="#238b45").encode(
        x=alt.X("portes ouvertes:Q", title="Portes ouvertes", axis=alt.Axis(format="d")),
        y=alt.Y("équipe:N", sort="-x", title=None, axis=alt.Axis(labelFontSize=16, labelLimit=260)),
        tooltip=["équipe", "portes ouvertes", "portes frappées"],
    ).properties(height=max(120, 48 * len(data)))


def goals_table(goals: pd.DataFrame, turf_labels: dict[str, str]) -> pd.DataFrame:
    """Goals (``store.teams.goal_progress``) with French headers: where, what, target, done, share."""
    return pd.DataFrame({
        "objectif pour": [f"secteur {turf_labels.get(t, t)}" if s == "turf" else f"bureau {t}"
                          for s, t in zip(goals["scope"], goals["target_id"])],
        "mesure": [team_store.GOAL_METRICS[m] for m in goals["metric"]],
        "objectif": [fmt_number(v) for v in goals["target"]],
        "fait": [fmt_number(v) for v in goals["done"]],
        "avancement": [min(100.0, 100.0 * d / t) if t else 0.0 for d, t in zip(goals["done"], goals["target"])],
        "fixé le": [fmt_date(v) for v in goals["set_at"]],
    })


def goal_chart(daily: pd.DataFrame, target: int, metric: str) -> alt.LayerChart:
    """Cumulative doors per day (``store.teams.daily_progress``) as a line with points, and the target as a dashed
    rule, for one goal."""
    label = team_store.GOAL_METRICS[metric].capitalize()
    data = daily.assign(jour=pd.to_datetime(daily["day"]))
    line = alt.Chart(data).mark_line(point=True, color="#2171b5").encode(
        x=alt.X("jour:T", title="Jour", axis=alt.Axis(format="%d/%m")),
        y=alt.Y("done:Q", title=f"{label} (cumul)", scale=alt.Scale(domain=[0, max(int(target), int(daily["done"].max() or 0))])),
        tooltip=[alt.Tooltip("jour:T", title="jour", format="%d/%m/%Y"), alt.Tooltip("done:Q", title="cumul")],
    )
    rule = alt.Chart(pd.DataFrame({"objectif": [int(target)]})).mark_rule(color="#cb181d", strokeDash=[6, 4]).encode(
        y="objectif:Q", tooltip=[alt.Tooltip("objectif:Q", title="objectif")])
    return (line + rule).properties(height=260)


def progress_summary(per_user: pd.DataFrame) -> str:
    """One line over the progress tables (``store.visits.progress_by_canvasser``): today's and the campaign's visits
    and how many canvassers sent them today."""
    active = int((per_user["visits_day"] > 0).sum())
    return (f"Aujourd'hui : {fmt_number(int(per_user['visits_day'].sum()))} passage(s) de {fmt_number(active)} "
            f"militant(s) ; depuis le début : {fmt_number(int(per_user['visits'].sum()))} passage(s).")


def station_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Progress per polling station (``store.visits.progress_by_station``) with French headers."""
    return pd.DataFrame({
        "bureau": [str(v) if v is not None and not pd.isna(v) else "—" for v in frame["station_id"]],
        "portes frappées": [fmt_number(v) for v in frame["doors"]],
        "ouvertes aujourd'hui": [fmt_number(v) for v in frame["opened_day"]],
        "ouvertes (campagne)": [fmt_number(v) for v in frame["opened"]],
        "passages aujourd'hui": [fmt_number(v) for v in frame["visits_day"]],
    })


# -- Streamlit: the Zones page ------------------------------------------------------------------------
def draw_team(store: CampaignStore, user: Principal, all_turfs: Sequence[Turf]) -> None:
    """The field team section of the Zones page (``edit_zones`` at all)."""
    import streamlit as st

    from dashboard.ui.terrain_panel import turf_label

    if permission(user.role, "edit_zones") is not Grant.ALL:
        return
    st.header("Suivi du terrain")
    # the coverage map and the progress tables rerun on their own every LIVE_REFRESH_S seconds (a fragment: the
    # rest of the page stays as it is), so visits sent from the phones show without a click
    st.fragment(run_every=timedelta(seconds=LIVE_REFRESH_S))(_draw_live)(store, user, all_turfs)
    today = paris_today()
    board = team_store.progress_by_team(store, by=user, day=today)
    _draw_teams(store, user)
    _draw_goals(store, user, all_turfs, {str(t.turf_id): turf_label(t) for t in all_turfs})

    st.subheader("Classement des équipes")
    if board.empty or int(board["doors"].sum()) == 0:
        st.caption("Le classement apparaît dès les premiers passages.")
    else:
        top = board.iloc[0]
        st.metric(f"En tête : {top['team']}", f"{fmt_number(int(top['opened']))} portes ouvertes",
                  f"{fmt_number(int(top['opened_day']))} aujourd'hui")
        st.altair_chart(board_chart(board), width="stretch")


def _draw_live(store: CampaignStore, user: Principal, all_turfs: Sequence[Turf]) -> None:
    """Live coverage and progress (the fragment of :func:`draw_team`): every call re-reads the counts."""
    import streamlit as st

    from dashboard.ui import data
    from dashboard.ui.map_panel import deck_beside_legend
    from dashboard.ui.tables import show_table
    from dashboard.ui.terrain_panel import field_progress_table

    today = paris_today()
    counts = visit_store.coverage(store, by=user)
    coverage = turf_coverage(all_turfs, counts)
    st.subheader("Couverture en direct")
    if all_turfs:
        wh = data.warehouse()
        ids = [a for t in all_turfs for a in t.address_ids]
        points = turf_addresses(wh, ids, None)[["address_id", "lon", "lat"]] if ids else pd.DataFrame(
            columns=["address_id", "lon", "lat"])
        states = point_states(points, counts)
        spec = coverage_deck(coverage, states, map_style=data.settings().map_style, height=MAP_HEIGHT)
        if spec is not None:
            deck_beside_legend(spec.deck, spec.legend, key="field_coverage_map", height=MAP_HEIGHT, legend_width=1.5)
        knocked = sum(c.knocked for c in coverage)
        doors = sum(c.doors for c in coverage)
        never = int((states["state"] == "never").sum())
        st.caption(f"{fmt_number(knocked)} / {fmt_number(doors)} portes frappées ({fmt_percent(knocked / doors if doors else 0, 0)}), "
                   f"{fmt_number(sum(c.opened for c in coverage))} ouvertes ; {fmt_number(never)} adresse(s) jamais frappée(s). "
                   f"Mis à jour toutes les {fmt_number(LIVE_REFRESH_S)} secondes.")
    else:
        st.caption("Aucun secteur : découpez une zone en secteurs pour suivre le terrain.")

    st.subheader("Avancement")
    per_user = visit_store.progress_by_canvasser(store, by=user, day=today)
    if per_user.empty:
        st.caption("Aucun passage enregistré pour l'instant.")
    else:
        st.caption(progress_summary(per_user))
        st.markdown("**Par militant**")
        show_table(field_progress_table(per_user, "canvasser"))
        st.markdown("**Par équipe**")
        show_table(team_board(team_store.progress_by_team(store, by=user, day=today)))
        st.markdown("**Par bureau de vote**")
        show_table(station_table(visit_store.progress_by_station(store, by=user, day=today)))


def _draw_teams(store: CampaignStore, user: Principal) -> None:
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.store import users
    from dashboard.ui.tables import show_table

    st.subheader("Équipes")
    if saved := st.session_state.pop(TEAM_SAVED, None):
        st.success(plain(saved))
    existing = team_store.teams(store, by=user)
    if existing:
        show_table(pd.DataFrame({"équipe": [t.name for t in existing],
                                 "militants": [", ".join(t.members) or "—" for t in existing]}))
    people = users.assignable_users(store, by=user)
    with st.form("field_team_new", clear_on_submit=True, enter_to_submit=False):
        name = st.text_input("Nouvelle équipe", max_chars=team_store.MAX_TEAM_NAME, placeholder="ex. Équipe du centre")
        if st.form_submit_button("Créer l'équipe"):
            try:
                team_store.create_team(store, name, by=user)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                st.session_state[TEAM_SAVED] = f"Équipe « {name.strip()} » créée."
                st.rerun()
    if existing:
        by_id = {t.team_id: t for t in existing}
        names = {t.team_id: t.name for t in existing}  # a picklable format_func
        chosen = by_id[st.selectbox("Équipe à composer", list(by_id), format_func=names.get, key="field_team_chosen")]
        with st.form("field_team_members", enter_to_submit=False):
            members = st.multiselect("Militants de l'équipe", list(people), default=[m for m in chosen.members if m in people],
                                     format_func=people.get, help="Un militant n'est que dans une équipe : "
                                                                  "l'ajouter ici le retire de l'autre.")
            save, remove = st.columns(2)
            if save.form_submit_button("Enregistrer les membres", type="primary"):
                try:
                    team_store.set_members(store, chosen.team_id, members, by=user)
                except IsoloirError as error:
                    st.error(plain(error.message_fr))
                else:
                    st.session_state[TEAM_SAVED] = f"Équipe « {chosen.name} » : {fmt_number(len(members))} militant(s)."
                    st.rerun()
            if remove.form_submit_button("Supprimer l'équipe"):
                team_store.delete_team(store, chosen.team_id, by=user)
                st.session_state[TEAM_SAVED] = f"Équipe « {chosen.name} » supprimée (ses passages restent comptés)."
                st.rerun()


def _draw_goals(store: CampaignStore, user: Principal, all_turfs: Sequence[Turf], turf_labels: dict[str, str]) -> None:
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.ui.tables import show_table

    st.subheader("Objectifs")
    goals = team_store.goal_progress(store, by=user)
    if len(goals):
        show_table(goals_table(goals, turf_labels), column_config={"avancement": st.column_config.ProgressColumn(
            "avancement", format="%.0f %%", min_value=0, max_value=100)})
        table = goals_table(goals, turf_labels)
        choices = {i: f"{table['objectif pour'][i]} — {table['mesure'][i]}" for i in range(len(goals))}
        pick = st.selectbox("Suivi jour par jour", list(choices), key="field_goal_chart", format_func=choices.get)
        row = goals.iloc[pick]
        daily = team_store.daily_progress(store, row["scope"], row["target_id"], row["metric"], by=user)
        if daily.empty:
            st.caption("Aucune porte comptée pour cet objectif pour l'instant.")
        else:
            st.altair_chart(goal_chart(daily, int(row["target"]), str(row["metric"])), width="stretch")
    else:
        st.caption("Aucun objectif fixé.")
    stations = sorted({a.rpartition("@")[2] for t in all_turfs for a in t.address_ids})
    with st.form("field_goal_new", enter_to_submit=False):
        scope = st.radio("Pour", list(team_store.GOAL_SCOPES), format_func=team_store.GOAL_SCOPES.get, horizontal=True)
        turf_id = st.selectbox("Secteur (si secteur)", list(turf_labels), format_func=turf_labels.get) if turf_labels else None
        station = st.selectbox("Bureau (si bureau)", stations) if stations else None
        metric = st.radio("Mesure", list(team_store.GOAL_METRICS), format_func=team_store.GOAL_METRICS.get, horizontal=True)
        target = st.number_input("Objectif (portes)", min_value=1, max_value=team_store.MAX_TARGET, value=100, step=10)
        if st.form_submit_button("Fixer l'objectif", type="primary"):
            target_id = turf_id if scope == "turf" else station
            try:
                if target_id is None:
                    raise team_store.TeamError("choisissez un secteur ou un bureau")
                team_store.set_goal(store, scope, target_id, metric, int(target), by=user)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                st.rerun()


# -- Streamlit: Terrain, the paper sheet typed back -----------------------------------------------------
def draw_sheet_entry(store: CampaignStore, user: Principal, turf: Turf) -> None:
    """Type back the printed sheet of ``turf``: one line per door in the sheet's order, one click per outcome,
    the day it was walked; stored as visits (``record_feedback``: the admin, the turf's canvasser)."""
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.ui import data
    from dashboard.warehouse.queries import latest_election

    if permission(user.role, "record_feedback") is Grant.NONE:
        return
    st.markdown(f"**Saisir une feuille papier — {plain(turf.name)} — {plain(turf.zone_name)}**")
    if saved := st.session_state.pop(SHEET_SAVED, None):
        st.success(plain(saved))
    wh = data.warehouse()
    walk = turf_walk(turf_addresses(wh, turf.address_ids, latest_election(wh)), turf.address_ids)
    rows, _ = drop_opposed(sheet_rows(walk, visit_store.turf_households(store, turf.turf_id, by=user)),
                           opposition.opposed_doors(store))  # the lines of the printed sheet
    if rows.empty:
        st.caption("Aucune adresse sur ce secteur.")
        return
    st.caption("Une ligne par porte, dans l'ordre de la feuille (N°). Un clic par résultat ; laissez vide une porte "
               "non frappée. Une feuille saisie deux fois n'est comptée qu'une fois.")
    # the visits are the walk of the canvasser the sheet was assigned to, not of the person typing it
    own = permission(user.role, "record_feedback") is Grant.OWN_ZONES
    canvasser: str | None = None
    if not own and len(turf.assigned_to) > 1:
        canvasser = st.selectbox("Feuille de", list(turf.assigned_to), key=f"field_sheet_of_{turf.turf_id}")
    elif not own:
        st.caption("Passages comptés pour : " + (plain(turf.assigned_to[0]) if turf.assigned_to
                                                  else "vous (secteur affecté à personne)") + ".")
    with st.form(f"field_sheet_{turf.turf_id}", enter_to_submit=False):
        day = st.date_input("Jour du passage", value=paris_today(), max_value=paris_today(),
                            min_value=paris_today() - timedelta(days=366), format="DD/MM/YYYY")
        chosen: dict[int, str | None] = {}
        for row in rows.itertuples(index=False):
            where = " ".join(p for p in (str(row.number or ""), str(row.street or "")) if p)
            extra = f" — {row.household}" if row.household else ""
            chosen[int(row.order)] = st.segmented_control(
                f"{int(row.order)}. {where}{extra}", list(OUTCOME_LABELS_FR), format_func=OUTCOME_LABELS_FR.get,
                key=f"field_sheet_{turf.turf_id}_{int(row.order)}")
        if st.form_submit_button("Enregistrer la feuille", type="primary"):
            try:
                typed = typed_back(rows, chosen, turf_id=turf.turf_id, day=day)
                if not typed:
                    raise visit_store.VisitError("aucun résultat coché")
                report = visit_store.record_sheet(store, turf.turf_id, day,
                                                  [(t.visit_id, t.address_id, t.household_id, t.outcome) for t in typed],
                                                  by=user, canvasser=canvasser)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                text = (f"Feuille enregistrée : {fmt_number(len(report.new))} passage(s) nouveau(x)"
                        + (f", {fmt_number(len(report.held) - len(report.new))} déjà saisi(s)" if len(report.held) > len(report.new) else "")
                        + (f", {fmt_number(len(report.rejected))} refusé(s)" if report.rejected else "") + ".")
                st.session_state[SHEET_SAVED] = text
                st.rerun()
