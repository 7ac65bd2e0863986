"""Cibles page helpers: widgets that own their session keys, cached computations, and the
drawing of the score map, the ranked targets, group behaviour and vote transfers.

Everything computed here is aggregated public data (warehouse only): no campaign-store read.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard.maps import charts, territory
from dashboard.targeting import ei_data
from dashboard.targeting.inference import MIN_UNITS, WIDE_INTERVAL, EIResult
from dashboard.targeting.scores import (
    COLUMN_LABELS, DECIMALS, SCORES, SOURCES, ScoreParameters, ScoreTable, compute_scores, default_reference,
    reprioritise,
)
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_number, fmt_percent
from dashboard.maps.measure_types import TARGET_TYPES
from dashboard.targeting.target_list import file_name, target_list_csv
from dashboard.targeting.target_map import SCORE_CHOICES, station_centroids, target_map
from dashboard.maps.territory import Scope
from dashboard.ui import choices, data, map_panel
from dashboard.text import plain

PREFIX = "cibles_"
AUTO = "__auto__"


def _k(name: str) -> str:
    return PREFIX + name


def _coerce(name: str, options: list, default: object) -> None:
    if st.session_state.get(_k(name)) not in options:
        st.session_state[_k(name)] = default


@dataclass(frozen=True)
class TargetChoice:
    """What the strategist asked for."""

    scope: Scope
    election_id: str
    target_type: str
    target: str
    reference_id: str | None  # None: automatic
    score: str
    top_n: int
    params: ScoreParameters


# -- cached computations (warehouse only) -------------------------------------------------------
@st.cache_data(show_spinner="Calcul des scores…", max_entries=32)
def scores(version: int, election_id: str, target_type: str, target: str, scope: Scope, reference_id: str | None,
           params: ScoreParameters) -> ScoreTable:
    return compute_scores(data.warehouse(), election_id, target_type, target, scope, reference_id, params)


@st.cache_data(show_spinner=False, max_entries=32)
def centroids(version: int, stations: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    frame = pd.DataFrame(list(stations), columns=["station_id", "set_id"])
    return station_centroids(data.warehouse(), frame)


@st.cache_data(show_spinner=False, max_entries=32)
def _reference_default(version: int, election_id: str, scope: Scope) -> str | None:
    return default_reference(data.warehouse(), election_id, scope)


@st.cache_data(show_spinner="Inférence écologique…", max_entries=32)
def transfers(version: int, from_election: str, to_election: str, scope: Scope, from_type: str, to_type: str,
              keep: int, method: str, pool: bool = False) -> tuple[ei_data.EIData, EIResult]:
    inputs = ei_data.transfer_inputs(data.warehouse(), from_election, to_election, scope, from_type=from_type,
                                     to_type=to_type, keep_from=keep, keep_to=keep, pool=pool)
    return inputs, ei_data.run(inputs, method)


@st.cache_data(show_spinner="Inférence écologique…", max_entries=32)
def groups(version: int, election_id: str, scope: Scope, group_set: str, outcome_type: str, keep: int,
           method: str, pool: bool = False) -> tuple[ei_data.EIData, EIResult]:
    inputs = ei_data.group_inputs(data.warehouse(), election_id, scope, group_set, outcome_type=outcome_type, keep=keep,
                                  pool=pool)
    return inputs, ei_data.run(inputs, method)


@st.cache_data(show_spinner=False, max_entries=8)
def group_sets(version: int) -> dict[str, str]:
    return ei_data.available_group_sets(data.warehouse())


# -- widgets ------------------------------------------------------------------------------------
def territory_scope() -> Scope:
    """Départements → communes in the sidebar; the resolved scope."""
    sb = st.sidebar
    sb.header("Territoire")
    deps = choices.departements(data.version())
    dep_labels = dict(zip(deps["code"], deps["name"] + " (" + deps["code"] + ")"))
    st.session_state[_k("deps")] = [d for d in st.session_state.get(_k("deps"), []) if d in dep_labels]
    sb.multiselect("Départements", list(dep_labels), format_func=dep_labels.get, key=_k("deps"), placeholder="Tous")
    communes = choices.communes(data.version(), tuple(st.session_state[_k("deps")]))
    labels = dict(zip(communes["code"], communes["name"] + " (" + communes["code"] + ")"))
    st.session_state[_k("communes")] = [c for c in st.session_state.get(_k("communes"), []) if c in labels]
    if len(labels) <= 3000 or st.session_state[_k("communes")]:
        sb.multiselect("Communes", list(labels), format_func=labels.get, key=_k("communes"), placeholder="Toutes")
    else:
        sb.caption("Choisissez un département pour lister ses communes.")
    chosen = territory.Territory(tuple(st.session_state[_k("deps")]), tuple(st.session_state[_k("communes")]))
    return map_panel.scope_of_territory(chosen)


WEIGHT_STEPS = tuple(step / 4 for step in range(13))  # 0 to 3 by 0.25


def _weight_label(value: float) -> str:
    """« 1,25 » (module-level: the session state is pickled, a lambda would not be)."""
    return fmt_number(value, 2)


def _parameters() -> ScoreParameters:
    sb = st.sidebar
    sb.header("Pondération de la priorité")
    weights = {}
    for score, label in SCORES.items():
        # a select slider: its values are shown in French (« 1,25 »), where a slider's format is English
        weights[score] = float(sb.select_slider(label, options=WEIGHT_STEPS, value=1.0, key=_k(f"w_{score}"),
                                                format_func=_weight_label))
    if sum(weights.values()) <= 0:
        sb.warning("Tous les poids sont nuls : poids égaux utilisés.")
        weights = dict.fromkeys(SCORES, 1.0)
    values: dict[str, float] = {}
    with sb.expander("Paramètres du porte-à-porte et du lissage"):
        for f in ScoreParameters.editable_fields():
            sources = " ; ".join(SOURCES[s].citation for s in f.sources)
            values[f.name] = st.number_input(
                f"{f.label} ({f.unit})", min_value=f.minimum, max_value=f.maximum, value=f.default, step=f.step,
                key=_k(f"p_{f.name}"), help=f"{f.help}\n\nSource : {sources}",
            )
    try:
        return ScoreParameters(**values, weights=weights)
    except IsoloirError as error:
        st.sidebar.error(plain(error.message_fr))
        return ScoreParameters(weights=weights)


def controls() -> TargetChoice | None:
    """The sidebar; None (with a message drawn) when nothing can be scored here."""
    scope = territory_scope()
    sb = st.sidebar
    sb.header("Élection et cible")
    elections = choices.elections(data.version(), scope)
    if elections.empty:
        st.warning("Aucun résultat électoral pour ce territoire : importez des résultats (`isoloir import results …`).")
        return None
    labels = dict(zip(elections["election_id"], elections["label"]))
    _coerce("election", list(labels), list(labels)[-1])
    sb.selectbox("Élection", list(labels), format_func=labels.get, key=_k("election"))
    election_id = st.session_state[_k("election")]
    sb.selectbox("Type de cible", list(TARGET_TYPES), format_func=TARGET_TYPES.get, key=_k("target_type"))
    target_type = st.session_state[_k("target_type")]
    found = choices.targets(data.version(), election_id, target_type, scope)
    target_labels = dict(zip(found["key"], found["label"]))
    if not target_labels:
        st.warning("Aucune cible pour cette élection dans ce territoire.")
        return None
    _coerce("target", list(target_labels), list(target_labels)[0])
    sb.selectbox("Votre candidat, liste ou bloc", list(target_labels), format_func=target_labels.get, key=_k("target"))
    auto = _reference_default(data.version(), election_id, scope)
    others = [e for e in labels if e != election_id]
    auto_label = f"automatique ({labels[auto]})" if auto else "automatique (aucune antérieure)"
    options = [AUTO, *others]
    _coerce("reference", options, AUTO)
    reference_labels = {AUTO: auto_label, **labels}
    sb.selectbox("Élection de référence (volatilité)", options, key=_k("reference"), format_func=reference_labels.get)
    reference = st.session_state[_k("reference")]
    sb.header("Carte")
    sb.selectbox("Score affiché", list(SCORE_CHOICES), format_func=SCORE_CHOICES.get, key=_k("score"))
    sb.slider("Bureaux prioritaires mis en évidence", 1, 50, 10, key=_k("top_n"))
    params = _parameters()
    return TargetChoice(scope, election_id, target_type, st.session_state[_k("target")],
                        None if reference == AUTO else reference, st.session_state[_k("score")],
                        int(st.session_state[_k("top_n")]), params)


# -- drawing ------------------------------------------------------------------------------------
def score_table(choice: TargetChoice) -> ScoreTable:
    # the weights change the ranking only: computed once per other parameter, then re-ranked
    base = scores(data.version(), choice.election_id, choice.target_type, choice.target, choice.scope,
                  choice.reference_id, choice.params.with_weights(dict.fromkeys(SCORES, 1.0)))
    return reprioritise(base, choice.params.weight_map())


def draw_map(table: ScoreTable, choice: TargetChoice) -> pd.DataFrame:
    """The score map with its legend; returns the top stations."""
    stations = tuple(zip(table.frame["station_id"].astype(str), table.frame["set_id"].astype(str)))
    spec, top = target_map(table, choice.score, choice.scope, map_panel.sources(), centroids(data.version(), stations),
                           top_n=choice.top_n, map_style=data.settings().map_style)
    st.subheader(plain(spec.title))
    map_panel.deck_beside_legend(spec.deck, spec.legend, key="cibles_map", height=620, legend_width=1.3)
    for note in spec.notes:
        st.caption(f":material/info: {plain(note)}")
    return top


def _cell(value: object, column: str) -> str:
    if column in ("support", "rival_share", "closeness", "turnout", "abstention", "undecided", "blank_null"):
        return fmt_percent(float(value))
    if column == "volatility":
        return fmt_number(100 * float(value), 1) + " pts"
    if isinstance(value, float):
        return fmt_number(value, DECIMALS.get(column, 1))
    return str(value)


def ranked_targets(table: ScoreTable, top: pd.DataFrame, *, score: str) -> None:
    """The ranked table, each station's explanation, the formulas and the export."""
    st.subheader(f"Bureaux prioritaires ({len(top)}) — classés par « {SCORE_CHOICES[score]} »")
    shown = ["position", "name", "commune", "registered", "support", "rival", "doors", "mobilisation", "persuasion",
             "net_votes_per_hour", "priority"]
    view = pd.DataFrame({("Rang" if c == "position" else COLUMN_LABELS.get(c, c)): [_cell(v, c) for v in top[c]]
                         for c in shown})
    st.dataframe(view, hide_index=True, width="stretch")
    st.download_button(
        "Exporter la liste des cibles (CSV)", target_list_csv(table, top), file_name=file_name(table),
        mime="text/csv", icon=":material/download:",
        help="Données agrégées par bureau de vote (aucune donnée personnelle).",
    )
    st.markdown("**Pourquoi ces bureaux ?** Chaque score avec les chiffres du bureau :")
    for _, row in top.iterrows():
        with st.expander(f"{int(row['position'])}. {plain(row['name'])} ({plain(row['commune'])}) — priorité "
                         f"{fmt_number(row['priority'], 2)}"):
            for line in table.explain_by_score(str(row["station_id"])).values():
                st.markdown(f"- {plain(line)}")
    with st.expander("Formules et sources"):
        for line in table.formulas.values():
            st.markdown(f"- {plain(line)}")
        for key, source in SOURCES.items():
            if key != "assumption":
                st.markdown(f"- {plain(source.citation)} — *vérifié* : {plain(source.verified)}")
    for note in table.notes:
        st.caption(f":material/info: {plain(note)}")


