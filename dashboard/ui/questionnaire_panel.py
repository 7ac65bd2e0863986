"""The questionnaire sections: on **Zones** (``edit_zones``: admin, candidate, strategist, the roles that build
zones) the builder and the aggregated results (table, chart, map of one answer's share per station or turf,
aggregate-only CSV: :func:`draw_on_zones`); on **Terrain** (``review_feedback``) the review queue of held free
texts (personal data, which strategists may not see: questionnaire answers, visit notes and contact remarks in one
list, ``store/text_review.py``).

Every action goes through ``store.questionnaires``, which re-reads the user's rights when it runs and
audits; this module only draws. Free texts are shown only in the review queue (personal data: a
static table, escaped), never in the results, which are counts and shares per station or turf.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from dashboard.access.permissions import Grant, Principal, permission
from dashboard.canvass.answer_map import Area, answer_map
from dashboard.formats import PARIS_TIME, fmt_datetime
from dashboard.privacy.sensitive import CATEGORIES
from dashboard.store import questionnaires as qstore
from dashboard.store import text_review
from dashboard.store.campaign import CampaignStore
from dashboard.store.questionnaires import KINDS, Questionnaire
from dashboard.store.turfs import Turf

NEW = "nouveau"
_SAVED = "questionnaire_saved"
_DECIDED = "questionnaire_decided"
_PICK_NEXT = "questionnaire_pick_next"
DECISIONS_FR = {"approve": "Texte gardé tel quel.", "edit": "Texte corrigé et gardé.", "delete": "Texte supprimé."}


def results_table(frame: pd.DataFrame, group_labels: Mapping[str, str], group: str) -> pd.DataFrame:
    """The results as shown: group label, question, answer, count, answered, share in percent."""
    return pd.DataFrame({
        "bureau" if group == "station" else "secteur": [group_labels.get(g, g) for g in frame["group"]],
        "question": frame["question"],
        "réponse": frame["choice"],
        "nombre": frame["count"],
        "réponses à la question": frame["answered"],
        "part (%)": (100 * frame["share"]).round(1),
    })


def held_table(held: Sequence[text_review.HeldText], turf_labels: Mapping[int, str]) -> pd.DataFrame:
    """The review queue: answers, visit notes and contact remarks together."""
    return pd.DataFrame({
        "type": [h.kind_fr for h in held],
        "question": [h.context if h.kind == text_review.ANSWER_KIND else "—" for h in held],
        "texte": [h.text for h in held],
        "mentions": [", ".join(CATEGORIES.get(c, c) for c in h.categories) for h in held],
        "secteur": ["—" if h.turf_id is None else turf_labels.get(h.turf_id, str(h.turf_id)) for h in held],
        "bureau": [h.station_id or "—" for h in held],
        "saisi par": [h.author for h in held],
        f"reçu ({PARIS_TIME})": [fmt_datetime(h.received_at) for h in held],
    })


def _questions_of(q: Questionnaire | None) -> list[dict[str, str]]:
    if q is None:
        return []
    return [{"key": x.key, "label": x.label, "kind": x.kind, "options": " ; ".join(x.options)} for x in q.questions]


def draw_builder(store: CampaignStore, user: Principal, zones: Mapping[int, str]) -> list[Questionnaire]:
    """« Questionnaires »: pick one (or a new one), write its title, introduction, instructions and questions;
    saving writes a new version. Returns every questionnaire (for the results)."""
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.text import plain

    st.subheader("Questionnaires")
    st.caption("Posées après une porte ouverte, sur le téléphone. Une version par enregistrement : les réponses "
               "gardent la version posée. Pas de question sur la santé, la religion, les opinions ou le nom.")
    if saved := st.session_state.pop(_SAVED, None):
        st.success(saved)
    existing = qstore.questionnaires(store, by=user)
    names = {NEW: "Nouveau questionnaire"} | {
        str(q.questionnaire_id): f"{q.title} — {zones.get(q.zone_id, 'zone supprimée') if q.zone_id else 'toute la campagne'}"
        f" (v{q.version}{'' if q.active else ', retiré'})" for q in existing}
    names = {k: plain(v) for k, v in names.items()}
    if (following := st.session_state.pop(_PICK_NEXT, None)) in names:  # the one just saved
        st.session_state["questionnaire_pick"] = following
    picked = st.selectbox("Questionnaire", list(names), format_func=names.get, key="questionnaire_pick")
    current = next((q for q in existing if str(q.questionnaire_id) == picked), None)
    rows = _questions_of(current)
    count = int(st.number_input("Nombre de questions", min_value=1, max_value=qstore.MAX_QUESTIONS,
                                value=max(1, len(rows)), key=f"questionnaire_count_{picked}"))
    zone_choices = {"": "Toute la campagne"} | {str(z): plain(n) for z, n in zones.items()}
    with st.form(f"questionnaire_form_{picked}", enter_to_submit=False):
        if current is None:
            zone = st.selectbox("Pour", list(zone_choices), format_func=zone_choices.get)
        else:
            zone = ""
            st.caption("Pour : " + plain(zones.get(current.zone_id, "zone supprimée") if current.zone_id else "toute la campagne"))
        title = st.text_input("Titre", value=current.title if current else "", max_chars=qstore.MAX_TITLE)
        intro = st.text_area("Introduction à dire à la porte", value=current.intro if current else "",
                             max_chars=qstore.MAX_SCRIPT)
        instructions = st.text_area("Consignes au militant", value=current.instructions if current else "",
                                    max_chars=qstore.MAX_SCRIPT)
        written = []
        for i in range(count):
            row = rows[i] if i < len(rows) else {"key": "", "label": "", "kind": "oui_non", "options": ""}
            left, middle, right = st.columns([3, 2, 3])
            label = left.text_input(f"Question {i + 1}", value=row["label"], max_chars=qstore.MAX_LABEL)
            kind = middle.selectbox(f"Type {i + 1}", list(KINDS), index=list(KINDS).index(row["kind"]), format_func=KINDS.get)
            options = right.text_input(f"Choix {i + 1} (séparés par « ; »)", value=row["options"],
                                       help="Pour « un seul choix » et « plusieurs choix » seulement.")
            written.append({"key": row["key"], "label": label, "kind": kind, "options": options})
        if st.form_submit_button("Enregistrer une nouvelle version" if current else "Créer le questionnaire", type="primary"):
            try:
                q = qstore.save(store, by=user, title=title, intro=intro, instructions=instructions, questions=written,
                                zone_id=int(zone) if zone else None,
                                questionnaire_id=None if current is None else current.questionnaire_id)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                st.session_state[_SAVED] = f"Questionnaire enregistré (version {q.version})."
                st.session_state[_PICK_NEXT] = str(q.questionnaire_id)
                st.rerun()
    if current is not None:
        label = "Retirer des téléphones" if current.active else "Remettre sur les téléphones"
        if st.button(label, key=f"questionnaire_active_{picked}"):
            try:
                qstore.set_active(store, current.questionnaire_id, not current.active, by=user)
            except IsoloirError as error:
                st.error(plain(error.message_fr))
            else:
                st.rerun()
    return existing


def draw_on_zones(store: CampaignStore, user: Principal, zone_names: Mapping[int, str], all_turfs: Sequence[Turf]) -> None:
    """The Zones page's questionnaires: the builder, then the results with their map (``edit_zones`` at all; every
    action re-checks the rights in the store when it runs)."""
    import shapely

    from dashboard.canvass.sources import stations_by_id
    from dashboard.ui import data
    from dashboard.ui.terrain_panel import turf_label
    from dashboard.warehouse.queries import station_summaries

    if permission(user.role, "edit_zones") is not Grant.ALL:
        return
    built = draw_builder(store, user, zone_names)
    wh = data.warehouse()
    station_ids = sorted({a.rpartition("@")[2] for t in all_turfs for a in t.address_ids})
    summary = station_summaries(wh, station_ids) if station_ids else None
    station_labels = {} if summary is None else dict(zip(summary["station_id"], summary["label"]))
    turf_labels = {t.turf_id: turf_label(t) for t in all_turfs}

    def areas(group: str, keys: Sequence[str]) -> list[Area]:
        if group == "turf":
            return [Area(str(t.turf_id), turf_labels[t.turf_id], shapely.from_wkb(t.geometry_wkb) if t.geometry_wkb else None)
                    for t in all_turfs]
        shapes = stations_by_id(wh, sorted(set(station_ids) | set(keys)))
        return [Area(str(s), station_labels.get(str(s), str(s)), g) for s, g in zip(shapes["station_id"], shapes.geometry)]

    draw_results(store, user, built, station_labels, turf_labels, areas)


def draw_results(store: CampaignStore, user: Principal, existing: Sequence[Questionnaire],
                 station_labels: Mapping[str, str], turf_labels: Mapping[int, str],
                 areas: Callable[[str, Sequence[str]], Sequence[Area]] | None = None) -> None:
    """« Résultats des questionnaires »: counts and shares per station or turf, a chart of one question, the map
    of one answer's share (``areas(group, keys)``: the outlines), the CSV of the aggregates (no visit, no address,
    no free text)."""
    import streamlit as st

    from dashboard.text import plain
    from dashboard.ui.tables import show_table

    if not existing:
        return
    st.subheader("Résultats des questionnaires")
    names = {q.questionnaire_id: plain(q.title) for q in existing}
    qid = st.selectbox("Questionnaire des résultats", list(names), format_func=names.get, key="questionnaire_results")
    group = st.radio("Par", ["station", "turf"], format_func={"station": "bureau de vote", "turf": "secteur"}.get,
                     horizontal=True, key="questionnaire_group")
    frame = qstore.results(store, qid, by=user, group=group)
    if frame.empty:
        st.caption("Aucune réponse pour l'instant.")
        return
    labels = dict(station_labels) if group == "station" else {str(k): v for k, v in turf_labels.items()}
    show_table(results_table(frame, labels, group))
    st.caption("Part : réponses données / portes ouvertes ayant répondu à la question. Les réponses libres ne sont "
               "jamais agrégées.")
    questions = list(dict.fromkeys(frame["question"]))
    question = st.selectbox("Graphique de la question", questions, format_func=plain, key="questionnaire_chart")
    one = frame.loc[frame["question"] == question]
    chart = one.assign(groupe=[labels.get(g, g) for g in one["group"]]).pivot_table(
        index="groupe", columns="choice", values="count", aggfunc="sum", fill_value=0)
    st.bar_chart(chart, horizontal=True, stack=True, x_label="réponses", y_label="")
    if areas is not None:
        _draw_answer_map(frame, group, areas, one)
    st.download_button("Résultats agrégés (CSV)", qstore.results_csv(frame.assign(group=[labels.get(g, g) for g in frame["group"]]), group),
                       file_name=f"questionnaire-{qid}-{'bureaux' if group == 'station' else 'secteurs'}.csv",
                       mime="text/csv", icon=":material/download:", key="questionnaire_csv")


def _draw_answer_map(frame: pd.DataFrame, group: str, areas: Callable[[str, Sequence[str]], Sequence[Area]],
                     one: pd.DataFrame) -> None:
    """The map of one answer of the question charted: its share per station or turf, with counts in the tooltip."""
    import streamlit as st

    from dashboard.text import plain
    from dashboard.ui import data
    from dashboard.ui.map_panel import deck_beside_legend

    choices = list(dict.fromkeys(one["choice"].astype(str)))
    choice = st.selectbox("Réponse à cartographier", choices, format_func=plain, key="questionnaire_map_choice")
    if choice is None:
        return
    key = str(one["question_key"].iloc[0])
    drawn = answer_map(areas(group, sorted(set(frame["group"].astype(str)))), frame, question_key=key,
                       question=str(one["question"].iloc[0]), choice=choice,
                       group_fr="bureau de vote" if group == "station" else "secteur",
                       map_style=data.settings().map_style)
    if drawn is None:
        st.caption("Aucun contour à dessiner pour ces réponses.")
        return
    deck_beside_legend(drawn.deck, drawn.legend, key="questionnaire_map", height=480, legend_width=1.6)


def draw_review(store: CampaignStore, user: Principal, turf_labels: Mapping[int, str]) -> None:
    """« Réponses mises en attente »: free texts the sensitive-mention guard caught; keep, correct or delete
    each (audited)."""
    import streamlit as st

    from dashboard.errors import IsoloirError
    from dashboard.text import plain
    from dashboard.ui.tables import show_table

    st.subheader("Réponses mises en attente")
    if decided := st.session_state.pop(_DECIDED, None):
        st.success(decided)
    held = text_review.held_texts(store, by=user)  # audited: view_personal_data entries with the counts
    if not held:
        st.caption("Aucun texte libre en attente (réponses, notes de passage, remarques).")
        return
    st.caption("Réponses libres, notes de passage et remarques où le contrôle a vu une mention sensible : elles ne "
               "sont gardées qu'après votre accord. Corrigez-les pour retirer la mention, ou supprimez-les.")
    show_table(held_table(held, turf_labels), personal=True)
    options = {h.review_id: plain(f"{i + 1}. {h.kind_fr} — {h.text[:40]}") for i, h in enumerate(held)}
    picked = st.selectbox("Texte", list(options), format_func=options.get, key="review_pick")
    chosen = next(h for h in held if h.review_id == picked)
    with st.form(f"review_form_{picked}", enter_to_submit=False):
        text = st.text_input("Texte corrigé", value=chosen.text, max_chars=max(qstore.MAX_TEXT, text_review.MAX_NOTE))
        keep, fix, drop = st.columns(3)
        decision = None
        if keep.form_submit_button("Garder tel quel"):
            decision = "approve"
        if fix.form_submit_button("Garder corrigé", type="primary"):
            decision = "edit"
        if drop.form_submit_button("Supprimer"):
            decision = "delete"
    if decision:
        try:
            text_review.decide(store, picked, decision, by=user, text=text if decision == "edit" else None)
        except IsoloirError as error:
            st.error(plain(error.message_fr))
        else:
            st.session_state[_DECIDED] = DECISIONS_FR[decision]
            st.rerun()
