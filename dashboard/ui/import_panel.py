"""The « Importer » page: drop files, see what each is, preview, correct, confirm; the same code path as ``isoloir import``.

The file handling is plain functions of paths (:func:`add_paths`, :func:`correct`, :func:`confirm`),
so tests drive them without a browser upload; the uploader only writes the dropped files to a private
temporary folder (``files.private_dir``) and hands their paths over. Recognition is
``ingest/recognise.py`` (the registry's parsers), the preview ``warehouse/preview.py`` (read-only),
the write ``warehouse/importer.write_imports`` (a copy swapped into place). The acting account is
re-read when the write runs (``store/data_right.authorise``): a right removed while the page was
open refuses the confirm. The temporary folder is deleted after the import or when the list is emptied.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.boundaries.build import METHODS
from dashboard.boundaries.crosswalk import refresh_after_import
from dashboard.boundaries.from_addresses import VersionBuilt, build_version
from dashboard.boundaries.quality import summary_lines
from dashboard.errors import ImportRejected, IsoloirError
from dashboard.files import private_dir, private_file
from dashboard.formats import format_fr
from dashboard.ingest import KINDS, ImportOptions
from dashboard.ingest.ids import city_code
from dashboard.ingest.limits import MAX_TABLE_BYTES, MiB, size_fr
from dashboard.ingest.mapping_file import FIELDS, build_mapping, save_mapping, saved_mappings
from dashboard.ingest.recognise import Recognition, recognise
from dashboard.ingest.report import ImportReport
from dashboard.iris.weights import interpolate_all
from dashboard.store import audit, data_right
from dashboard.store.users import User
from dashboard.text import plain, sentence
from dashboard.ui import data, voters_panel
from dashboard.ui.navigation import PAGES_DIR
from dashboard.ui.tables import show_table
from dashboard.warehouse.database import warehouse_path
from dashboard.warehouse.importer import file_sha256, write_imports
from dashboard.warehouse.writing import writing
from dashboard.warehouse.preview import preview

FILES = "import_files"  # list of Recognition, in the order dropped
DIR = "import_dir"  # the private temporary folder of this session's uploads
DONE = "import_done"  # the last import: (French report lines, communes, kinds, indicators (variable, year, label))
NOTICE = "import_notice"
UPLOADER = "import_uploader"  # + the generation: a new, empty uploader after an import or « Vider la liste »
GENERATION = "import_generation"
SEEN = "import_seen"  # ids of the uploads already handed over (the uploader gives back every file it holds)
GEOMETRY_KINDS = ("stations", "iris-contours", "addresses")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def upload_dir() -> Path:
    """This session's private temporary folder for dropped files (0700), made on first use."""
    folder = st.session_state.get(DIR)
    if not folder or not Path(folder).is_dir():
        folder = tempfile.mkdtemp(prefix="isoloir-import-")
        st.session_state[DIR] = folder
    return private_dir(Path(folder))


