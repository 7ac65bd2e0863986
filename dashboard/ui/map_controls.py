"""Sidebar controls of the Carte page: they own their session keys and return a :class:`MapView`.

On a session's first run the widgets start from the address bar (a shared
link reopens its view); afterwards the address bar follows the widgets.
"""

from __future__ import annotations

import streamlit as st

from dashboard.maps import territory
from dashboard.maps.view import CLASS_METHODS, INDICATOR_MODES, LAYERS, MapView, from_params
from dashboard.access.permissions import permission
from dashboard.maps.measure_types import BASES, KINDS, NEEDS_TARGET, PERSONAL_KINDS, SWINGS, TARGET_TYPES
from dashboard.ui import choices, data, session
from dashboard.ui.map_panel import scope_of_territory
from layers.classify import METHODS

PREFIX = "carte_"
ZOOMS = ["auto", *(str(z) for z in range(3, 18))]
MAX_COMMUNE_OPTIONS = 3000  # a France-wide list (35,000 communes) would weigh on every rerun
_FIELDS = ("layer", "election_id", "kind", "target_type", "target", "base", "reference_id", "departements",
           "communes", "circonscription", "indicator", "indicator_year", "indicator_mode", "method", "classes")


def _k(name: str) -> str:
    return PREFIX + name


def init_from_url() -> list[str]:
    """Seed the widgets from the query parameters once per session; returns parsing problems."""
    if st.session_state.get(_k("seeded")):
        return []
    parsed = from_params(st.query_params.to_dict())
    for name in _FIELDS:
        value = getattr(parsed.view, name)
        st.session_state[_k(name)] = list(value) if isinstance(value, tuple) else value
    zoom = parsed.view.zoom
    st.session_state[_k("zoom")] = "auto" if zoom is None else str(int(min(max(round(zoom), 3), 17)))
    st.session_state[_k("title")] = parsed.view.title
    st.session_state[_k("seeded")] = True
    return parsed.problems


def _coerce(name: str, options: list, default: object) -> None:
    """Keep a widget's state inside its options (an old link may name what no longer exists)."""
    key = _k(name)
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def controls() -> MapView:
    sb = st.sidebar
    sb.header("Territoire")
    deps = choices.departements(data.version())
    dep_labels = dict(zip(deps["code"], deps["name"] + " (" + deps["code"] + ")"))
    st.session_state[_k("departements")] = [d for d in st.session_state.get(_k("departements"), []) if d in dep_labels]
    sb.multiselect("Départements", list(dep_labels), format_func=dep_labels.get, key=_k("departements"),
                   placeholder="Tous")
    chosen_deps = tuple(st.session_state[_k("departements")])
    communes = choices.communes(data.version(), chosen_deps)
    commune_labels = dict(zip(communes["code"], communes["name"] + " (" + communes["code"] + ")"))
    st.session_state[_k("communes")] = [c for c in st.session_state.get(_k("communes"), []) if c in commune_labels]
    if len(commune_labels) <= MAX_COMMUNE_OPTIONS or st.session_state[_k("communes")]:
        sb.multiselect("Communes", list(commune_labels), format_func=commune_labels.get, key=_k("communes"),
                       placeholder="Toutes")
    else:
        sb.caption(f"{len(commune_labels):,} communes : choisissez un département pour les lister.".replace(",", "\u202f"))
    chosen_communes = tuple(st.session_state[_k("communes")])
    circos = choices.circonscriptions(data.version(), chosen_communes, chosen_deps)
    circo_labels = {"": "Toutes", **dict(zip(circos["key"], circos["label"]))}
    _coerce("circonscription", list(circo_labels), "")
    if len(circo_labels) > 1:
        sb.selectbox("Circonscription", list(circo_labels), format_func=circo_labels.get, key=_k("circonscription"))
    t = territory.Territory(chosen_deps, chosen_communes, st.session_state[_k("circonscription")] or None)
    scope = scope_of_territory(t)

    sb.header("Mesure")
    sb.radio("Couche", list(LAYERS), format_func=LAYERS.get, key=_k("layer"), horizontal=True)
    elections = choices.elections(data.version(), scope)
    election_labels = dict(zip(elections["election_id"], elections["label"]))
    if not election_labels:
        st.warning("Aucun résultat électoral pour ce territoire : importez des résultats (`isoloir import results …`).")
        st.stop()
    _coerce("election_id", list(election_labels), list(election_labels)[-1])
    sb.selectbox("Élection", list(election_labels), format_func=election_labels.get, key=_k("election_id"))
    election_id = st.session_state[_k("election_id")]

    if st.session_state[_k("layer")] == "iris":
        _indicator_controls(scope)
    else:
        kinds = [k for k in KINDS if k not in PERSONAL_KINDS or permission(session.page_user().role, "view_personal_data")]
        _coerce("kind", kinds, kinds[0])
        sb.selectbox("Mesure", kinds, format_func=KINDS.get, key=_k("kind"))
        kind = st.session_state[_k("kind")]
        if kind == "indicator":
            _indicator_controls(scope)
        if kind in NEEDS_TARGET:
            sb.selectbox("Type de cible", list(TARGET_TYPES), format_func=TARGET_TYPES.get, key=_k("target_type"))
            found = choices.targets(data.version(), election_id, st.session_state[_k("target_type")], scope)
            labels = dict(zip(found["key"], found["label"]))
            if labels:
                _coerce("target", list(labels), list(labels)[0])
                sb.selectbox("Cible", list(labels), format_func=labels.get, key=_k("target"))
            sb.radio("Part", list(BASES), format_func=BASES.get, key=_k("base"), horizontal=True)
        if kind in SWINGS:
            others = [e for e in election_labels if e != election_id]
            if not others:
                st.warning("Une seule élection pour ce territoire : pas d'évolution possible.")
                st.stop()
            order = list(election_labels)
            earlier = order[: order.index(election_id)]
            _coerce("reference_id", others, earlier[-1] if earlier else others[0])
            sb.selectbox("Par rapport à", others, format_func=election_labels.get, key=_k("reference_id"))

    sb.header("Classes")
    sb.selectbox("Découpage", list(CLASS_METHODS), format_func=METHODS.get, key=_k("method"))
    sb.slider("Nombre de classes", 2, 9, key=_k("classes"))
    sb.selectbox("Zoom", ZOOMS, key=_k("zoom"), format_func=_zoom_label,
                     help="« ajusté » : la carte montre tout le territoire choisi")
    return current_view()