NOT_IDENTIFIED = "non identifiable ici"


def _details(result: EIResult) -> list[str]:
    """The diagnostic's figures, in French, for the « Détails du diagnostic » expander."""
    d = result.diagnostic
    out = [f"Bureaux utilisés : {fmt_number(d.get('n_units', 0))}"]
    if "design_rank" in d:
        out.append(f"Rang de la composition des bureaux : {d['design_rank']} pour {len(result.estimate)} catégories "
                   f"(conditionnement {fmt_number(d['design_condition'], 0)})")
    if result.method == "rxc":
        out.append(f"Convergence : {'oui' if d.get('converged') else 'non'} ({d.get('iterations', 0)} itérations, "
                   f"Newton {'abouti' if d.get('optimizer_success') else 'interrompu'})")
        if "hessian_condition" in d:
            out.append(f"Conditionnement de l'information : {fmt_number(d['hessian_condition'], 0)}")
        if d.get("interval_dof") is not None:
            out.append(f"Degrés de liberté des intervalles : {d['interval_dof']}")
    else:
        r2 = d.get("r2")
        out.append(f"Convergence : {'oui' if d.get('converged') else 'non'} ({d.get('projection_iterations', 0)} itérations)")
        out.append("R² : non défini (tous les bureaux ont le même résultat)" if r2 is None or r2 != r2
                   else f"R² : {fmt_number(r2, 2)}")
        out.append(f"Lignes hors bornes avant contrainte : {fmt_percent(d.get('rows_out_of_bounds', 0.0))}")
    out.append(f"Cases non identifiables ici (intervalle à 90 % plus large que {fmt_percent(WIDE_INTERVAL, 0)}) : "
               f"{int(result.wide.to_numpy().sum())}")
    return out