def clear() -> None:
    """Forget the dropped files and delete their temporary folder."""
    folder = st.session_state.pop(DIR, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
    st.session_state[FILES] = []
    voters_panel.forget()
    st.session_state[SEEN] = []
    st.session_state[GENERATION] = int(st.session_state.get(GENERATION, 0)) + 1


def save_upload(name: str, content: bytes) -> Path:
    """Write one dropped file (its name kept: the election is read from it) into the private folder."""
    if len(content) > MAX_TABLE_BYTES:
        raise ImportRejected(f"fichier trop volumineux ({size_fr(len(content))}) : la limite est de {size_fr(MAX_TABLE_BYTES)}",
                             file=name)
    safe = _SAFE.sub("_", Path(name).name).lstrip(".") or "fichier"
    folder = upload_dir()
    target = folder / safe
    number = 1
    while target.exists():  # the same name dropped twice: keep both
        target = private_dir(folder / str(number)) / safe
        number += 1
    target.write_bytes(content)
    return private_file(target)


def files() -> list[Recognition]:
    return list(st.session_state.get(FILES, []))


def add_paths(paths: list[Path]) -> list[Recognition]:
    """Recognise each file (the registry's parsers, nothing written) and add it to the page's list; an electoral
    list goes to the campaign store's flow instead (``ui/voters_panel.py``)."""
    voter_lists = [Path(p) for p in paths if voters_panel.is_voter_list(Path(p))]
    st.session_state[voters_panel.VOTER_FILES] = list(st.session_state.get(voters_panel.VOTER_FILES, [])) + voter_lists
    found = [recognise(Path(p)) for p in paths if Path(p) not in voter_lists]
    st.session_state[FILES] = files() + found
    st.session_state.pop(DONE, None)
    return found


def correct(index: int, *, kind: str | None = None, election: str | None = None, crs: str | None = None,
            mapping: Path | None = None, columns: dict[str, str] | None = None, skip_invalid: bool = False,
            allow_partial_votes: bool = False) -> Recognition:
    """Read file ``index`` again with the user's corrections (kind, election, CRS, mapping file or stations
    columns, partial imports: bad rows or features left out and listed, votes that miss the expressed votes)."""
    current = files()
    old = current[index]
    options = ImportOptions(election=(election or "").strip() or None, crs=(crs or "").strip() or None,
                            mapping=mapping, columns=dict(columns or {}), skip_invalid=skip_invalid,
                            allow_partial_votes=allow_partial_votes)
    new = recognise(old.path, options, kind or old.kind)
    current[index] = new
    st.session_state[FILES] = current
    return new


def menu_mapping(index: int, kind: str, columns: dict[str, str], candidates: list[str], commune: str | None,
                 election: str | None, skip_prefix: str | None = None) -> Path:
    """The mapping built from the menus, as a TOML file beside the upload (the format ``--mapping`` reads)."""
    text = build_mapping(kind, columns, candidates, (commune or "").strip() or None, (election or "").strip() or None,
                         skip_prefix)
    path = upload_dir() / f"correspondance-{index}.toml"
    path.write_text(text, encoding="utf-8")
    return private_file(path)


def confirm(user: User, data_dir: Path, progress: Any = None) -> list[ImportReport]:
    """Write every recognised file into the warehouse in one swap, after re-reading the user's right.

    Raises :class:`~dashboard.access.permissions.PermissionDenied` (right removed: nothing written)
    or :class:`~dashboard.errors.ImportRejected` (nothing written). Deletes the uploads afterwards."""
    store = data.campaign()
    actor = data_right.authorise(store, user, "import_data")  # now, not when the page was drawn
    ready = [r for r in files() if r.ok and r.kind]
    if not ready:
        raise ImportRejected("aucun fichier prêt à importer : corrigez ou retirez les fichiers refusés")
    batches = [(str(r.kind), [(r.path, r.parsed, file_sha256(r.path))], r.options) for r in ready]
    reports = write_imports(batches, data_dir, progress, after_write=refresh_after_import)
    communes = sorted({c for r in ready for c in r.communes})
    audit.record(store, actor, "import", "warehouse", None,
                 {"files": [r.path.name for r in ready], "kinds": sorted({str(r.kind) for r in ready}),
                  "communes": communes[:20]}, "success")
    lines = [line for report in reports for line in report.lines_fr()]
    st.session_state[DONE] = (lines, communes, sorted({str(r.kind) for r in ready}), imported_indicators(ready))
    clear()
    return reports


def imported_indicators(ready: list[Recognition]) -> list[tuple[str, int, str]]:
    """(variable, year, label) of every IRIS indicator among the files imported, in file order."""
    found: dict[tuple[str, int], str] = {}
    for rec in ready:
        if rec.kind == "iris-indicators":
            for row in rec.parsed.catalog.itertuples(index=False):
                found.setdefault((str(row.variable), int(row.year)), row.label if isinstance(row.label, str) and row.label else str(row.variable))
    return [(variable, year, label) for (variable, year), label in found.items()]


def stations_from_addresses(user: User, index: int, data_dir: Path, *, method: str, label: str | None,
                            valid_from: Any = None, progress: Any = None) -> VersionBuilt:
    """Draw the polling stations of the communes of REU address file ``index`` (``isoloir stations
    from-addresses``' code path): a new boundary version, its quality figures and crosswalks, written in one
    swap of the warehouse after re-reading the user's right. Raises IsoloirError (nothing written)."""
    store = data.campaign()
    actor = data_right.authorise(store, user, "import_data")  # now, not when the page was drawn
    rec = files()[index]
    with writing(warehouse_path(data_dir), progress=progress) as wh:
        built = build_version(wh, rec.path, label=(label or "").strip() or None, valid_from=valid_from,
                              method=method, progress=progress)
    audit.record(store, actor, "import", "warehouse", None,
                 {"files": [rec.path.name], "kinds": ["stations-from-addresses"], "set_id": built.set_id,
                  "method": method}, "success")
    return built


def indicator_map_params(variable: str, year: int, communes: list[str]) -> dict[str, str]:
    """The Carte's query parameters (``maps/view.PARAMS``) showing ``variable`` estimated per station on the
    cities of ``communes`` (an arrondissement code counts as its city: its stations carry the city's code)."""
    cities = sorted({city_code(c) for c in communes})
    return {"mesure": "indicator", "indicateur": variable, "annee": str(year), "communes": ",".join(cities[:20])}


# -- drawing --------------------------------------------------------------------------------------
def _notice() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.error)(plain(text))