def _indicator_controls(scope: territory.Scope) -> None:
    sb = st.sidebar
    catalogue = choices.indicators(data.version(), scope)
    if catalogue.empty:
        st.warning("Aucun indicateur IRIS pour ce territoire : importez des contours et des indicateurs IRIS.")
        st.stop()
    keys = [f"{v}|{y}" for v, y in zip(catalogue["variable"], catalogue["year"])]
    labels = dict(zip(keys, catalogue["label"] + " (" + catalogue["year"].astype(str) + ")"))
    current = f"{st.session_state.get(_k('indicator'))}|{st.session_state.get(_k('indicator_year'))}"
    if current not in labels:
        current = keys[0]
    choice = sb.selectbox("Indicateur", keys, index=keys.index(current), format_func=labels.get)
    variable, year = choice.split("|")
    st.session_state[_k("indicator")] = variable
    st.session_state[_k("indicator_year")] = int(year)
    sb.radio("Valeur", list(INDICATOR_MODES), format_func=INDICATOR_MODES.get, key=_k("indicator_mode"))


def _zoom_label(zoom: str) -> str:
    return "ajusté au territoire" if zoom == "auto" else f"niveau {zoom}"


def current_view() -> MapView:
    values = {name: st.session_state.get(_k(name)) for name in _FIELDS}
    values["departements"] = tuple(values["departements"] or ())
    values["communes"] = tuple(values["communes"] or ())
    values["circonscription"] = values["circonscription"] or ""
    values["target"] = values["target"] or ""
    values["reference_id"] = values["reference_id"] or ""
    values["indicator"] = values["indicator"] or ""
    values["indicator_year"] = int(values["indicator_year"] or 0)
    if values["kind"] not in SWINGS:
        values["reference_id"] = ""
    if values["kind"] not in NEEDS_TARGET:
        values["target"] = ""
    if values["layer"] != "iris" and values["kind"] != "indicator":  # not drawn: keep links short
        values.update(indicator="", indicator_year=0, indicator_mode="value")
    zoom = st.session_state.get(_k("zoom"), "auto")
    return MapView(**values, zoom=None if zoom in (None, "auto") else float(zoom),
                   title=st.session_state.get(_k("title")) or "")