def identified_cells(cells: pd.DataFrame) -> pd.Series:
    """True where the cell's 90 % interval is narrow enough to show the estimate as a number."""
    return (cells["upper"] - cells["lower"]) <= WIDE_INTERVAL


def heatmap(cells: pd.DataFrame, *, row_title: str, col_title: str):  # noqa: ANN201 - an Altair chart
    """The heat map, with the cells the data do not pin down left blank and labelled « non identifiable ici »."""
    chart = charts.transfer_heatmap(cells, row_title=row_title, col_title=col_title)
    frame = getattr(chart, "data", None)
    if isinstance(frame, pd.DataFrame) and "valeur" in frame:
        wide = ~identified_cells(frame).to_numpy()
        if wide.any():
            frame = frame.copy()
            frame.loc[wide, "valeur"] = "non identifiable"
            frame.loc[wide, "intervalle"] = "ici"
            frame.loc[wide, "infobulle"] = [
                f"{a} → {b} : {NOT_IDENTIFIED} (intervalle à 90 % de {fmt_percent(lo, 0)} à {fmt_percent(hi, 0)})"
                for a, b, lo, hi in zip(frame.loc[wide, "from"], frame.loc[wide, "to"], frame.loc[wide, "lower"],
                                        frame.loc[wide, "upper"])
            ]
            frame.loc[wide, "estimate"] = float("nan")  # no colour: the share is not known
            frame.loc[wide, "dark"] = False
            chart.data = frame
    return chart