def _uploader_key() -> str:
    return f"{UPLOADER}_{int(st.session_state.get(GENERATION, 0))}"


def _on_upload() -> None:
    seen = list(st.session_state.get(SEEN, []))
    uploads = [u for u in st.session_state.get(_uploader_key()) or [] if u.file_id not in seen]
    st.session_state[SEEN] = seen + [u.file_id for u in uploads]
    paths = []
    for upload in uploads:
        try:
            paths.append(save_upload(upload.name, upload.getvalue()))
        except IsoloirError as error:
            st.session_state[NOTICE] = ("error", sentence(error.message_fr))
    if paths:
        add_paths(paths)


def _recognition(rec: Recognition) -> None:
    facts = {
        "type": rec.kind_label if rec.ok else f"{rec.kind_label} (supposé)",
        "mise en page": rec.layout or "—",
        "élection": rec.election or "—",
        "commune(s)": ", ".join(rec.communes[:12]) + ("…" if len(rec.communes) > 12 else "") if rec.communes else "—",
        "encodage": rec.encoding or "—",
    }
    st.markdown("  \n".join(f"**{k}** : {plain(v)}" for k, v in facts.items()))
    if not rec.ok and rec.message_fr:
        st.error(plain(sentence(rec.message_fr)), icon=":material/block:")


def _preview(rec: Recognition) -> None:
    try:
        wh = data.warehouse()
    except IsoloirError:
        wh = None
    shown = preview(rec.parsed, wh)
    report = shown.report
    cols = st.columns(3)
    cols[0].metric("Lignes lues", format_fr(report.rows_read))
    cols[1].metric("Gardées", format_fr(report.rows_imported))
    cols[2].metric("Ignorées", format_fr(report.rows_skipped))
    for skipped in report.skipped:
        where = ", ".join(str(n) for n in skipped.lines) + ("…" if skipped.count > len(skipped.lines) else "")
        st.markdown(f"- {format_fr(skipped.count)} ignorée(s) : {plain(skipped.reason_fr)} (lignes {plain(where)})")
    if report.invalid_rows:
        st.markdown(f"**{format_fr(len(report.invalid_rows))} élément(s) invalide(s) écarté(s)** (chacun sera noté dans le journal des imports)")
        show_table(pd.DataFrame([{"ligne": row.line, "colonne": row.column, "raison": row.reason_fr, "valeur": row.value}
                                 for row in report.invalid_rows]))
    for warning in report.warnings:
        st.warning(plain(warning))
    if not shown.candidates.empty:
        st.markdown("**Candidats et listes trouvés**")
        show_table(shown.candidates.rename(columns={"candidate": "candidat", "nuance": "nuance", "list_label": "liste",
                                                    "votes": "voix"}))
    if shown.arithmetic:
        st.markdown("**Vérifications arithmétiques**")
        for line in shown.arithmetic:
            st.markdown(f"- {plain(line)}")
    if shown.joins:
        st.markdown("**Jointures avec l'entrepôt actuel**")
        for label, value in shown.joins.items():
            st.markdown(f"- {plain(label)} : {plain(str(value))}")


def _kind_label(kind: str) -> str:  # a module function: session state must pickle
    return KINDS[kind].label_fr


