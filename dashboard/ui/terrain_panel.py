"""Terrain page, turfs: a canvasser's turfs (or every turf, for the campaign's leaders), their map,
walk lists and progress.

Scope: every turf shown comes from ``store.turfs.turfs_for`` / ``progress`` called with the user
(``by=``): a canvasser's turfs are selected in the SQL (``zones.TURFS_OF_USER_SQL``), never filtered
here. The warehouse (public, no personal data) gives the addresses' street, number and position.

Pure builders first (no Streamlit: the tests call them directly), then :func:`draw`, which the page calls:

- :func:`turf_table` / :func:`team_table`: doors done / total per turf, due date, overdue flag;
  per canvasser for the team;
- :func:`~dashboard.canvass.doors.turf_addresses` and :func:`~dashboard.canvass.doors.turf_walk`
  (imported from ``canvass/doors.py``, which the phone page shares): a turf's warehouse address rows
  and its walk list, in the order stored with the turf;
- :func:`walk_table`: the walk list on screen (French headers, blank outcome columns);
- :func:`turf_deck`: the pydeck map (turf outlines coloured by progress, the chosen turf's route
  and numbered address points) and its legend; tooltips are record placeholders only
  (Streamlit escapes the substituted values);
- :func:`walklist_file`: the PDF or CSV walk sheet, through ``turfs.authorize_walklist_export``
  (the export gate: decided and audited there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.types import String
import shapely

from dashboard.access.permissions import Grant, Principal, permission
from dashboard.canvass.doors import turf_addresses, turf_walk, with_households
from dashboard.canvass.sheet import drop_opposed, sheet_rows
from dashboard.canvass.streets import route_path, street_layers, street_lines
from dashboard.canvass.walklist import walklist_csv
from dashboard.canvass.documents_pdf import walk_sheet_with_notice
from dashboard.canvass.walklist import OUTCOME_COLUMNS, OUTCOME_LABELS_FR
from dashboard.formats import NNBSP, fmt_date, fmt_datetime, fmt_number, fmt_percent, to_paris, paris_today
from dashboard.store import campaign_settings, opposition, purge, questionnaires, register
from dashboard.store import turfs as turf_store
from dashboard.store import visits as visit_store
from dashboard.store.campaign import CampaignStore
from dashboard.store.turfs import Turf, TurfProgress
from dashboard.warehouse.database import Warehouse
from dashboard.warehouse.queries import latest_election
from dashboard.text import plain
from layers.legend import Legend, categorical_legend
from layers.view import IGN_ATTRIBUTION, deck, fit_view, ign_plan_style

# Turf status -> (French label, fill colour). Colour-blind friendly enough: the statuses differ in lightness too.
STATUS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "todo": ("à faire", (158, 202, 225)),
    "started": ("commencé", (253, 174, 107)),
    "done": ("terminé", (116, 196, 118)),
    "overdue": ("en retard", (239, 59, 44)),
}
FILL_ALPHA = 110
POINT_COLOR = (8, 81, 156)
SELECTED_OUTLINE = (20, 20, 20)
TURF_LAYER = "secteurs"
POINT_LAYER = "adresses"
MAP_HEIGHT = 520
MAP_WIDTH = 760
TOOLTIP = {
    "html": "<b>{t}</b><br/>{d}",
    "style": {
        "backgroundColor": "rgba(255, 255, 255, 0.95)", "color": "#222", "fontSize": "0.85rem",
        "padding": "6px 8px", "borderRadius": "4px", "boxShadow": "0 1px 4px rgba(0, 0, 0, 0.3)",
    },
}
_SAVED = "terrain_turf_saved"  # the confirmation shown after the rerun that follows a progress report
_PIXELS = String("pixels")  # a constant, not an accessor (pydeck reads bare strings as expressions)
WALK_FORMATS = {"pdf": ("Feuille de route (PDF)", "application/pdf"), "csv": ("CSV", "text/csv")}


# -- pure builders --------------------------------------------------------------------------
def turf_status(turf: Turf, due: date | None, today: date) -> str:
    """``done`` (doors done ≥ doors), ``overdue`` (past the due date, not done), ``started`` or ``todo``."""
    if turf.doors_done >= turf.doors:
        return "done"
    if due is not None and due < today:
        return "overdue"
    return "started" if turf.doors_done > 0 else "todo"


def due_for(turf: Turf, user_name: str | None) -> date | None:
    """The due date a user reads: their own on a turf assigned to them, else the earliest of the team."""
    if user_name and user_name in turf.assigned_to:
        return turf.due_date_for(user_name)
    return turf.due_date


def turf_label(turf: Turf) -> str:
    return f"{turf.name} — {turf.zone_name}"


def turf_table(turfs: Sequence[Turf], progress: Sequence[TurfProgress], *, today: date, user_name: str | None = None,
               team: bool = False) -> pd.DataFrame:
    """One row per turf: zone, turf, doors done / total (French), progress in % (0-100, for a progress
    bar), due date, overdue flag, last report; with ``team``, who it is assigned to."""
    recorded = {p.turf_id: p for p in progress}
    rows = []
    for turf in turfs:
        due = due_for(turf, user_name)
        status = turf_status(turf, due, today)
        last = recorded.get(turf.turf_id)
        row = {
            "zone": turf.zone_name,
            "secteur": turf.name,
            "adresses": fmt_number(len(turf.address_ids)),
            "portes faites": f"{fmt_number(turf.doors_done)} / {fmt_number(turf.doors)}",
            "avancement": 100.0 if turf.doors == 0 else min(100.0, 100.0 * turf.doors_done / turf.doors),
            "échéance": fmt_date(due),
            "en retard": "oui" if status == "overdue" else "non",
            "dernier relevé": (f"{fmt_date(to_paris(last.recorded_at))} ({last.recorded_by})"
                               if last is not None and last.recorded_at is not None else "—"),
        }
        if team:
            row["affecté à"] = ", ".join(turf.assigned_to) or "—"
        rows.append(row)
    columns = ["zone", "secteur", "adresses", "portes faites", "avancement", "échéance", "en retard", "dernier relevé"]
    return pd.DataFrame(rows, columns=columns + (["affecté à"] if team else []))


def team_table(turfs: Sequence[Turf], *, today: date) -> pd.DataFrame:
    """Per canvasser (a turf of a team counts for each member): turfs, doors done / total, progress %, overdue turfs."""
    per: dict[str, list[Turf]] = {}
    for turf in turfs:
        for name in turf.assigned_to:
            per.setdefault(name, []).append(turf)
    rows = []
    for name in sorted(per):
        own = per[name]
        doors = sum(t.doors for t in own)
        done = sum(min(t.doors_done, t.doors) for t in own)
        late = sum(turf_status(t, t.due_date_for(name), today) == "overdue" for t in own)
        rows.append({
            "militant": name,
            "secteurs": fmt_number(len(own)),
            "portes faites": f"{fmt_number(done)} / {fmt_number(doors)}",
            "avancement": 100.0 if doors == 0 else 100.0 * done / doors,
            "secteurs en retard": fmt_number(late),
        })
    return pd.DataFrame(rows, columns=["militant", "secteurs", "portes faites", "avancement", "secteurs en retard"])


def walk_table(walk: pd.DataFrame) -> pd.DataFrame:
    """The walk list on screen: order, street, number, side, estimated electors and doors, blank outcome columns."""
    table = pd.DataFrame({
        "ordre": walk["order"].astype(int).to_numpy() if len(walk) else np.array([], dtype=int),
        "rue": walk["street"].to_numpy(),
        "numéro": walk["number"].fillna("").astype(str).to_numpy(),
        "côté": walk["side"].to_numpy(),
        "électeurs (estim.)": [fmt_number(v) for v in walk["electors"]],
        ("portes (logements relevés, sinon estim.)" if "households_known" in walk and walk["households_known"].any()
         else "portes (estim.)"): [fmt_number(v) for v in walk["doors"]],
    })
    for column in OUTCOME_COLUMNS:
        table[OUTCOME_LABELS_FR[column]] = ""
    return table


def _rings(geometry_wkb: bytes | None) -> list[list[list[list[float]]]]:
    """The polygons of a stored turf geometry as deck.gl rings ``[outer, hole…]`` in lon/lat (6 decimals)."""
    if geometry_wkb is None:
        return []
    try:
        geometry = shapely.from_wkb(geometry_wkb)
    except Exception:  # noqa: BLE001 - a geometry the store accepted but shapely cannot read: not drawn
        return []
    out = []
    for part in shapely.get_parts(geometry):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [part.exterior, *part.interiors]
        out.append([np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in rings])
    return out


def _bounds(turfs: Sequence[Turf], walk: pd.DataFrame) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for turf in turfs:
        for polygon in _rings(turf.geometry_wkb):
            ring = np.asarray(polygon[0])
            xs += [float(ring[:, 0].min()), float(ring[:, 0].max())]
            ys += [float(ring[:, 1].min()), float(ring[:, 1].max())]
    if len(walk):
        lon, lat = walk["lon"].to_numpy(dtype=float), walk["lat"].to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if ok.any():
            xs += [float(lon[ok].min()), float(lon[ok].max())]
            ys += [float(lat[ok].min()), float(lat[ok].max())]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


@dataclass(frozen=True)
class TurfMap:
    """The deck of the turfs' map and its legend."""

    deck: pdk.Deck
    legend: Legend