def _ei_result(inputs: ei_data.EIData, result: EIResult, *, row_title: str, col_title: str, key: str) -> None:
    st.markdown(f"**{plain(inputs.title)}** — {fmt_number(inputs.n_units)} bureaux, méthode "
                f"{'R × C (maximum de vraisemblance, bornes respectées)' if result.method == 'rxc' else 'régression de Goodman'}")
    good = result.converged and not result.warnings
    (st.success if good else st.warning)(f"Diagnostic : {result.diagnostic_fr}", icon=":material/monitoring:")
    with st.expander("Détails du diagnostic"):
        for line in _details(result):
            st.markdown(f"- {plain(line)}")
    cells = ei_data.long_table(result, row_totals=inputs.X.sum(axis=0))
    st.altair_chart(heatmap(cells, row_title=row_title, col_title=col_title), width="content")
    st.caption("Chaque ligne se lit en parts de la ligne (elle somme à 100 %) ; entre crochets, l'intervalle à 90 %. "
               f"Une case dont l'intervalle dépasse {fmt_percent(WIDE_INTERVAL, 0)} est « {NOT_IDENTIFIED} » : "
               "les résultats des bureaux ne la déterminent pas.")
    for note in inputs.notes:
        st.caption(f":material/info: {plain(note)}")
    shown = identified_cells(cells)
    table = cells.assign(
        estimate=[fmt_percent(v) if ok else NOT_IDENTIFIED for v, ok in zip(cells["estimate"], shown)],
        lower=[fmt_percent(v) for v in cells["lower"]],
        upper=[fmt_percent(v) for v in cells["upper"]],
        electors=[fmt_number(v) if ok else "—" for v, ok in zip(cells["electors"], shown)],
    ).rename(columns={"from": row_title, "to": col_title, "estimate": "Estimation", "lower": "Borne basse (90 %)",
                      "upper": "Borne haute (90 %)", "electors": "Électeurs estimés"})
    with st.expander("Tableau détaillé"):
        st.dataframe(table, hide_index=True, width="stretch")


