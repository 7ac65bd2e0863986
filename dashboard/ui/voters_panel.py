"""The electoral list on the « Importer » page: a dropped REU extract recognised, previewed, confirmed, reviewed.

A file whose headers read as an electoral list (``ingest/voters.looks_like_voter_list``) is not a
warehouse file: it goes to the campaign store. The preview (``canvass/voters.prepare_voter_import``,
read-only) shows the counts and the match rate, and the rows to review by their line in the file (no
name); « Importer la liste électorale » writes it all or nothing (``write_prepared``: the account's
rights re-read). The review lists the doubtful and unmatched addresses still waiting, each with its
proposal to accept or to leave without an address. Personal data: only when the campaign store's key
is configured (the store is « déverrouillé »), and only for the accounts that may import.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.access.data_key import DataKeyError
from dashboard.canvass.addressmatch import AUTO_SCORE, REVIEW_SCORE, STATUS_LABELS
from dashboard.canvass.voters import REVIEW_COLUMNS, PreparedVoters, opposition_exclude, prepare_voter_import, write_prepared
from dashboard.errors import ImportRejected, IsoloirError
from dashboard.formats import format_fr, paris_today
from dashboard.ingest.tables import RawTable, read_table
from dashboard.ingest.voters import looks_like_voter_list
from dashboard.privacy.segmentation import AGE_BANDS, SEXES
from dashboard.store import crypto
from dashboard.store import voters as voter_store
from dashboard.store.campaign_settings import get_campaign_settings
from dashboard.store.users import User
from dashboard.text import plain, sentence
from dashboard.ui import data
from dashboard.ui.tables import show_table

VOTER_FILES = "import_voter_files"  # paths of the dropped electoral lists
PREPARED = "import_voter_prepared"  # path -> PreparedVoters (or the French refusal)
VOTER_DONE = "import_voter_done"  # French report lines of the last list imported
REVIEW_ROWS = 20


class _Seen(Exception):  # noqa: N818 - carries the answer out of the reader after the header
    def __init__(self, answer: bool) -> None:
        self.answer = answer


def _answer(table: RawTable) -> None:
    raise _Seen(looks_like_voter_list(table))


def is_voter_list(path: Path) -> bool:
    """Whether a dropped file is an electoral list, from its header (a CSV is not read further); an unreadable
    file is left to the other importers."""
    try:
        return looks_like_voter_list(read_table(Path(path), check=_answer))
    except _Seen as seen:
        return seen.answer
    except IsoloirError:
        return False


def prepare(path: Path) -> PreparedVoters | str:
    """The preview of one list, once per file and session (the matching reads the whole list)."""
    cache: dict[str, PreparedVoters | str] = st.session_state.setdefault(PREPARED, {})
    key = str(path)
    if key not in cache:
        try:
            election = get_campaign_settings(data.campaign()).election_date
            cache[key] = prepare_voter_import(Path(path), data.warehouse(), election_date=election,
                                              exclude=opposition_exclude(data.campaign()))
        except IsoloirError as error:
            cache[key] = sentence(error.message_fr)
    return cache[key]


def confirm(user: User, path: Path) -> list[str]:
    """Write the previewed list (the rights re-read when it runs); returns the report's French lines."""
    prepared = prepare(path)
    if isinstance(prepared, str):
        raise ImportRejected(prepared, file=path)
    report = write_prepared(prepared, data.campaign(), by=user)
    forget(path)
    st.session_state[VOTER_DONE] = report.lines_fr()
    return report.lines_fr()


def forget(path: Path | None = None) -> None:
    if path is None:
        st.session_state[VOTER_FILES] = []
        st.session_state[PREPARED] = {}
        return
    st.session_state[VOTER_FILES] = [p for p in st.session_state.get(VOTER_FILES, []) if str(p) != str(path)]
    st.session_state.get(PREPARED, {}).pop(str(path), None)


def _unlocked() -> bool:
    try:
        crypto.keyring()
    except DataKeyError as error:
        st.error(plain(error.message_fr) + " La liste électorale ne peut pas être importée.", icon=":material/key_off:")
        return False
    return True


def _preview(user: User, index: int, path: Path) -> None:
    prepared = prepare(path)
    if isinstance(prepared, str):
        st.error(plain(prepared), icon=":material/block:")
        return
    report = prepared.report
    st.markdown(f"**type** : liste électorale (données personnelles, magasin de campagne)  \n"
                f"**commune(s)** : {plain(', '.join(report.communes))}  \n**encodage** : {plain(report.encoding or '—')}")
    cols = st.columns(4)
    cols[0].metric("Électeurs", format_fr(report.rows))
    cols[1].metric("Adresses rapprochées", f"{format_fr(report.match_rate * 100, 1)} %")
    cols[2].metric("Douteuses", format_fr(report.doubtful))
    cols[3].metric("Non rapprochées", format_fr(report.unmatched))
    st.caption(f"Rapprochement hors ligne avec les adresses REU de l'entrepôt : automatique à partir d'un score de "
               f"{format_fr(AUTO_SCORE)} ; de {format_fr(REVIEW_SCORE)} à {format_fr(AUTO_SCORE)}, douteuse, à revoir ; "
               "rien n'est deviné en dessous.")
    if report.unknown_stations:
        st.warning(plain(f"Bureaux absents de l'entrepôt : {', '.join(report.unknown_stations[:10])}"))
    if len(report.review):
        st.markdown(f"**Lignes à revoir** ({format_fr(len(report.review))}, par ligne du fichier)")
        show_table(review_frame(prepared).head(200))
    if st.button("Importer la liste électorale", type="primary", key=f"voters_confirm_{index}", icon=":material/how_to_reg:"):
        try:
            confirm(user, path)
        except IsoloirError as error:
            st.session_state["import_notice"] = ("error", sentence(error.message_fr) + " Rien n'est écrit.")
        st.rerun()