def turf_deck(turfs: Sequence[Turf], selected: Turf | None, walk: pd.DataFrame, *, today: date,
              user_name: str | None = None, map_style: str | None = None, height: int = MAP_HEIGHT,
              width: int = MAP_WIDTH) -> TurfMap | None:
    """The map of ``turfs`` (outlines filled by status) with the ``selected`` turf outlined and its walk
    (route and address points numbered in walk order); None when there is nothing to draw.

    Records carry only what the tooltip shows (``t`` title, ``d`` detail) and the turf id (``k``) or
    the walk order (``o``); the tooltip template has placeholders only, Streamlit escapes the values.
    """
    turf_records = []
    counts = dict.fromkeys(STATUS, 0)
    for turf in turfs:
        due = due_for(turf, user_name)
        status = turf_status(turf, due, today)
        label, color = STATUS[status]
        share = 1.0 if turf.doors == 0 else min(1.0, turf.doors_done / turf.doors)
        detail = (f"{fmt_number(turf.doors_done)} / {fmt_number(turf.doors)} portes ({fmt_percent(share, 0)}) — {label}"
                  f" — échéance {fmt_date(due)}")
        polygons = _rings(turf.geometry_wkb)
        if polygons:
            counts[status] += 1
        for rings in polygons:
            turf_records.append({"p": rings, "k": turf.turf_id, "t": turf_label(turf), "d": detail,
                                 "c": [*color, FILL_ALPHA]})
    points = []
    if len(walk):
        for row in walk.itertuples(index=False):
            if not (np.isfinite(row.lon) and np.isfinite(row.lat)):
                continue
            where = " ".join(p for p in (str(row.number or ""), str(row.street or "")) if p)
            points.append({
                "p": [round(float(row.lon), 6), round(float(row.lat), 6)], "o": str(int(row.order)),
                "t": f"{int(row.order)}. {where}",
                "d": f"côté {row.side} — {fmt_number(row.doors)} porte{'s' if int(row.doors) > 1 else ''} (estim.)",
            })
    bounds = _bounds([selected] if selected is not None else turfs, walk) or _bounds(turfs, walk)
    if bounds is None:
        return None
    layers = [pdk.Layer(
        "PolygonLayer", data=turf_records, id=TURF_LAYER, get_polygon="p", get_fill_color="c",
        get_line_color=[80, 80, 80, 200], line_width_units=_PIXELS, get_line_width=1, stroked=True, filled=True,
        pickable=True, auto_highlight=True,
    )]
    if selected is not None:
        outline = [{"p": rings} for rings in _rings(selected.geometry_wkb)]
        layers.append(pdk.Layer(
            "PolygonLayer", data=outline, id="secteur_choisi", get_polygon="p", filled=False, stroked=True,
            get_line_color=list(SELECTED_OUTLINE), line_width_units=_PIXELS, get_line_width=3, pickable=False,
        ))
    view = fit_view(bounds, width_px=width, height_px=height, padding=0.08)
    lines = street_lines(walk) if len(walk) else []
    if len(walk):  # the streets from the addresses: their names always (each of the turf's few streets named,
        # even when longer than its line, unless names overlap), their lines where no basemap draws them
        layers += street_layers(lines, draw_lines=map_style is None, zoom=float(view.zoom), fit_along=False)
    if len(points) > 1:  # the route along the streets, from one to the next through their junction
        layers.append(pdk.Layer(
            "PathLayer", data=[{"path": [list(p) for p in route_path(walk, lines)]}], id="parcours", get_path="path",
            get_color=[*POINT_COLOR, 150], width_units=_PIXELS, get_width=2, pickable=False,
        ))
    if points:
        layers.append(pdk.Layer(
            "ScatterplotLayer", data=points, id=POINT_LAYER, get_position="p", get_fill_color=list(POINT_COLOR),
            get_line_color=[255, 255, 255], stroked=True, line_width_units=_PIXELS, get_line_width=1.5,
            radius_units=_PIXELS, get_radius=9, pickable=True,
        ))
        layers.append(pdk.Layer(
            "TextLayer", data=points, id="numeros", get_position="p", get_text="o", get_size=11,
            size_units=_PIXELS, get_color=[255, 255, 255], font_weight=700, pickable=False,  # centred by default
        ))
    entries = [(STATUS[s][0], STATUS[s][1], n) for s, n in counts.items() if n]
    if points:
        entries.append(("adresse, numérotée dans l'ordre de passage", POINT_COLOR, len(points)))
    note = f"Contour noir : {turf_label(selected)}." if selected is not None else ""
    if map_style == ign_plan_style():
        note = f"{note} Fond de carte : {IGN_ATTRIBUTION}.".strip()
    legend = categorical_legend("Secteurs", entries, note=note)
    return TurfMap(deck(layers, view, map_style=map_style, tooltip=TOOLTIP, height=height), legend)