def _pool_checkbox(name: str) -> bool:
    return st.checkbox(f"Regrouper avec les communes voisines si le territoire a moins de {MIN_UNITS} bureaux",
                       key=_k(name), help="Sinon, un territoire de moins de "
                       f"{MIN_UNITS} bureaux est refusé : trop peu de données pour une inférence écologique.")


def _pair_default(labels: dict[str, str]) -> tuple[str, str]:
    """A first round and its second round when the territory has both, else the two latest elections."""
    ids = list(labels)
    for first in reversed(ids):
        if first.endswith("_t1") and first[:-1] + "2" in labels:
            return first, first[:-1] + "2"
    return (ids[-2], ids[-1]) if len(ids) > 1 else (ids[0], ids[0])


def transfers_tab(choice: TargetChoice) -> None:
    elections = choices.elections(data.version(), choice.scope)
    labels = dict(zip(elections["election_id"], elections["label"]))
    if len(labels) < 2:
        st.info("Il faut deux élections sur ce territoire pour estimer des reports de voix.")
        return
    first, second = _pair_default(labels)
    cols = st.columns(4)
    _coerce("t_from", list(labels), first)
    _coerce("t_to", list(labels), second)
    cols[0].selectbox("De (1er tour ou élection antérieure)", list(labels), format_func=labels.get, key=_k("t_from"))
    cols[1].selectbox("Vers (2d tour ou élection suivante)", list(labels), format_func=labels.get, key=_k("t_to"))
    cols[2].radio("Catégories", ["candidate", "bloc"], format_func={"candidate": "candidats", "bloc": "blocs"}.get,
                  key=_k("t_type"), horizontal=True)
    cols[3].radio("Méthode", ["rxc", "goodman"], format_func={"rxc": "R × C", "goodman": "Goodman"}.get,
                  key=_k("t_method"), horizontal=True)
    keep = st.slider("Catégories gardées de chaque côté (les autres sont regroupées)", 2, 10, 5, key=_k("t_keep"))
    pool = _pool_checkbox("t_pool")
    kind = st.session_state[_k("t_type")]
    try:
        inputs, result = transfers(data.version(), st.session_state[_k("t_from")], st.session_state[_k("t_to")],
                                   choice.scope, kind, kind, keep, st.session_state[_k("t_method")], pool)
    except IsoloirError as error:
        st.warning(plain(error.message_fr))
        return
    _ei_result(inputs, result, row_title=labels[st.session_state[_k("t_from")]],
               col_title=labels[st.session_state[_k("t_to")]], key="transfers")


def groups_tab(choice: TargetChoice) -> None:
    available = group_sets(data.version())
    if not available:
        st.info("Aucun indicateur INSEE de groupes (âge, CSP, logement) pour ce territoire : importez des indicateurs IRIS.")
        return
    cols = st.columns(3)
    _coerce("g_set", list(available), list(available)[0])
    cols[0].selectbox("Groupes", list(available), format_func=available.get, key=_k("g_set"))
    cols[1].radio("Résultats par", ["bloc", "candidate"], format_func={"candidate": "candidats", "bloc": "blocs"}.get,
                  key=_k("g_type"), horizontal=True)
    cols[2].radio("Méthode", ["rxc", "goodman"], format_func={"rxc": "R × C", "goodman": "Goodman"}.get,
                  key=_k("g_method"), horizontal=True)
    pool = _pool_checkbox("g_pool")
    try:
        inputs, result = groups(data.version(), choice.election_id, choice.scope, st.session_state[_k("g_set")],
                                st.session_state[_k("g_type")], 6, st.session_state[_k("g_method")], pool)
    except IsoloirError as error:
        st.warning(plain(error.message_fr))
        return
    _ei_result(inputs, result, row_title="Groupe", col_title="Vote", key="groups")
    st.caption("Participation d'un groupe = 100 % − sa part d'abstention.")