def _review(user: User) -> None:
    try:
        queue = voter_store.review_queue(data.campaign(), by=user, limit=REVIEW_ROWS)
    except IsoloirError:
        return
    if queue.empty:
        return
    with st.expander(f"Adresses d'électeurs à revoir ({format_fr(len(queue))} affichées)", expanded=False):
        st.caption("Choisissez l'adresse proposée, ou laissez l'électeur sans adresse : rien n'est utilisé sans décision.")
        for row in queue.itertuples(index=False):
            left, middle, right = st.columns([4, 1, 1])
            left.markdown(f"ligne {row.line} · {plain(row.station_id)} · {plain(row.address)} · "
                          f"{plain(STATUS_LABELS.get(row.match_status, row.match_status))} ({format_fr(row.match_score, 0)})"
                          + (f" → {plain(row.candidate_id)}" if isinstance(row.candidate_id, str) else ""))
            if isinstance(row.candidate_id, str) and middle.button("Accepter", key=f"voters_accept_{row.voter_id}"):
                voter_store.decide(data.campaign(), by=user, voter_id=int(row.voter_id), address_id=row.candidate_id)
                st.rerun()
            if right.button("Sans adresse", key=f"voters_leave_{row.voter_id}"):
                voter_store.decide(data.campaign(), by=user, voter_id=int(row.voter_id), address_id=None)
                st.rerun()


def render(user: User) -> None:
    """The dropped electoral lists and the addresses waiting for review (the caller checked the page's right)."""
    done = st.session_state.pop(VOTER_DONE, None)
    if done:
        st.success(plain("\n".join(done)))
    paths = [Path(p) for p in st.session_state.get(VOTER_FILES, [])]
    if paths and _unlocked():
        for index, path in enumerate(paths):
            with st.expander(f"{path.name} — liste électorale", expanded=True):
                _preview(user, index, path)
    _review(user)


# criteria the form offers only to refuse them, with the CNIL's reason (``privacy/segmentation.py``)
REFUSED_CHOICES: dict[str, str] = {"nationality": "nationalité", "birthplace": "lieu de naissance",
                                   "name_consonance": "consonance du nom"}


# the menus' labels: module functions, as session state must pickle
def _all_stations(station: str) -> str:
    return station or "tous"


def _all_bands(band: str) -> str:
    return band or "toutes"


def _sex_label(sex: str) -> str:
    return SEXES.get(sex, "tous")


def _other_label(criterion: str) -> str:
    return REFUSED_CHOICES.get(criterion, "aucun")


def draw_segmentation(user: User) -> None:
    """Terrain's « Liste électorale » section: a lawful selection (station, street, age band, sex), counted, with
    names for the roles that see personal data (a canvasser: their doors); an origin criterion refused, audited."""
    store = data.campaign()
    counts = voter_store.voter_counts_by_station(store, by=user)
    st.subheader("Liste électorale")
    if counts.empty:
        st.caption("Aucun électeur de la liste électorale importée" + (" à vos portes." if user.role == "canvasser" else "."))
        return
    st.caption("Sélections permises (CNIL) : bureau de vote, rue, tranche d'âge, sexe. Jamais selon le nom, le lieu de "
               "naissance ou la nationalité.")
    with st.form("voters_segment", border=False, enter_to_submit=False):
        cols = st.columns(4)
        station = cols[0].selectbox("Bureau", ["", *counts["station_id"]], format_func=_all_stations, key="voters_station")
        street = cols[1].text_input("Rue", max_chars=80, key="voters_street")
        band = cols[2].selectbox("Tranche d'âge", ["", *(b for b, _, _ in AGE_BANDS)], format_func=_all_bands,
                                 key="voters_band")
        sex = cols[3].selectbox("Sexe", ["", *SEXES], format_func=_sex_label, key="voters_sex")
        other = st.selectbox("Autre critère", ["", *REFUSED_CHOICES], format_func=_other_label,
                             key="voters_other", help="Ces critères sont refusés : la CNIL interdit d'en déduire l'origine.")
        names = st.checkbox("Afficher les noms", key="voters_names")
        submitted = st.form_submit_button("Sélectionner")
    if not submitted:
        return
    asked: dict[str, object] = {k: v for k, v in (("station", station), ("street", street.strip()), ("age_band", band),
                                                  ("sex", sex)) if v}
    if other:
        asked[other] = "?"
    try:
        election = get_campaign_settings(store).election_date or paris_today()
        selection = voter_store.select_voters(store, by=user, asked=asked, on=election, names=names)
    except IsoloirError as error:
        st.error(plain(error.message_fr), icon=":material/block:")
        return
    st.metric("Électeurs sélectionnés", format_fr(selection.total))
    st.caption("Par tranche d'âge : " + ", ".join(f"{b} : {format_fr(selection.counts['age_band'][b])}" for b, _, _ in AGE_BANDS))
    headers = {"station_id": "bureau", "street": "rue", "number": "numéro", "age_band": "tranche d'âge", "sex": "sexe",
               "birth_name": "nom de naissance", "usage_name": "nom d'usage", "first_names": "prénoms"}
    shown = selection.frame[[c for c in headers if c in selection.frame.columns]].rename(columns=headers)
    show_table(shown.head(500), personal=True)  # a static table: nothing to select and copy


def review_frame(prepared: PreparedVoters) -> pd.DataFrame:
    """The preview's rows to review with French headers (the page's table, the tests)."""
    return prepared.report.review[list(REVIEW_COLUMNS)].rename(columns=REVIEW_COLUMNS)
