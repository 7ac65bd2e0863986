"""The Zones page's Streamlit parts: choices, lasso map and selection, zone list and actions, turfs, walk lists,
assignments.

Warehouse reads are cached (``st.cache_data`` keyed by ``data.version()``); the campaign
store is read afresh on every run and every write goes through ``dashboard.store`` (which
checks the user's rights and audits). The pure parts are in :mod:`dashboard.canvass.zone_map`.

Session state (keys ``zones_*``): the additions by attribute (``zones_additions``), the lasso
component's generation (``zones_gen``: a new key starts an empty selection), the zone being
edited on the map, the zone chosen in the list, the turf preview and one-shot messages.
Everything kept there pickles (the app enforces it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pandas as pd
import shapely
import streamlit as st
from shapely.geometry.base import BaseGeometry

from dashboard.targeting.scores import ScoreTable, compute_scores
import dashboard.canvass.sources as sources
from dashboard.canvass.selection import Selection, select, stations_at_least
from dashboard.canvass.turfs import cut_turfs
from dashboard.canvass.streets import route_path, street_lines
from dashboard.canvass.walklist import in_walk_order
from dashboard.canvass.counts import DEFAULT_SCORE_COLUMNS, zone_counts
from dashboard.canvass.counts import ZoneCounts as SelectionCounts
from dashboard.canvass.selection import EMPTY_POLYGON, polygonal
from dashboard.canvass.turfs import (DEFAULT_TURF_DOORS, MAX_TURF_DOORS, MAX_TURFS, WARN_TURFS, TurfPlan, doors_fr,
                                     planned_turfs, smallest_size, too_many_turfs_fr, turfs_fr)
from dashboard.canvass.walklist import walklist_csv
from dashboard.canvass.walklist_pdf import walklist_pdf
from dashboard.canvass.sheet import drop_opposed, sheet_rows
from dashboard.errors import IsoloirError
from dashboard.formats import fmt_number, paris_today
from dashboard.canvass.lasso_state import LassoMapState, parse_state
from dashboard.maps.build import MapSpec, build_map
from dashboard.maps.view import MapView
from dashboard.maps.measure_types import TARGET_TYPES
from dashboard.store import opposition, questionnaires
from dashboard.store import turfs as turf_store
from dashboard.store import users, zones
from dashboard.store import visits as visit_store
from dashboard.store.campaign import CampaignStore
from dashboard.store.errors import EditConflict
from dashboard.targeting.target_map import SCORE_CHOICES, score_result
from dashboard.maps.territory import Scope, Territory
from dashboard.ui import choices, data, map_panel
from dashboard.ui.map_component import STATE_KEY, lasso_map, map_component
from dashboard.text import plain
from dashboard.canvass.zone_map import (
    TurfShape, add_overlays, addresses_with_doors, assigned_overlaps, build_region, counts_lines, plan_frame, plan_from_state, plan_to_state,
    progress_frame,
    store_counts, toggle_stations, turf_deck, turf_shapes, union_of, versions_frame, walk_frame, walk_of_turf,
    zones_frame,
)
from layers.legend import legend_html

MAP_WIDTH = 700  # the narrowest map expected (a laptop): the territory is fitted to it
MAP_HEIGHT = 560
PREVIEW_HEIGHT = 460
SCORE_TARGET_TYPES = ("bloc", "candidate", "nuance")
_GEN = "zones_gen"
_ADDITIONS = "zones_additions"
_EDITING = "zones_editing"
_CURRENT = "zones_current"
_PENDING = "zones_pending_current"
_FLASH = "zones_flash"
_PREVIEW = "zones_preview"
_LASSO_PREFIX = "zones_lasso_"
_SEEN = "zones_seen_versions"  # ("zone" | "turf", id) -> row_version drawn on the previous run
_EXPECTED = "zones_expected_versions"  # the same, as the user saw it when they clicked (this run)
_EDITING_VERSION = "zones_editing_version"  # the zone's row_version when its outline was loaded for editing
_CONFLICT = "zones_conflict"  # a stale save was refused: offer « Recharger la zone » on the next run


# -- one-shot messages and pending widget values ----------------------------------------------
def _sentence(message: str) -> str:
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?", "»")) else ".")


def flash(kind: str, message: str) -> None:
    """A message shown at the top of the next run (after ``st.rerun``)."""
    st.session_state.setdefault(_FLASH, []).append((kind, message))


def show_flash() -> None:
    for kind, message in st.session_state.pop(_FLASH, []):
        {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)(plain(message))
    if st.session_state.pop(_CONFLICT, False):  # drawn here, outside every form (a form allows no other button)
        st.button("Recharger la zone", key="zones_reload", icon=":material/refresh:", on_click=reload_zone)


def error(err: IsoloirError) -> None:
    if isinstance(err, EditConflict):  # saved from a stale copy: say so at the top, with the latest copy offered
        flash("error", _sentence(err.message_fr))
        st.session_state[_CONFLICT] = True
        st.rerun()
    st.error(plain(_sentence(err.message_fr)), icon=":material/error:")


def reload_zone() -> None:
    """Drop what was built on the stale copy (outline being edited, turf preview); the next run reads the zone anew."""
    clear_selection()
    st.session_state.pop(_PREVIEW, None)
    st.session_state.pop(_SEEN, None)
    flash("info", "Zone rechargée : voici sa dernière version.")


def see(kind: str, object_id: int, row_version: int) -> None:
    """Note the version drawn on this run; :func:`expected_version` gives it back on the next run (the click's)."""
    key = (kind, int(object_id))
    seen = st.session_state.setdefault(_SEEN, {})
    st.session_state.setdefault(_EXPECTED, {})[key] = seen.get(key, row_version)
    seen[key] = row_version


def expected_version(kind: str, object_id: int, current: int) -> int:
    """The ``row_version`` the user saw when they clicked: a save from a stale page is refused by the store."""
    return int(st.session_state.get(_EXPECTED, {}).get((kind, int(object_id)), current))


# -- the choices (sidebar) --------------------------------------------------------------------
@dataclass(frozen=True)
class Context:
    """What the page works on: territory, election of the counts, optional target scores."""

    communes: tuple[str, ...]
    commune_names: dict[str, str]
    scope: Scope
    election_id: str | None
    election_label: str
    score: str = "priority"
    scores: ScoreTable | None = field(default=None, repr=False)

    @property
    def score_label(self) -> str:
        return SCORE_CHOICES.get(self.score, self.score)

    @property
    def target_label(self) -> str | None:
        """What the stored score sum was computed for (« Priorité combinée — Gauche — Législatives… »)."""
        if self.scores is None:
            return None
        return f"{self.score_label} — {self.scores.target_label} — {self.scores.election_label}"


@st.cache_data(show_spinner="Calcul des scores…", max_entries=32)
def _scores(version: int, election_id: str, target_type: str, target: str, scope: Scope) -> ScoreTable:
    return compute_scores(data.warehouse(), election_id, target_type, target, scope)


def controls() -> Context:
    """The sidebar: communes, election of the counts, target and score (optional)."""
    version = data.version()
    with st.sidebar:
        st.header("Zones")
        communes = choices.communes(version, ())
        codes = [str(c) for c in communes["code"]]
        names = dict(zip(codes, [str(n) for n in communes["name"]], strict=True))
        if len(codes) > 1:
            if "zones_communes" not in st.session_state:
                st.session_state["zones_communes"] = codes if len(codes) <= 5 else codes[:1]
            commune_labels = {c: f"{names.get(c, c)} ({c})" for c in codes}
            chosen = tuple(st.multiselect("Communes", codes, format_func=commune_labels.get,
                                          key="zones_communes", placeholder="Toutes les communes"))
        else:
            chosen = tuple(codes)
        scope = map_panel.scope_of_territory(Territory((), chosen, None))
        elections = choices.elections(version, scope)
        if elections.empty:
            st.warning("Aucune élection dans ce territoire : les inscrits et les scores ne peuvent pas être estimés.")
            return Context(chosen, names, scope, None, "")
        ids = [str(e) for e in elections["election_id"]][::-1]  # latest first
        labels = dict(zip(elections["election_id"].astype(str), elections["label"].astype(str), strict=True))
        election = st.selectbox("Élection des chiffres", ids, format_func=labels.get, key="zones_election",
                                help="Inscrits de cette élection, répartis sur les adresses de chaque bureau.")
        kinds = {k: TARGET_TYPES[k] for k in SCORE_TARGET_TYPES}
        target_type = st.selectbox("Type de cible", list(kinds), format_func=kinds.get, key="zones_target_type")
        targets = choices.targets(version, election, target_type, scope)
        target_labels = dict(zip(targets["key"].astype(str), targets["label"].astype(str), strict=True))
        target_options = {"": "Aucune (sans score)", **target_labels}
        target = st.selectbox("Cible des scores", list(target_options), key="zones_target", format_func=target_options.get,
                              help="Colore la carte par score, permet de sélectionner les bureaux au-dessus d'un seuil "
                                   "et donne la somme des scores et les votes nets attendus d'une zone.")
        context = Context(chosen, names, scope, election, labels.get(election, election))
        if not target:
            return context
        score = st.selectbox("Score", list(SCORE_CHOICES), format_func=SCORE_CHOICES.get, key="zones_score")
        try:
            table = _scores(version, election, target_type, target, scope)
        except IsoloirError as err:
            error(err)
            return context
        return replace(context, score=score, scores=table)


# -- cached warehouse reads -------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=128)
def _select(version: int, wkb: bytes, election_id: str | None) -> tuple[Selection, pd.Series | None]:
    wh = data.warehouse()
    selection = select(wh, shapely.from_wkb(wkb), election_id=election_id)
    registered = None
    if election_id:
        registered = sources.registered_by_station(wh, election_id, list(selection.stations["station_id"].astype(str)))
    return selection, registered


@st.cache_data(show_spinner=False, max_entries=256)
def _contours(version: int, station_ids: tuple[str, ...], election_id: str | None) -> dict[str, BaseGeometry]:
    stations = sources.stations_by_id(data.warehouse(), station_ids, election_id=election_id)
    return dict(zip(stations["station_id"].astype(str), stations.geometry, strict=True))


@st.cache_data(show_spinner=False, max_entries=64)
def _commune_shape(version: int, code: str, election_id: str | None) -> BaseGeometry:
    wh = data.warehouse()
    contour = sources.commune_geometry(wh, code)
    if contour is not None:
        return polygonal(shapely.make_valid(contour))
    stations = sources.stations_of_commune(wh, code, election_id=election_id)
    return union_of(stations.geometry)


@st.cache_data(show_spinner=False, max_entries=256)
def _iris_shape(version: int, code: str) -> BaseGeometry:
    contour = sources.iris_geometry(data.warehouse(), code)
    return polygonal(shapely.make_valid(contour)) if contour is not None else EMPTY_POLYGON


@st.cache_data(show_spinner=False, max_entries=32)
def _iris_choices(version: int, communes: tuple[str, ...]) -> pd.DataFrame:
    return data.warehouse().query(
        """SELECT code_iris, coalesce(name, code_iris) AS name FROM iris
           WHERE len(?::VARCHAR[]) = 0 OR list_contains(?::VARCHAR[], commune_code) ORDER BY code_iris""",
        [list(communes), list(communes)],
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _address_rows(version: int, address_ids: tuple[str, ...], election_id: str | None) -> pd.DataFrame:
    return addresses_with_doors(data.warehouse(), address_ids, election_id)


def contours(ctx: Context, station_ids: Sequence[str]) -> dict[str, BaseGeometry]:
    return _contours(data.version(), tuple(sorted(set(station_ids))), ctx.election_id)


def zone_shape(ctx: Context, zone: zones.Zone) -> BaseGeometry:
    """The zone's lasso outline, or the union of its stations' contours when it has none."""
    if zone.geometry_wkb:
        return polygonal(shapely.make_valid(shapely.from_wkb(zone.geometry_wkb)))
    return union_of(contours(ctx, zone.station_ids).values())


def address_rows(ctx: Context, address_ids: Sequence[str]) -> pd.DataFrame:
    return _address_rows(data.version(), tuple(address_ids), ctx.election_id)


# -- the selection --------------------------------------------------------------------------
def additions() -> list[dict[str, Any]]:
    return st.session_state.setdefault(_ADDITIONS, [])


def add_addition(addition: dict[str, Any]) -> None:
    st.session_state[_ADDITIONS] = [*additions(), addition]


def clear_selection() -> None:
    """Forget the additions and start an empty lasso map (a new component key)."""
    st.session_state[_ADDITIONS] = []
    st.session_state[_GEN] = int(st.session_state.get(_GEN, 0)) + 1
    st.session_state.pop(_EDITING, None)
    st.session_state.pop(_EDITING_VERSION, None)


def map_key() -> str:
    return f"{_LASSO_PREFIX}{int(st.session_state.get(_GEN, 0))}"


def lasso_state(key: str) -> LassoMapState:
    """The lassos and clicks Streamlit holds for the map ``key`` (the browser's last report), before it is drawn."""
    try:
        value = st.session_state[key]
    except (KeyError, AttributeError):
        return LassoMapState()
    return parse_state(value.get(STATE_KEY) if isinstance(value, dict) or hasattr(value, "get") else None)


def addition_shape(ctx: Context, addition: dict[str, Any]) -> BaseGeometry:
    version = data.version()
    kind = addition.get("kind")
    if kind == "commune":
        return _commune_shape(version, str(addition["code"]), ctx.election_id)
    if kind == "iris":
        return _iris_shape(version, str(addition["code"]))
    if kind == "stations":
        return union_of(contours(ctx, addition["ids"]).values())
    if kind == "zone" and addition.get("wkb"):
        return polygonal(shapely.make_valid(shapely.from_wkb(addition["wkb"])))
    return EMPTY_POLYGON


@dataclass
class Current:
    """The selection being built: its polygon, what it covers, its counts and French notes."""

    polygon: BaseGeometry
    selection: Selection
    counts: SelectionCounts | None
    notes: list[str]

    @property
    def empty(self) -> bool:
        return self.polygon.is_empty or self.selection.is_empty


def current_selection(ctx: Context, state: LassoMapState) -> Current:
    """The polygon of the additions, lassos and clicks (see :mod:`dashboard.canvass.zone_map`) and what it covers."""
    version = data.version()
    region = build_region([addition_shape(ctx, a) for a in additions()], state.lassos)
    polygon = region.polygon
    notes = list(region.problems)
    if state.clicked_keys:
        base = _select(version, shapely.to_wkb(polygon), ctx.election_id)[0] if not polygon.is_empty else None
        polygon, _, _ = toggle_stations(polygon, base.station_ids if base is not None else (), state.clicked_keys,
                                        contours(ctx, state.clicked_keys))
    if polygon.is_empty:
        empty = select(data.warehouse(), EMPTY_POLYGON)
        return Current(EMPTY_POLYGON, empty, None, notes)
    selection, registered = _select(version, shapely.to_wkb(polygon), ctx.election_id)
    if selection.is_empty:
        return Current(polygon, selection, None, notes)
    columns = list(dict.fromkeys([ctx.score, *DEFAULT_SCORE_COLUMNS]))
    counts = zone_counts(selection, registered=registered,
                         scores=ctx.scores.frame if ctx.scores is not None else None, score_columns=columns)
    return Current(polygon, selection, counts, notes)


# -- the map ----------------------------------------------------------------------------------
def station_map(ctx: Context, *, zone_shapes: Sequence[tuple[str, BaseGeometry, int]], included: Sequence[str],
                polygon: BaseGeometry | None, turfs: Sequence[BaseGeometry]) -> MapSpec:
    """The stations (coloured by the chosen score, else by turnout), the zones, the selection and the turfs."""
    sources_ = map_panel.sources()
    if ctx.scores is not None:
        result = score_result(ctx.scores, ctx.score)
        view = MapView(election_id=ctx.election_id or "", kind="share", communes=ctx.communes, title=result.title)
        scope = ctx.scope
        sources_ = replace(sources_, measure=lambda _view, _scope: result, scope=lambda _view: scope)
    else:
        view = MapView(election_id=ctx.election_id or "", kind="turnout", communes=ctx.communes)
    spec = build_map(view, sources_, width_px=MAP_WIDTH, height_px=MAP_HEIGHT, map_style=None)
    return add_overlays(spec, zones=zone_shapes, included=included, region=polygon, turfs=turfs)


def holders(zone_list: Sequence[zones.Zone], all_turfs: Sequence[turf_store.Turf]) -> dict[int, tuple[str, ...]]:
    """Who holds each zone: the people it is assigned to, then those of its turfs."""
    found: dict[int, list[str]] = {z.zone_id: list(z.assigned_to) for z in zone_list}
    for turf in all_turfs:
        found.setdefault(turf.zone_id, []).extend(turf.assigned_to)
    return {zone_id: tuple(dict.fromkeys(names)) for zone_id, names in found.items()}


def _overlap_warnings(ctx: Context, current: Current, zone_list: Sequence[zones.Zone], editing: zones.Zone | None,
                      holders_of_zones: dict[int, tuple[str, ...]]) -> None:
    """Warn when the selection overlaps a zone already assigned to someone (saying who)."""
    if current.empty:
        return
    others = [(z.name, zone_shape(ctx, z), holders_of_zones.get(z.zone_id, ())) for z in zone_list
              if editing is None or z.zone_id != editing.zone_id]
    for overlap in assigned_overlaps(current.polygon, others):
        st.warning(plain(overlap.message_fr), icon=":material/group:")


def selection_section(ctx: Context, store: CampaignStore, user: users.User, zone_list: Sequence[zones.Zone],
                      chosen: zones.Zone | None, turf_outlines: Sequence[BaseGeometry],
                      holders_of_zones: dict[int, tuple[str, ...]] | None = None) -> Current:
    """The lasso map, the selection's counts, the overlaps with assigned zones, the additions by attribute and
    the save form."""
    holders_of_zones = holders_of_zones or {}
    key = map_key()
    before = lasso_state(key)
    current = current_selection(ctx, before)
    zone_shapes = [(z.name, zone_shape(ctx, z), z.zone_id) for z in zone_list]
    editing = _editing_zone(zone_list)
    st.subheader("Sélection" if editing is None else f"Modification de la zone « {plain(editing.name)} »")
    left, right = st.columns([3, 1.35], gap="medium")
    with left:
        try:
            spec = station_map(ctx, zone_shapes=zone_shapes, included=current.selection.station_ids,
                               polygon=None if current.empty else current.polygon, turfs=turf_outlines)
        except IsoloirError as err:
            error(err)
            return current
        state = lasso_map(spec.deck, key=key, height=MAP_HEIGHT, click_layers=[spec.layer_id])
        if state != before:  # the browser reported something new while this run started: draw it again
            st.rerun()
        st.caption(
            ":material/gesture: **Lasso** puis tracez un contour : les adresses à l'intérieur et les bureaux dont au "
            "moins la moitié des adresses y sont forment la sélection (contour orange, bureaux cernés de noir). "
            "**Retirer** découpe un lasso dans la sélection ; un clic sur un bureau l'ajoute ou le retire. "
            "Zones enregistrées : aplats de couleur et noms." + (" Secteurs de la zone choisie : traits bleu-vert."
                                                                 if turf_outlines else "")
        )
    with right:
        _counts_panel(ctx, current)
        _overlap_warnings(ctx, current, zone_list, editing, holders_of_zones)
        _additions_panel(ctx)
        _save_panel(ctx, store, user, current, editing)
        with st.expander("Légende de la carte"):
            st.html(legend_html(spec.legend))
    return current


def _counts_panel(ctx: Context, current: Current) -> None:
    st.markdown("**Chiffres de la sélection**")
    for note in current.notes:
        st.warning(plain(note), icon=":material/warning:")
    if current.counts is None:
        message = current.selection.message_fr or "Tracez un lasso sur la carte pour commencer une zone."
        (st.info if current.polygon.is_empty else st.warning)(message, icon=":material/info:")
        return
    lines = counts_lines(current.counts, score_column=ctx.score if ctx.scores is not None else None)
    helps = {"Somme des scores": f"« {ctx.score_label} » des bureaux touchés, pondéré par leur part dans la sélection.",
             "Votes nets attendus": "Votes nets (cible moins son principal rival) d'un passage à chaque porte de la sélection."}
    columns = st.columns(2)
    for index, (label, value) in enumerate(lines):
        columns[index % 2].metric(label, value, help=helps.get(label))
    for note in current.counts.notes_fr:
        st.caption(f":material/info: {plain(note)}")
    if ctx.election_id:
        st.caption(f"Inscrits : {plain(ctx.election_label)}. Portes : estimées d'après les adresses du REU.")


def _additions_panel(ctx: Context) -> None:
    listed = additions()
    with st.expander("Ajouter par attribut", icon=":material/add_circle:"):
        with st.form("zones_add_commune", border=False):
            commune_labels = {c: ctx.commune_names.get(c, c) for c in ctx.communes} or {"": "—"}
            commune = st.selectbox("Commune entière", list(commune_labels), format_func=commune_labels.get,
                                   key="zones_add_commune_code")
            if st.form_submit_button("Ajouter la commune") and commune:
                add_addition({"kind": "commune", "code": commune, "label": f"commune {ctx.commune_names.get(commune, commune)}"})
                st.rerun()
        iris = _iris_choices(data.version(), ctx.communes)
        if len(iris):
            names = dict(zip(iris["code_iris"].astype(str), iris["name"].astype(str), strict=True))
            iris_labels = {c: f"{n} ({c})" for c, n in names.items()}
            with st.form("zones_add_iris", border=False):
                code = st.selectbox("IRIS", list(iris_labels), format_func=iris_labels.get, key="zones_add_iris_code")
                if st.form_submit_button("Ajouter l'IRIS"):
                    add_addition({"kind": "iris", "code": code, "label": f"IRIS {names[code]}"})
                    st.rerun()
        if ctx.scores is None:
            st.caption("Bureaux selon un score : choisissez d'abord une cible dans la barre latérale.")
        else:
            values = pd.to_numeric(ctx.scores.frame[ctx.score], errors="coerce")
            with st.form("zones_add_score", border=False):
                minimum = st.number_input(f"Bureaux dont « {ctx.score_label} » est au moins", value=float(values.quantile(0.75))
                                          if values.notna().any() else 0.0, format="%.3f",
                                          key="zones_add_score_min")
                if st.form_submit_button("Ajouter ces bureaux"):
                    chosen = stations_at_least(ctx.scores.frame, ctx.score, float(minimum))
                    if not chosen:
                        st.warning(f"Aucun bureau n'atteint {fmt_number(minimum, 3)} pour « {ctx.score_label} ».")
                    else:
                        add_addition({"kind": "stations", "ids": chosen,
                                      "label": f"{len(chosen)} bureaux « {ctx.score_label} » ≥ {fmt_number(minimum, 3)}"})
                        st.rerun()
    if listed:
        st.caption("Ajouts : " + " ; ".join(str(a.get("label", a.get("kind"))) for a in listed))
    if listed or not lasso_state(map_key()).empty:
        st.button("Effacer la sélection", icon=":material/delete_sweep:", key="zones_clear", on_click=clear_selection)


def _editing_zone(zone_list: Sequence[zones.Zone]) -> zones.Zone | None:
    editing = st.session_state.get(_EDITING)
    return next((z for z in zone_list if z.zone_id == editing), None)


def _zone_fields(ctx: Context, current: Current) -> dict[str, Any]:
    """What create/update store for the current selection."""
    assert current.counts is not None
    return {
        "station_ids": list(current.selection.station_ids),
        "geometry_wkb": shapely.to_wkb(current.polygon),
        "address_ids": list(current.selection.address_ids),
        "counts": store_counts(current.counts, election_id=ctx.election_id,
                               score_column=ctx.score if ctx.scores is not None else None, target_label=ctx.target_label),
    }


EMPTY_SELECTION = ("La sélection est vide : tracez un lasso autour des adresses (ou ajoutez une commune, un IRIS ou "
                   "des bureaux) avant d'enregistrer.")


def create_from_selection(ctx: Context, store: CampaignStore, user: users.User, current: Current, name: str) -> zones.Zone:
    """Save the selection as a new zone (raises :class:`IsoloirError` with a French message)."""
    if current.empty or current.counts is None:
        raise IsoloirError(EMPTY_SELECTION)
    return zones.create_zone(store, name, by=user, **_zone_fields(ctx, current))


def replace_with_selection(ctx: Context, store: CampaignStore, user: users.User, current: Current,
                           zone_id: int, expected_row_version: int | None = None) -> zones.Zone:
    """Replace the zone's polygon, stations, addresses and counts by the selection's (one new version); refused
    (:class:`~dashboard.store.zones.ZoneConflict`) when the zone changed since ``expected_row_version`` was read."""
    if current.empty or current.counts is None:
        raise IsoloirError(EMPTY_SELECTION)
    return zones.update_zone(store, zone_id, by=user, expected_row_version=expected_row_version, **_zone_fields(ctx, current))


def _save_panel(ctx: Context, store: CampaignStore, user: users.User, current: Current,
                editing: zones.Zone | None) -> None:
    gen = int(st.session_state.get(_GEN, 0))
    if editing is not None:
        st.info(f"Le contour de « {plain(editing.name)} » est chargé : ajoutez ou retirez des lassos, puis enregistrez.",
                icon=":material/edit:")
        if st.button("Enregistrer les modifications", type="primary", key="zones_save_edit", icon=":material/save:"):
            try:
                zone = replace_with_selection(ctx, store, user, current, editing.zone_id,
                                              st.session_state.get(_EDITING_VERSION, editing.row_version))
            except IsoloirError as err:
                error(err)
            else:
                _after_save(zone, f"Zone « {zone.name} » modifiée (version {zone.version}).")
        st.button("Annuler la modification", key="zones_cancel_edit", on_click=clear_selection)
        return
    with st.form(f"zones_save_{gen}", border=True):
        name = st.text_input("Nom de la zone", max_chars=zones.MAX_ZONE_NAME, key=f"zones_name_{gen}",
                             placeholder="ex. Centre-ville — quartier de la gare")
        submitted = st.form_submit_button("Enregistrer la zone", type="primary", icon=":material/save:")
    if submitted:
        try:
            zone = create_from_selection(ctx, store, user, current, name)
        except IsoloirError as err:
            error(err)
        else:
            _after_save(zone, f"Zone « {zone.name} » enregistrée : {fmt_number(len(zone.station_ids))} bureaux, "
                              f"{fmt_number(zone.address_count)} adresses.")


def _after_save(zone: zones.Zone, message: str) -> None:
    flash("success", message)
    st.session_state[_PENDING] = zone.zone_id
    clear_selection()
    st.rerun()


# -- the zones list ---------------------------------------------------------------------------
def chosen_zone(zone_list: Sequence[zones.Zone]) -> zones.Zone | None:
    """The zone chosen in the list (kept in session state; the newest saved one after a save)."""
    pending = st.session_state.pop(_PENDING, None)
    ids = [z.zone_id for z in zone_list]
    if pending in ids:
        st.session_state[_CURRENT] = pending
    if not ids:
        st.session_state.pop(_CURRENT, None)
        return None
    if st.session_state.get(_CURRENT) not in ids:
        st.session_state[_CURRENT] = ids[0]
    return next(z for z in zone_list if z.zone_id == st.session_state[_CURRENT])


def zones_section(ctx: Context, store: CampaignStore, user: users.User, zone_list: Sequence[zones.Zone],
                  all_turfs: Sequence[turf_store.Turf], current: Current) -> zones.Zone | None:
    """The list of zones and, for the chosen one: rename, duplicate, status, edit, delete, history."""
    st.subheader("Zones enregistrées")
    if not zone_list:
        st.info("Aucune zone enregistrée : tracez un lasso sur la carte, nommez la zone et enregistrez-la.",
                icon=":material/info:")
        return None
    counts: dict[int, int] = {}
    for turf in all_turfs:
        counts[turf.zone_id] = counts.get(turf.zone_id, 0) + 1
    st.table(zones_frame(zone_list, counts), hide_index=True)
    names = {z.zone_id: z.name for z in zone_list}
    zone_id = st.selectbox("Zone choisie", list(names), format_func=names.get, key=_CURRENT)
    zone = next(z for z in zone_list if z.zone_id == zone_id)
    see("zone", zone.zone_id, zone.row_version)
    seen = expected_version("zone", zone.zone_id, zone.row_version)
    summary = [f"{fmt_number(len(zone.station_ids))} bureaux", f"{fmt_number(zone.address_count)} adresses"]
    if zone.counts is not None:
        summary += [doors_fr(zone.counts.doors or 0), f"{fmt_number(zone.counts.registered)} inscrits"]
        if zone.counts.score_sum is not None:
            summary.append(f"somme des scores {fmt_number(zone.counts.score_sum, 1)} ({zone.counts.target or '—'})")
        if zone.counts.expected_net_votes is not None:
            summary.append(f"votes nets attendus {fmt_number(zone.counts.expected_net_votes, 2)}")
    st.caption(f"**{plain(zone.name)}** — {zone.status_label} — " + " · ".join(summary)
               + (f" — affectée à {', '.join(zone.assigned_to)}" if zone.assigned_to else ""))

    rename, copy, status = st.columns(3)
    with rename, st.form("zones_rename", border=True):
        new_name = st.text_input("Nouveau nom", value=zone.name, max_chars=zones.MAX_ZONE_NAME, key=f"zones_rename_{zone.zone_id}_{zone.version}")
        if st.form_submit_button("Renommer", icon=":material/edit:"):
            _act(lambda: zones.rename_zone(store, zone.zone_id, new_name, by=user, expected_row_version=seen), "Zone renommée : « {name} ».")
    with copy, st.form("zones_duplicate", border=True):
        copy_name = st.text_input("Nom de la copie", value=f"{zone.name} (copie)", max_chars=zones.MAX_ZONE_NAME,
                                  key=f"zones_copy_{zone.zone_id}_{zone.version}")
        if st.form_submit_button("Dupliquer", icon=":material/content_copy:"):
            _act(lambda: zones.duplicate_zone(store, zone.zone_id, copy_name, by=user),
                 "Copie « {name} » créée (sans affectation ni secteur).", select_result=True)
    with status, st.form("zones_status", border=True):
        statuses = list(zones.ZONE_STATUSES)
        new_status = st.selectbox("Statut", statuses, index=statuses.index(zone.status) if zone.status in statuses else 0,
                                  format_func=zones.ZONE_STATUSES.get, key=f"zones_status_{zone.zone_id}_{zone.version}")
        if st.form_submit_button("Changer le statut", icon=":material/flag:"):
            _act(lambda: zones.set_zone_status(store, zone.zone_id, new_status, by=user, expected_row_version=seen),
                 "Statut de « {name} » : {status}.")

    edit, swap = st.columns(2)
    edit.button("Modifier le contour sur la carte", icon=":material/edit_location_alt:", key="zones_edit",
                on_click=_load_for_edit, args=(zone.zone_id, zone.name, zone.geometry_wkb, tuple(zone.station_ids), zone.row_version),
                help="Charge la zone dans la sélection : ajoutez ou retirez des lassos, puis enregistrez les modifications.")
    if swap.button("Remplacer par la sélection en cours", icon=":material/swap_horiz:", key="zones_replace",
                   disabled=current.empty, help="La zone prend le contour, les bureaux, les adresses et les chiffres de la "
                                                "sélection en cours (une nouvelle version ; l'ancienne reste dans l'historique)."):
        try:
            updated = replace_with_selection(ctx, store, user, current, zone.zone_id, seen)
        except IsoloirError as err:
            error(err)
        else:
            _after_save(updated, f"Zone « {updated.name} » remplacée par la sélection (version {updated.version}).")

    with st.expander("Historique des versions", icon=":material/history:"):
        _history(store, user, zone)
    with st.expander("Supprimer la zone", icon=":material/delete:"):
        with st.form("zones_delete", border=False):
            sure = st.checkbox(f"Je confirme la suppression de « {plain(zone.name)} », de ses secteurs, de ses affectations et "
                               "de son historique.", key=f"zones_delete_ok_{zone.zone_id}_{zone.version}")
            if st.form_submit_button("Supprimer définitivement", type="primary", icon=":material/delete_forever:"):
                if not sure:
                    st.warning("Cochez la case de confirmation pour supprimer la zone.")
                else:
                    try:
                        zones.delete_zone(store, zone.zone_id, by=user, expected_row_version=seen)
                    except IsoloirError as err:
                        error(err)
                    else:
                        flash("success", f"Zone « {zone.name} » supprimée.")
                        st.session_state.pop(_CURRENT, None)
                        st.session_state.pop(_PREVIEW, None)
                        if st.session_state.get(_EDITING) == zone.zone_id:
                            clear_selection()
                        st.rerun()
    return zone


def _act(action: Any, message: str, *, select_result: bool = False) -> None:
    """Run a store write; on success, a message (``{name}``, ``{status}``: of the zone returned) and a rerun."""
    try:
        zone = action()
    except IsoloirError as err:
        error(err)
        return
    flash("success", message.format(name=zone.name, status=zone.status_label))
    if select_result:
        st.session_state[_PENDING] = zone.zone_id
    st.rerun()


def _load_for_edit(zone_id: int, name: str, geometry_wkb: bytes | None, station_ids: tuple[str, ...],
                   row_version: int | None = None) -> None:
    clear_selection()
    addition: dict[str, Any] = {"kind": "zone", "zone_id": zone_id, "label": f"zone « {name} »"}
    if geometry_wkb:
        addition["wkb"] = bytes(geometry_wkb)
    else:
        addition = {"kind": "stations", "ids": list(station_ids), "label": f"bureaux de la zone « {name} »"}
    st.session_state[_ADDITIONS] = [addition]
    st.session_state[_EDITING] = zone_id
    st.session_state[_EDITING_VERSION] = row_version


def _history(store: CampaignStore, user: users.User, zone: zones.Zone) -> None:
    try:
        versions = zones.zone_versions(store, zone.zone_id, by=user)
    except IsoloirError as err:
        error(err)
        return
    if not versions:
        st.caption("Pas encore d'historique pour cette zone.")
        return
    st.dataframe(versions_frame(versions, zones.VERSION_OPS, zones.ZONE_STATUSES), hide_index=True, width="stretch")
    older = [v.version for v in versions[1:]]
    if not older:
        st.caption("Une seule version : rien à restaurer.")
        return
    with st.form("zones_restore", border=False):
        older_labels = {n: f"version {n}" for n in older}
        chosen = st.selectbox("Version à restaurer", older, key=f"zones_restore_{zone.zone_id}_{zone.version}", format_func=older_labels.get)
        if st.form_submit_button("Restaurer cette version", icon=":material/restore:"):
            _act(lambda: zones.restore_zone_version(store, zone.zone_id, chosen, by=user,
                                                    expected_row_version=expected_version("zone", zone.zone_id, zone.row_version)),
                 f"Version {chosen} restaurée : « {{name}} » (les secteurs et les affectations ne changent pas).")


# -- turfs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    """A cut not saved yet; kept in session state as builtins (:meth:`to_state`)."""

    zone_id: int
    zone_version: int
    target_doors: int
    plan: TurfPlan

    def to_state(self) -> dict[str, Any]:
        return {"zone_id": self.zone_id, "zone_version": self.zone_version, "target_doors": self.target_doors,
                "plan": plan_to_state(self.plan)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Preview:
        return cls(int(state["zone_id"]), int(state["zone_version"]), int(state["target_doors"]),
                   plan_from_state(state["plan"]))


def cut_zone(ctx: Context, store: CampaignStore, user: users.User, zone: zones.Zone, target_doors: int) -> Preview:
    """Cut the zone's addresses into turfs of about ``target_doors`` doors, each in walking order."""
    address_ids = zones.zone_address_ids(store, zone.zone_id, by=user)
    if not address_ids and zone.station_ids:  # a zone of stations only (made elsewhere): all their REU addresses
        address_ids = tuple(sources.addresses_of_stations(data.warehouse(), zone.station_ids)["address_id"].astype(str))
    rows = address_rows(ctx, address_ids)
    if not len(rows):
        raise IsoloirError("La zone ne contient aucune adresse du répertoire électoral : rien à découper.")
    plan = in_walk_order(cut_turfs(rows, int(target_doors), zone=zone_shape(ctx, zone)), rows)
    return Preview(zone.zone_id, zone.version, int(target_doors), plan)


def save_preview(store: CampaignStore, user: users.User, preview: Preview, *, replace_assigned: bool = False,
                 expected_row_version: int | None = None) -> list[turf_store.Turf]:
    return turf_store.save_turfs(store, preview.zone_id, [turf_store.TurfInput.of(t) for t in preview.plan.turfs], by=user,
                                 replace_assigned=replace_assigned, expected_row_version=expected_row_version)


def preview_of(zone: zones.Zone | None) -> Preview | None:
    state = st.session_state.get(_PREVIEW)
    if zone is None or not isinstance(state, dict) or state.get("zone_id") != zone.zone_id:
        return None
    return Preview.from_state(state)


def turf_outlines(zone: zones.Zone | None, zone_turfs: Sequence[turf_store.Turf]) -> list[BaseGeometry]:
    """The turfs drawn on the station map: the preview's, else the saved ones."""
    preview = preview_of(zone)
    if preview is not None:
        return [t.geometry for t in preview.plan.turfs if t.geometry is not None]
    return [shapely.from_wkb(t.geometry_wkb) for t in zone_turfs if t.geometry_wkb]


def _points(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[["lon", "lat"]] if len(rows) else pd.DataFrame({"lon": [], "lat": []})


def turfs_section(ctx: Context, store: CampaignStore, user: users.User, zone: zones.Zone,
                  zone_turfs: Sequence[turf_store.Turf]) -> None:
    st.subheader(f"Secteurs de « {plain(zone.name)} »")
    size, go = st.columns([1, 2], vertical_alignment="bottom")
    doors = size.number_input("Portes par secteur", min_value=1, max_value=MAX_TURF_DOORS, value=DEFAULT_TURF_DOORS,
                              step=5, key="zones_turf_doors", help="Taille visée de chaque secteur (± 20 %).")
    total = zone.counts.doors if zone.counts is not None and zone.counts.doors else None
    expected = planned_turfs(total, int(doors)) if total else None
    if expected is not None and expected > MAX_TURFS:
        st.error(too_many_turfs_fr(expected, total, int(doors)), icon=":material/block:")
    elif expected is not None and expected >= WARN_TURFS:
        st.warning(f"Environ {turfs_fr(expected)} d'environ {doors_fr(int(doors))} : une carte chargée et autant de "
                   f"feuilles de route. Au-delà de {turfs_fr(MAX_TURFS)}, le découpage est refusé "
                   f"(au moins {doors_fr(smallest_size(total))} par secteur ici).", icon=":material/warning:")
    if go.button("Découper en secteurs", icon=":material/grid_view:", key="zones_cut",
                 disabled=expected is not None and expected > MAX_TURFS):
        try:
            with st.spinner("Découpage…"):
                st.session_state[_PREVIEW] = cut_zone(ctx, store, user, zone, int(doors)).to_state()
        except IsoloirError as err:
            error(err)
    preview = preview_of(zone)
    shape = zone_shape(ctx, zone)
    if preview is not None:
        plan = preview.plan
        split = plan.streets_split
        st.markdown(f"**Aperçu** : {turfs_fr(len(plan.turfs))} d'environ {doors_fr(preview.target_doors)} "
                    f"({doors_fr(int(plan.sizes.sum()))} en tout ; {fmt_number(split)} rue{'s' if split > 1 else ''} "
                    f"partagée{'s' if split > 1 else ''} entre deux secteurs). Rien n'est enregistré tant que vous ne "
                    "validez pas.")
        if preview.zone_version != zone.version:
            st.warning("La zone a changé depuis ce découpage : découpez-la à nouveau.")
        for note in plan.notes_fr:
            st.caption(f":material/info: {plain(note)}")
        rows = address_rows(ctx, [a for t in plan.turfs for a in t.address_ids])
        deck = turf_deck(turf_shapes(plan), shape, points=_points(rows), width_px=MAP_WIDTH, height_px=PREVIEW_HEIGHT,
                         streets=street_lines(rows))
        map_col, table_col = st.columns([3, 2])
        if deck is not None:
            with map_col:
                map_component(deck, key="zones_preview_map", height=PREVIEW_HEIGHT)
        table_col.dataframe(plan_frame(plan), hide_index=True, height=PREVIEW_HEIGHT, width="stretch")
        started = any(t.assigned_to or t.doors_done for t in zone_turfs)
        confirm = False
        if started:
            confirm = st.checkbox("Remplacer les secteurs déjà affectés ou commencés (leurs affectations et leur avancement "
                                  "seront effacés)", key="zones_replace_turfs")
        save, drop = st.columns(2)
        if save.button("Enregistrer les secteurs", type="primary", icon=":material/save:", key="zones_save_turfs",
                       disabled=preview.zone_version != zone.version):
            try:
                saved = save_preview(store, user, preview, replace_assigned=confirm,
                                     expected_row_version=expected_version("zone", zone.zone_id, zone.row_version))
            except IsoloirError as err:
                error(err)
            else:
                st.session_state.pop(_PREVIEW, None)
                flash("success", f"{turfs_fr(len(saved))} enregistré{'s' if len(saved) > 1 else ''} pour « {zone.name} ».")
                st.rerun()
        if drop.button("Abandonner l'aperçu", key="zones_drop_preview"):
            st.session_state.pop(_PREVIEW, None)
            st.rerun()
        return
    if not zone_turfs:
        st.caption("Cette zone n'est pas encore découpée : choisissez la taille des secteurs puis « Découper en secteurs ».")
        return
    covered = {a for t in zone_turfs for a in t.address_ids}
    listed = set(zones.zone_address_ids(store, zone.zone_id, by=user))
    if listed and covered != listed:
        st.warning("Les secteurs enregistrés ne couvrent plus exactement les adresses de la zone (modifiée depuis le "
                   "découpage) : découpez-la à nouveau.", icon=":material/warning:")
    shapes = [TurfShape(t.number, t.name, t.doors, len(t.address_ids),
                        shapely.from_wkb(t.geometry_wkb) if t.geometry_wkb else None) for t in zone_turfs]
    rows = address_rows(ctx, [a for t in zone_turfs for a in t.address_ids])
    # the route of the turf chosen under « Feuilles de route » (the first one until then), along its streets
    walked = next((t for t in zone_turfs if t.turf_id == st.session_state.get(f"zones_walk_turf_{zone.zone_id}")),
                  zone_turfs[0])
    walk = walk_of_turf(rows.loc[rows["address_id"].astype(str).isin(walked.address_ids)], walked.address_ids)
    deck = turf_deck(shapes, shape, points=_points(rows), width_px=MAP_WIDTH, height_px=PREVIEW_HEIGHT,
                     streets=street_lines(rows), route=route_path(walk))
    map_col, table_col = st.columns([3, 2])
    if deck is not None:
        with map_col:
            map_component(deck, key="zones_turfs_map", height=PREVIEW_HEIGHT)
    progress = turf_store.progress(store, by=user, zone_id=zone.zone_id)
    done, total = sum(p.doors_done for p in progress), sum(p.doors for p in progress)
    table_col.markdown(f"**{turfs_fr(len(zone_turfs))}** — avancement {fmt_number(done)} / {doors_fr(total)}")
    table_col.dataframe(progress_frame(progress), hide_index=True, height=PREVIEW_HEIGHT - 40, width="stretch")


# -- walk lists -------------------------------------------------------------------------------
def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "secteur"


def walklist_files(ctx: Context, store: CampaignStore, user: users.User, turf_id: int, what: str) -> bytes:
    """The walk list of a turf as PDF (``what="pdf"``) or CSV bytes, after the export gate (audited)."""
    export = turf_store.authorize_walklist_export(store, turf_id, by=user)
    turf = export.turf
    walk = walk_of_turf(address_rows(ctx, turf.address_ids), turf.address_ids)
    walk = sheet_rows(walk, visit_store.turf_households(store, turf.turf_id, by=user))  # one line per household
    walk, excluded = drop_opposed(walk, opposition.opposed_doors(store))  # counted on the sheet, never hidden
    if what == "csv":
        return walklist_csv(walk, excluded)
    geometry = shapely.from_wkb(turf.geometry_wkb) if turf.geometry_wkb else None
    return walklist_pdf(walk, zone_name=turf.zone_name, turf_name=turf.name, geometry=geometry, excluded=excluded,
                        questionnaire=questionnaires.for_turf(store, turf.turf_id, by=user))


def walklists_section(ctx: Context, store: CampaignStore, user: users.User, zone: zones.Zone,
                      zone_turfs: Sequence[turf_store.Turf]) -> None:
    st.subheader("Feuilles de route")
    if not zone_turfs:
        st.caption("Enregistrez d'abord les secteurs de la zone.")
        return
    labels = {t.turf_id: f"{t.name} — {doors_fr(t.doors)}, {fmt_number(len(t.address_ids))} adresse{'s' if len(t.address_ids) > 1 else ''}"
              for t in zone_turfs}
    turf_id = st.selectbox("Secteur", list(labels), format_func=labels.get, key=f"zones_walk_turf_{zone.zone_id}")
    turf = next(t for t in zone_turfs if t.turf_id == turf_id)
    walk = walk_of_turf(address_rows(ctx, turf.address_ids), turf.address_ids)
    st.dataframe(walk_frame(walk), hide_index=True, height=300, width="stretch")
    pdf, csv, note = st.columns([1, 1, 3], vertical_alignment="center")
    stem = f"feuille-de-route-{_slug(zone.name)}-{turf.number}"
    pdf.download_button("Feuille de route (PDF)", icon=":material/picture_as_pdf:", key="zones_walk_pdf",
                        data=lambda: walklist_files(ctx, store, user, turf.turf_id, "pdf"),  # built and audited on click
                        file_name=f"{stem}.pdf", mime="application/pdf")
    csv.download_button("CSV", icon=":material/download:", key="zones_walk_csv",
                        data=lambda: walklist_files(ctx, store, user, turf.turf_id, "csv"),
                        file_name=f"{stem}.csv", mime="text/csv")
    note.caption("Adresses seules, sans aucun nom : chaque export est inscrit au journal d'audit.")


# -- assignments ------------------------------------------------------------------------------
def _whole_zone_assignment(store: CampaignStore, user: users.User, zone: zones.Zone, people: dict[str, str]) -> None:
    """Give the whole zone (all its turfs, its addresses and its contacts) to canvassers, or take it back."""
    with st.expander("Confier toute la zone", icon=":material/group_add:"):
        st.caption("Les militants choisis voient alors tous les secteurs de la zone, ses adresses et ses contacts.")
        with st.form(f"zones_assign_zone_{zone.zone_id}", border=False):
            team = st.multiselect("Militant(s)", list(people), format_func=people.get, key="zones_zone_team",
                                  placeholder="Un militant ou une équipe")
            due = st.date_input("Échéance", value=paris_today() + timedelta(days=14), format="DD/MM/YYYY",
                                key="zones_zone_due")
            if st.form_submit_button("Confier la zone", icon=":material/assignment_ind:"):
                try:
                    version = expected_version("zone", zone.zone_id, zone.row_version)
                    for name in team:
                        version = zones.assign_zone(store, zone.zone_id, name, by=user, due_date=due,
                                                    expected_row_version=version).row_version
                except IsoloirError as err:
                    error(err)
                else:
                    if team:
                        flash("success", f"« {zone.name} » confiée à {', '.join(team)} (échéance {due.strftime('%d/%m/%Y')}).")
                        st.rerun()
        if zone.assigned_to:
            with st.form(f"zones_unassign_zone_{zone.zone_id}", border=False):
                name = st.selectbox("Retirer la zone à", list(zone.assigned_to), key="zones_zone_unassign")
                if st.form_submit_button("Retirer la zone", icon=":material/person_remove:"):
                    try:
                        zones.unassign_zone(store, zone.zone_id, name, by=user,
                                            expected_row_version=expected_version("zone", zone.zone_id, zone.row_version))
                    except IsoloirError as err:
                        error(err)
                    else:
                        flash("success", f"{name} n'a plus la zone « {zone.name} ».")
                        st.rerun()


def assignment_section(store: CampaignStore, user: users.User, zone: zones.Zone,
                       zone_turfs: Sequence[turf_store.Turf]) -> None:
    st.subheader("Affectations")
    people = users.assignable_users(store, by=user)
    _whole_zone_assignment(store, user, zone, people)
    if not zone_turfs:
        st.caption("Enregistrez d'abord les secteurs de la zone pour les confier secteur par secteur.")
        return
    labels = {t.turf_id: f"{t.name} ({doors_fr(t.doors)})" + (f" — {', '.join(t.assigned_to)}" if t.assigned_to else "")
              for t in zone_turfs}
    versions = {t.turf_id: t.row_version for t in zone_turfs}
    for turf_seen in zone_turfs:
        see("turf", turf_seen.turf_id, turf_seen.row_version)
    assign, remove = st.columns(2)
    with assign, st.form("zones_assign", border=True):
        turf_id = st.selectbox("Secteur à affecter", list(labels), format_func=labels.get, key=f"zones_assign_turf_{zone.zone_id}")
        team = st.multiselect("Militant(s)", list(people), format_func=people.get, key="zones_assign_team",
                              placeholder="Un militant ou une équipe")
        due = st.date_input("Échéance", value=paris_today() + timedelta(days=14), format="DD/MM/YYYY", key="zones_assign_due")
        if st.form_submit_button("Affecter", type="primary", icon=":material/assignment_ind:"):
            try:
                turf = turf_store.assign_turf(store, turf_id, team, by=user, due_date=due,
                                              expected_row_version=expected_version("turf", turf_id, versions[turf_id]))
            except IsoloirError as err:
                error(err)
            else:
                flash("success", f"{turf.name} affecté à {', '.join(turf.assigned_to)} (échéance {due.strftime('%d/%m/%Y')}).")
                st.rerun()
    pairs = {f"{t.turf_id}|{name}": f"{t.name} — {name}" for t in zone_turfs for name in t.assigned_to}
    with remove:
        if not pairs:
            st.caption("Aucun secteur de cette zone n'est affecté.")
        else:
            with st.form("zones_unassign", border=True):
                pair = st.selectbox("Affectation à retirer", list(pairs), format_func=pairs.get, key="zones_unassign_pair")
                if st.form_submit_button("Retirer l'affectation", icon=":material/person_remove:"):
                    turf_id_text, _, name = pair.partition("|")
                    try:
                        turf = turf_store.unassign_turf(
                            store, int(turf_id_text), name, by=user,
                            expected_row_version=expected_version("turf", int(turf_id_text), versions[int(turf_id_text)]))
                    except IsoloirError as err:
                        error(err)
                    else:
                        flash("success", f"{name} n'est plus affecté à {turf.name}.")
                        st.rerun()
    overdue = [p for p in turf_store.progress(store, by=user, zone_id=zone.zone_id) if p.overdue]
    if overdue:
        st.warning(f"{fmt_number(len(overdue))} secteur(s) en retard sur leur échéance : "
                   + ", ".join(p.name for p in overdue) + ".", icon=":material/schedule:")