def may_export_walklist(user: Principal) -> bool:
    """Whether the walk-list downloads are offered (``turfs.authorize_walklist_export`` decides and audits
    anyway): ``edit_zones`` everywhere, or a canvasser (``record_feedback`` on their own turfs — every turf
    they are shown is theirs)."""
    if not getattr(user, "active", True):
        return False
    return (permission(user.role, "edit_zones") is Grant.ALL
            or permission(user.role, "record_feedback") is Grant.OWN_ZONES)


def walklist_file(store: CampaignStore, wh: Warehouse, turf_id: int, kind: str, *, by: Principal | str,
                  election_id: str | None = None, printed_on: date | None = None) -> bytes:
    """The walk sheet of one turf as ``kind`` (``"pdf"`` or ``"csv"``): allowed and audited by
    ``turfs.authorize_walklist_export`` first (raises :class:`~dashboard.access.permissions.PermissionDenied`), then
    built from the turf it hands over (addresses and estimated counts only, no names)."""
    if kind not in WALK_FORMATS:
        raise ValueError(f"unknown walk-list format: {kind!r}")
    export = turf_store.authorize_walklist_export(store, turf_id, by=by)
    turf = export.turf
    walk = turf_walk(turf_addresses(wh, turf.address_ids, election_id), turf.address_ids)
    # the phone's doors in the phone's order, one line per household recorded (canvass/sheet.py)
    walk = sheet_rows(walk, visit_store.turf_households(store, turf.turf_id, by=by))
    walk, excluded = drop_opposed(walk, opposition.opposed_doors(store))  # counted on the sheet, never hidden
    if kind == "csv":
        return walklist_csv(walk, excluded)
    geometry = shapely.from_wkb(turf.geometry_wkb) if turf.geometry_wkb is not None else None
    notice = register.door_notice(campaign_settings.get_campaign_settings(store), purge.store_tables(store))  # last page
    return walk_sheet_with_notice(walk, notice, zone_name=turf.zone_name, turf_name=turf.name, geometry=geometry,
                                  printed_on=printed_on, excluded=excluded,
                                  questionnaire=questionnaires.for_turf(store, turf.turf_id, by=by))