def _correction(index: int, rec: Recognition) -> None:
    kinds = list(KINDS)
    key = f"import_fix_{index}_{rec.path.name}"
    with st.form(key, enter_to_submit=False):
        kind = st.selectbox("Type", kinds, index=kinds.index(rec.kind) if rec.kind in kinds else 0,
                            format_func=_kind_label, key=f"{key}_kind")
        left, right = st.columns(2)
        election = left.text_input("Élection (ex. leg2024_t1, pres2022_t1)", value=rec.options.election or rec.election or "",
                                   key=f"{key}_election")
        crs = right.text_input("Système de coordonnées (ex. EPSG:2154)", value=rec.options.crs or "", key=f"{key}_crs")
        saved = saved_mappings(data.settings().data_dir)
        mapping_name = st.selectbox("Correspondance enregistrée", ["—", *saved], key=f"{key}_saved")
        choices = ["—", *rec.columns]
        fields = FIELDS.get(str(kind), {})
        chosen: dict[str, str] = {}
        candidates: list[str] = []
        commune = skip = ""
        if fields and rec.columns:
            st.markdown("**Correspondance des colonnes** (laisser « — » pour la reconnaissance automatique)")
            grid = st.columns(2)
            for number, (field, label) in enumerate(fields.items()):
                value = grid[number % 2].selectbox(label, choices, key=f"{key}_col_{field}")
                if value != "—":
                    chosen[field] = str(value)
            if kind == "results":
                candidates = st.multiselect("Colonnes des voix des candidats", list(rec.columns), key=f"{key}_cands")
            if kind in ("results", "stations"):
                commune = st.text_input("Code commune (si le fichier n'en a pas)", key=f"{key}_commune")
            if kind == "results":
                skip = st.text_input("Ignorer les lignes dont le bureau commence par (ex. Total)", key=f"{key}_skip")
        partial_left, partial_right = st.columns(2)
        skip_invalid = partial_left.checkbox(
            "Importer le reste si des lignes ou des contours sont invalides", value=rec.options.skip_invalid,
            key=f"{key}_skip_invalid", help="Chaque élément écarté est listé avec sa raison dans le rapport et le journal des imports.")
        partial_votes = partial_right.checkbox(
            "Accepter des voix qui ne font pas le total des exprimés", value=rec.options.allow_partial_votes,
            key=f"{key}_partial_votes", help="Pour un fichier qui ne garde que certaines listes ; ce choix est noté dans le journal des imports.")
        save_as = st.text_input("Enregistrer la correspondance sous le nom (facultatif)", key=f"{key}_save_as")
        submitted = st.form_submit_button("Relire avec ces corrections", icon=":material/refresh:")
    if not submitted:
        return
    try:
        mapping = saved.get(str(mapping_name)) if mapping_name != "—" else None
        columns: dict[str, str] = {}
        if chosen and kind == "results":
            mapping = menu_mapping(index, "results", chosen, candidates, commune, election, skip)
        elif kind == "stations" and commune.strip():
            mapping = menu_mapping(index, "stations", chosen, [], commune, None)  # a constant commune: the mapping file
        elif chosen and kind == "stations":
            columns = chosen
            mapping = menu_mapping(index, "stations", chosen, [], None, None)
        elif chosen and kind in ("iris-contours", "iris-indicators"):
            mapping = menu_mapping(index, str(kind), chosen, [], None, None)
        if save_as.strip() and mapping is not None:
            path = save_mapping(data.settings().data_dir, save_as, mapping.read_text(encoding="utf-8"))
            st.session_state[NOTICE] = ("success", f"Correspondance enregistrée : {path.name}.")
        if kind not in ("results", "stations", "iris-contours", "iris-indicators"):
            mapping = None  # the other kinds read no mapping file
        correct(index, kind=str(kind), election=election, crs=crs, mapping=None if columns else mapping, columns=columns,
                skip_invalid=bool(skip_invalid), allow_partial_votes=bool(partial_votes))
    except IsoloirError as error:
        st.session_state[NOTICE] = ("error", sentence(error.message_fr))
    st.rerun()


def _done(user: User) -> None:
    lines, communes, kinds, indicators = st.session_state[DONE]
    st.success("Import terminé : l'entrepôt est à jour.", icon=":material/check_circle:")
    st.code("\n".join(lines), language=None)
    if communes:
        st.page_link(str(PAGES_DIR / "carte.py"), label=f"Voir sur la carte ({', '.join(communes[:5])})", icon=":material/map:",
                     query_params={"communes": ",".join(communes[:20])})
    if set(kinds) & set(GEOMETRY_KINDS) and st.button("Calculer les poids IRIS → bureaux (interpolate)",
                                                       key="import_interpolate", icon=":material/grid_on:"):
        try:
            data_right.authorise(data.campaign(), user, "import_data")
            bar = st.progress(0.0, text="Pondérations IRIS → bureaux")
            rows, summary = interpolate_all(data.settings().warehouse_path,
                                            progress=lambda text, part: bar.progress(min(max(part, 0.0), 1.0), text=text))
            st.success(f"Pondérations IRIS → bureaux : {format_fr(rows)} ligne(s) écrite(s).")
            for line in summary:
                st.markdown(f"- {plain(line)}")
        except IsoloirError as error:
            st.error(plain(sentence(error.message_fr)))
    for variable, year, label in indicators[:5] if communes else []:
        st.page_link(str(PAGES_DIR / "carte.py"), label=f"Voir « {label} » ({year}) estimé par bureau sur la carte",
                     icon=":material/map:", query_params=indicator_map_params(variable, year, communes))
    if indicators and set(kinds) & set(GEOMETRY_KINDS):
        st.caption("Calculez d'abord les poids IRIS → bureaux : sans eux, l'indicateur ne peut pas être estimé par bureau.")