def walklist_file_name(turf: Turf, kind: str, day: date) -> str:
    """``secteur-<zone id>-<number>-<date>.<kind>`` (no zone name: it may hold any character)."""
    return f"secteur-{turf.zone_id}-{turf.number}-{day.isoformat()}.{kind}"


FIELD_PAGE = "/porte-a-porte/"  # dashboard.web.field.PAGE_PATH (web/ and ui/ share a rank: no import between them)


def field_progress_table(frame: pd.DataFrame, key: str, labels: dict[object, str] | None = None) -> pd.DataFrame:
    """Visits sent from the phone (``store.visits.progress_by_canvasser`` / ``progress_by_turf``) with French
    headers: per ``key`` (``canvasser`` or ``turf_id``, shown through ``labels``), today's and the campaign's
    visits, doors knocked, doors opened, flagged visits, the last visit (Paris time)."""
    names = labels or {}
    return pd.DataFrame({
        ("militant" if key == "canvasser" else "secteur"): [names.get(v, str(v)) for v in frame[key]],
        "passages aujourd'hui": [fmt_number(v) for v in frame["visits_day"]],
        "passages (campagne)": [fmt_number(v) for v in frame["visits"]],
        "portes frappées": [fmt_number(v) for v in frame["doors"]],
        "ouvertes aujourd'hui": [fmt_number(v) for v in frame["opened_day"]],
        "ouvertes (campagne)": [fmt_number(v) for v in frame["opened"]],
        "signalés": [fmt_number(v) for v in frame["flagged"]],
        "dernier passage": [fmt_datetime(v) for v in frame["last_at"]],
    })


def flagged_table(frame: pd.DataFrame, labels: dict[object, str]) -> pd.DataFrame:
    """The visits kept with a flag (``store.visits.flagged_visits``): turf, station, canvasser, outcome, times, why."""
    return pd.DataFrame({
        "secteur": [labels.get(v, f"secteur n° {v}") for v in frame["turf_id"]],
        "bureau": frame["station_id"].to_numpy(),
        "militant": frame["canvasser"].to_numpy(),
        "résultat": [visit_store.OUTCOMES.get(v, v) for v in frame["outcome"]],
        "saisi le": [fmt_datetime(v) for v in frame["recorded_at"]],
        "reçu le": [fmt_datetime(v) for v in frame["received_at"]],
        "motif": [visit_store.FLAGS_FR.get(v, v) for v in frame["flag"]],
    })


def draw_field_review(store: CampaignStore, user: Principal, turfs: Sequence[Turf]) -> None:
    """The supervisor's part (``edit_zones`` at all): visits sent from the phone per canvasser and per turf,
    today and since the start, and the visits kept with a flag."""
    import streamlit as st

    from dashboard.ui.tables import show_table

    today = paris_today()
    st.subheader("Passages saisis sur le téléphone")
    per_user = visit_store.progress_by_canvasser(store, by=user, day=today)
    if per_user.empty:
        st.caption("Aucun passage envoyé depuis la page téléphone pour l'instant.")
        return
    labels = {t.turf_id: turf_label(t) for t in turfs}
    show_table(field_progress_table(per_user, "canvasser"))
    show_table(field_progress_table(visit_store.progress_by_turf(store, by=user, day=today), "turf_id", labels))
    flagged = visit_store.flagged_visits(store, by=user)
    if len(flagged):
        st.markdown("**Passages signalés**")
        st.caption("Saisis hors ligne sur un secteur retiré au militant entre-temps : gardés, à vérifier avec lui.")
        show_table(flagged_table(flagged, labels))


# -- Streamlit ------------------------------------------------------------------------------
def _progress_column() -> object:
    import streamlit as st

    return st.column_config.ProgressColumn("avancement", format=f"%.0f{NNBSP}%%", min_value=0, max_value=100)