def _from_addresses(user: User, index: int, rec: Recognition) -> None:
    """« Dessiner les bureaux » from a REU address file: a new boundary version (no contour file needed)."""
    key = f"import_build_{index}_{rec.path.name}"
    with st.form(key, enter_to_submit=False):
        st.markdown("**Dessiner les bureaux de vote depuis ces adresses** (nouvelle version de contours, "
                    "chaque adresse dans son bureau)")
        left, middle, right = st.columns(3)
        method = left.selectbox("Méthode", list(METHODS), format_func=_method_label, key=f"{key}_method")
        label = middle.text_input("Libellé de la version", key=f"{key}_label")
        valid_from = right.date_input("Valide à partir du", value=None, format="DD/MM/YYYY", key=f"{key}_from")
        submitted = st.form_submit_button("Dessiner les bureaux", icon=":material/polyline:")
    if not submitted:
        return
    bar = st.progress(0.0, text="Bureaux depuis les adresses")
    try:
        built = stations_from_addresses(user, index, data.settings().data_dir, method=str(method), label=label,
                                        valid_from=valid_from,
                                        progress=lambda text, part: bar.progress(min(max(part, 0.0), 1.0), text=text))
    except IsoloirError as error:
        st.error(plain(sentence(error.message_fr)) + " L'entrepôt est inchangé.")
        return
    st.success(f"Version de contours « {plain(built.label)} » : {format_fr(len(built.result.stations))} bureau(x) dessiné(s).",
               icon=":material/check_circle:")
    st.markdown("  \n".join(plain(line) for line in summary_lines(built.quality)))


_METHOD_LABELS = {"iris": "Voronoï découpé le long des IRIS (défaut)", "empty": "Voronoï, terrains vides le long des IRIS",
                  "streets": "Voronoï avec points le long des rues", "voronoi": "Voronoï simple (référence)"}


def _method_label(method: str) -> str:  # a module function: session state must pickle
    return _METHOD_LABELS.get(method, method)


def render(user: User) -> None:
    """The whole page (the caller checked that the user may open it)."""
    st.title("Importer des fichiers")
    st.caption("Résultats, contours de bureaux, IRIS, indicateurs INSEE, adresses du REU, communes, et la liste électorale "
               "(magasin de campagne). Rien n'est écrit "
               "avant votre confirmation. La commande « isoloir import » fait la même chose en ligne de commande.")
    st.file_uploader("Déposez un ou plusieurs fichiers", accept_multiple_files=True, key=_uploader_key(), on_change=_on_upload,
                     max_upload_size=MAX_TABLE_BYTES // MiB)
    _notice()
    voters_panel.render(user)
    if DONE in st.session_state:
        _done(user)
    current = files()
    if not current:
        return
    for index, rec in enumerate(current):
        with st.expander(f"{rec.path.name} — {'prêt' if rec.ok else 'refusé'}", expanded=True):
            _recognition(rec)
            if rec.ok:
                _preview(rec)
            if rec.ok and rec.kind == "addresses":
                _from_addresses(user, index, rec)
            _correction(index, rec)
    ready = sum(r.ok for r in current)
    left, right = st.columns([3, 1])
    if left.button(f"Importer {ready} fichier(s) dans l'entrepôt", type="primary", disabled=not ready, key="import_confirm",
                   icon=":material/upload:"):
        bar = st.progress(0.0, text="Import")
        try:
            confirm(user, data.settings().data_dir,
                    progress=lambda text, part: bar.progress(min(max(part, 0.0), 1.0), text=text))
        except IsoloirError as error:
            st.session_state[NOTICE] = ("error", sentence(error.message_fr) + " L'entrepôt est inchangé.")
        st.rerun()
    if right.button("Vider la liste", key="import_clear", icon=":material/delete:"):
        clear()
        st.rerun()