def draw(store: CampaignStore, user: Principal, *, own: bool) -> list[Turf]:
    """The turfs part of the Terrain page: table, team progress, map, walk list, downloads, progress form.

    ``own``: the user's grant is limited to their zones (a canvasser): "Mes secteurs", their turfs only.
    Returns the turfs the user may see (``turfs_for``), for the rest of the page.
    """
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.ui import data
    from dashboard.ui.tables import show_table
    from dashboard.ui.map_panel import deck_beside_legend

    today = paris_today()
    visible = turf_store.turfs_for(store, by=user)  # a canvasser's turfs only: selected in the SQL
    # doors done: the latest report, or the doors knocked from the phone page when more (live, per turf)
    knocked = visit_store.doors_knocked(store, [t.turf_id for t in visible], by=user)
    visible = [replace(t, doors_done=max(t.doors_done, knocked.get(t.turf_id, 0))) for t in visible]
    st.subheader("Mes secteurs" if own else "Secteurs")
    if permission(user.role, "record_feedback") is not Grant.NONE:
        st.link_button("Ouvrir la page téléphone", FIELD_PAGE, icon=":material/smartphone:", type="primary")
        st.caption("Pour le porte-à-porte : une touche par porte, les logements des immeubles, et ça marche sans "
                   "réseau (les passages partent au retour du signal).")
    if not visible:
        st.caption("Aucun secteur ne vous est affecté pour l'instant." if own
                   else "Aucun secteur : les zones se découpent en secteurs sur la page Zones.")
        return visible
    zone_names = list(dict.fromkeys(t.zone_name for t in visible))
    shown = visible
    if len(zone_names) > 1:
        everything = "Toutes les zones"
        zone = st.selectbox("Zone", [everything, *zone_names], key="terrain_turf_zone")
        shown = visible if zone == everything else [t for t in visible if t.zone_name == zone]
    name = user.user_name
    progress = turf_store.progress(store, by=user, today=today)
    late = [t for t in shown if turf_status(t, due_for(t, name if own else None), today) == "overdue"]
    if late:
        st.warning("Échéance dépassée : " + plain(", ".join(turf_label(t) for t in late[:10]))
                   + (f" et {fmt_number(len(late) - 10)} autre(s)" if len(late) > 10 else "") + ".",
                   icon=":material/schedule:")
    show_table(turf_table(shown, progress, today=today, user_name=name if own else None, team=not own),
               column_config={"avancement": _progress_column()})
    if not own:
        st.markdown("**Avancement de l'équipe**")
        team = team_table(visible, today=today)
        unassigned = sum(1 for t in visible if not t.assigned_to)
        if len(team):
            show_table(team, column_config={"avancement": _progress_column()})
        st.caption(f"{fmt_number(unassigned)} secteur(s) sans militant affecté." if unassigned
                   else "Tous les secteurs ont un militant affecté.")

    by_id = {t.turf_id: t for t in shown}  # ids as options: two turfs may bear the same name
    labels = {tid: turf_label(turf) for tid, turf in by_id.items()}
    chosen = by_id[st.selectbox("Secteur", list(by_id), format_func=labels.get, key="terrain_turf")]  # a picklable format_func
    wh = data.warehouse()
    election = latest_election(wh)
    walk = turf_walk(turf_addresses(wh, chosen.address_ids, election), chosen.address_ids)
    spec = turf_deck(shown, chosen, walk, today=today, user_name=name if own else None,
                     map_style=None if data.settings().map_style is None else ign_plan_style())
    if spec is not None:
        deck_beside_legend(spec.deck, spec.legend, key="terrain_turf_map", height=MAP_HEIGHT)

    st.markdown(f"**Liste de porte-à-porte — {plain(turf_label(chosen))}**")
    missing = len(chosen.address_ids) - sum(len(str(ids).split()) for ids in walk["address_ids"])
    # doors: the households recorded on the phone where known, the address estimates otherwise
    walk = with_households(walk, visit_store.household_counts(store, chosen.address_ids, by=user))
    known = int(walk["households_known"].sum()) if len(walk) else 0
    doors_text = (f"{fmt_number(chosen.doors)} porte(s) estimée(s)" if not known else
                  f"{fmt_number(int(walk['doors'].sum()))} porte(s) (logements relevés à {fmt_number(known)} adresse(s), "
                  "estimations ailleurs)")
    st.caption(
        f"{fmt_number(len(walk))} point(s) d'adresse dans l'ordre de passage, {doors_text}"
        f" ; échéance {fmt_date(due_for(chosen, name if own else None))}. Adresses et estimations seulement, aucun nom."
        + (f" {fmt_number(missing)} adresse(s) du secteur absente(s) de l'entrepôt." if missing > 0 else "")
    )
    show_table(walk_table(walk), keep=[OUTCOME_LABELS_FR[c] for c in OUTCOME_COLUMNS])  # outcome columns: blank, to fill in
    if may_export_walklist(user):
        with st.container(horizontal=True):
            for kind, (label, mime) in WALK_FORMATS.items():
                st.download_button(
                    label, icon=":material/download:", key=f"terrain_walk_{kind}", mime=mime,
                    file_name=walklist_file_name(chosen, kind, today), on_click="ignore",
                    # built, allowed and audited on click only (export_walklist in the audit log)
                    data=lambda kind=kind, turf_id=chosen.turf_id: walklist_file(
                        store, wh, turf_id, kind, by=user, election_id=election, printed_on=paris_today()),
                    help="Adresses dans l'ordre de passage et cases à cocher, sans aucun nom ; chaque export est "
                         "inscrit au journal d'audit.",
                )

    if permission(user.role, "record_feedback"):
        with st.form("terrain_turf_progress", enter_to_submit=False):
            st.markdown(f"**Avancement — {plain(turf_label(chosen))}**")
            done = st.number_input(
                "Portes faites sur ce secteur (total depuis le début)", min_value=0, max_value=turf_store.MAX_DOORS,
                value=int(chosen.doors_done), step=1, key=f"terrain_turf_done_{chosen.turf_id}",
                help=f"Sur {fmt_number(chosen.doors)} portes estimées. Chaque relevé est conservé et inscrit au journal d'audit.",
            )
            if st.form_submit_button("Enregistrer l'avancement", type="primary"):
                try:
                    turf_store.record_turf_progress(store, chosen.turf_id, int(done), by=user)
                except IsoloirError as error:
                    st.error(plain(error.message_fr))
                else:
                    st.session_state[_SAVED] = f"Avancement enregistré : {fmt_number(int(done))} / {fmt_number(chosen.doors)} portes."
                    st.rerun()
    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(plain(saved))
    return visible
