"""Turning a raw results table and a column layout into clean turnout and votes frames.

Every results format (ministry 2017-2022, ministry 2024, mapping files) only
describes *where* the fields are (:class:`ResultsLayout`); this module does the
common work: skip rows, normalise ids, parse counts, merge long-format rows,
refuse duplicates and bad numbers, and check the arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.errors import ImportRejected
from dashboard.ingest.ids import make_station_id, normalize_bv_code, normalize_commune_code
from dashboard.ingest.numbers import parse_count
from dashboard.ingest.report import ImportReport
from dashboard.ingest.tables import RawTable

_INSEE_COMMUNE = r"^(?:\d{5}|2[AB]\d{3})$"
TURNOUT_FIELDS = ("registered", "voters", "abstentions", "blank", "null", "expressed")
FIELD_LABELS_FR = {
    "registered": "inscrits", "voters": "votants", "abstentions": "abstentions",
    "blank": "blancs", "null": "nuls", "expressed": "exprimés",
}


@dataclass(frozen=True)
class CandidateBlock:
    """Where one candidate (or list) of a row is: column indexes, or constants for mapped layouts."""

    votes: int
    panel: int | None = None
    last_name: int | None = None
    first_name: int | None = None
    nuance: int | None = None
    list_short: int | None = None
    list_long: int | None = None
    name: int | None = None
    constant_name: str | None = None
    constant_panel: int | None = None


@dataclass(frozen=True)
class ResultsLayout:
    """Column indexes of one results file (``None`` where the file lacks the field)."""

    format_fr: str
    bv: int
    commune: int | None = None
    departement: int | None = None
    commune_constant: str | None = None
    departement_constant: str | None = None
    station_name: int | None = None
    circonscription: int | None = None
    registered: int | None = None
    voters: int | None = None
    abstentions: int | None = None
    blank: int | None = None
    null: int | None = None
    expressed: int | None = None
    blocks: tuple[CandidateBlock, ...] = ()
    skip_lines: frozenset[int] = frozenset()
    skip_column: int | None = None
    skip_pattern: str | None = None
    nuances: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedResults:
    """Clean results of one file for one election.

    ``turnout``: one row per station (``station_id, commune_code, bv_code,
    station_name, circonscription, registered, voters, abstentions, blank, null,
    expressed, line``). ``votes``: one row per station × candidate (``station_id,
    candidate, panel, last_name, first_name, list_label, nuance, votes, line``).
    """

    election_id: str
    turnout: pd.DataFrame
    votes: pd.DataFrame
    report: ImportReport
    commune_names: dict[str, str] = field(default_factory=dict)


def _text(table: RawTable, index: int | None) -> pd.Series:
    if index is None:
        return pd.Series([""] * len(table.cells), index=table.cells.index, dtype=object)
    return table.cells[index].astype(str).str.strip()


def _refuse_at(table: RawTable, rows: pd.Series, column: int, reason: str) -> None:
    """Raise for the first row flagged in ``rows`` (a boolean mask over the table)."""
    positions = np.flatnonzero(rows.to_numpy())
    first = int(positions[0])
    value = str(table.cells.iat[first, column])
    more = f" ({len(positions)} cellules en tout)" if len(positions) > 1 else ""
    hint = " ; pour importer les autres lignes et lister celles-ci, relancez avec --skip-invalid"
    raise ImportRejected(f"{reason} : « {value[:40]} »{more}{hint}", file=table.path, line=int(table.lines[first]), column=table.label(column))


@dataclass
class _Rows:
    """The rows still imported; a bad row refuses the file, or with ``skip_invalid`` is left out and listed."""

    table: RawTable
    report: ImportReport
    keep: pd.Series
    skip_invalid: bool = False

    def invalid(self, rows: pd.Series, column: int, reason: str) -> None:
        rows = rows & self.keep
        if not rows.any():
            return
        if not self.skip_invalid:
            _refuse_at(self.table, rows, column, reason)
        for position in np.flatnonzero(rows.to_numpy()):
            self.report.reject(int(self.table.lines[position]), reason, self.table.label(column), str(self.table.cells.iat[position, column])[:40])
        self.keep &= ~rows


def _counts(rows: _Rows, column: int, *, required: bool) -> pd.Series:
    values, bad, negative = parse_count(rows.table.cells[column].where(rows.keep, ""))
    rows.invalid(bad, column, "nombre attendu (entier positif)")
    rows.invalid(negative, column, "nombre négatif")
    if required:
        rows.invalid(values.isna(), column, "valeur manquante")
    return values


def _normalise_codes(values: pd.Series, func, *args: pd.Series) -> pd.Series:
    """Apply an id normaliser once per distinct value (files repeat their codes)."""
    frame = pd.DataFrame({"v": values, **{f"a{i}": a for i, a in enumerate(args)}})
    unique = frame.drop_duplicates()
    unique["out"] = [func(*row) for row in unique.itertuples(index=False, name=None)]
    merged = frame.merge(unique, how="left", on=list(frame.columns))
    return pd.Series(merged["out"].to_numpy(), index=values.index, dtype=object)


def _candidate_names(table: RawTable, block: CandidateBlock) -> pd.DataFrame:
    last = _text(table, block.last_name)
    first = _text(table, block.first_name)
    list_short = _text(table, block.list_short)
    list_long = _text(table, block.list_long)
    explicit = _text(table, block.name)
    if block.constant_name is not None:
        name = pd.Series([block.constant_name] * len(table.cells), index=table.cells.index, dtype=object)
    else:
        person = (last + " " + first).str.strip()
        name = explicit.where(explicit != "", list_short.where(list_short != "", list_long.where(list_long != "", person)))
    panel_text = _text(table, block.panel)
    panel, _, _ = parse_count(panel_text)
    if block.constant_panel is not None:
        panel = pd.Series([block.constant_panel] * len(table.cells), index=table.cells.index, dtype="Int64")
    name = name.where(name != "", "Panneau " + panel.astype("string").fillna("?"))
    list_label = list_long.where(list_long != "", list_short)
    return pd.DataFrame({
        "candidate": name.str.replace(r"\s+", " ", regex=True),
        "panel": panel,
        "last_name": last,
        "first_name": first,
        "list_label": list_label,
        "nuance": _text(table, block.nuance).str.upper(),
    })


def assemble_results(table: RawTable, layout: ResultsLayout, election_id: str, report: ImportReport, *,
                     allow_partial_votes: bool = False, skip_invalid: bool = False) -> ParsedResults:
    """Apply ``layout`` to ``table``: the common validation of every results format.

    A bad row (unreadable count, station or commune) refuses the file, or with
    ``skip_invalid`` is left out and listed in ``report.invalid_rows``. Candidate
    votes that do not add up to the expressed votes on most stations refuse the
    file unless ``allow_partial_votes`` (a file that keeps only some lists).
    """
    cells = table.cells
    report.format = layout.format_fr
    report.rows_read = len(cells)
    keep = pd.Series(True, index=cells.index)

    if layout.skip_lines:
        hit = pd.Series(np.isin(table.lines, list(layout.skip_lines)), index=cells.index)
        report.skip("lignes exclues par le fichier de correspondance", table.lines[hit.to_numpy()].tolist())
        keep &= ~hit
    if layout.skip_column is not None and layout.skip_pattern:
        pattern = re.compile(layout.skip_pattern)
        hit = keep & _text(table, layout.skip_column).map(lambda v: bool(pattern.search(v)))
        report.skip(f"lignes « {layout.skip_pattern} » (totaux…)", table.lines[hit.to_numpy()].tolist())
        keep &= ~hit

    bv_raw = _text(table, layout.bv)
    blank_bv = keep & (bv_raw == "")
    if blank_bv.any():
        others = [c for c in (layout.registered, layout.expressed) if c is not None]
        all_blank = blank_bv.copy()
        for c in others:
            all_blank &= _text(table, c) == ""
        report.skip("lignes sans bureau ni chiffres", table.lines[all_blank.to_numpy()].tolist())
        keep &= ~all_blank

    rows = _Rows(table, report, keep, skip_invalid)
    rows.invalid(bv_raw == "", layout.bv, "numéro de bureau manquant")
    bv = _normalise_codes(bv_raw, normalize_bv_code)
    rows.invalid(bv.isna(), layout.bv, "numéro de bureau de vote illisible")

    if layout.commune is not None:
        if layout.departement is not None:
            dep = _text(table, layout.departement)
        else:
            dep = pd.Series([layout.departement_constant or ""] * len(cells), index=cells.index, dtype=object)
        commune = _normalise_codes(_text(table, layout.commune), lambda c, d: normalize_commune_code(c, d or None), dep)
        abroad = dep.str.upper() == "ZZ"  # the Ministry's "Français établis hors de France": no INSEE commune
        rows.invalid(abroad, layout.commune,
                     "Français de l'étranger (département ZZ) : pas de commune INSEE ni de contour ; excluez ces lignes (--skip-invalid)")
        # normalize_commune_code keeps an unknown letter département as a prefix ("ZZ229"): not an INSEE code
        rows.invalid(~commune.fillna("").str.match(_INSEE_COMMUNE), layout.commune, "code commune INSEE illisible")
    elif layout.commune_constant:
        code = normalize_commune_code(layout.commune_constant)
        if code is None:
            raise ImportRejected(f"code commune « {layout.commune_constant} » invalide dans la correspondance", file=table.path)
        commune = pd.Series([code] * len(cells), index=cells.index, dtype=object)
    else:
        raise ImportRejected(
            "le fichier n'indique pas la commune : ajoutez « commune = \"<code INSEE>\" » au fichier de correspondance (--mapping)",
            file=table.path,
        )

    counts: dict[str, pd.Series] = {}
    for name in TURNOUT_FIELDS:
        column = getattr(layout, name)
        if column is not None:
            counts[name] = _counts(rows, column, required=name in ("registered", "expressed"))
    if "registered" not in counts or "expressed" not in counts:
        raise ImportRejected("colonnes « Inscrits » et « Exprimés » obligatoires introuvables", file=table.path, line=table.header_line)
    if "voters" not in counts and "abstentions" not in counts:
        raise ImportRejected("ni « Votants » ni « Abstentions » : la participation est incalculable", file=table.path, line=table.header_line)

    votes_by_block = _block_votes(rows, layout)
    keep = rows.keep
    rows = cells.index[keep.to_numpy()]
    turnout = pd.DataFrame({
        "line": table.lines[keep.to_numpy()],
        "commune_code": commune[rows].to_numpy(),
        "bv_code": bv[rows].to_numpy(),
        "station_name": _text(table, layout.station_name)[rows].to_numpy(),
        "circonscription": _text(table, layout.circonscription)[rows].to_numpy(),
    }, index=rows)
    turnout["station_id"] = [make_station_id(c, b) for c, b in zip(turnout["commune_code"], turnout["bv_code"])]
    # A PLM arrondissement (75118 + 20) becomes its city (75056_1820): keep the parts in step with the id.
    parts = [str(s).split("_", 1) for s in turnout["station_id"]]
    turnout["commune_code"] = pd.Series([p[0] for p in parts], index=turnout.index, dtype=object)
    turnout["bv_code"] = pd.Series([p[1] for p in parts], index=turnout.index, dtype=object)
    for name in TURNOUT_FIELDS:
        turnout[name] = counts[name][rows] if name in counts else pd.Series(pd.NA, index=rows, dtype="Int64")
    if "abstentions" not in counts:
        turnout["abstentions"] = turnout["registered"] - turnout["voters"]
        report.details["abstentions"] = "absentes du fichier : calculées (inscrits − votants)"
    if "voters" not in counts:
        turnout["voters"] = turnout["registered"] - turnout["abstentions"]
        report.details["votants"] = "absents du fichier : calculés (inscrits − abstentions)"

    votes = _votes(table, layout, keep, turnout, votes_by_block)
    turnout = _merge_station_rows(table, turnout)
    _refuse_duplicate_candidates(table, votes)
    votes = votes.drop(columns=["row"]).reset_index(drop=True)
    report.rows_imported = int(keep.sum())
    if not layout.blocks:
        if not allow_partial_votes:
            raise ImportRejected(
                "aucune colonne de voix par candidat ou liste : ce fichier ne donne que la participation "
                "(inscrits, votants, exprimés). Pour n'importer que la participation, relancez avec --allow-partial-votes ; "
                "sinon, importez le fichier complet avec les blocs de candidats",
                file=table.path, line=table.header_line,
            )
        report.warn("participation seule : aucun candidat dans ce fichier (importé avec --allow-partial-votes)")
    _check_arithmetic(turnout, votes, report, allow_partial_votes=allow_partial_votes, path=table.path)
    return ParsedResults(election_id, turnout.reset_index(drop=True), votes, report)


VOTES_COLUMNS = ("candidate", "panel", "last_name", "first_name", "list_label", "nuance", "votes", "row")


def _block_votes(rows: _Rows, layout: ResultsLayout) -> list[tuple[CandidateBlock, pd.Series]]:
    """Each block's parsed votes; a row with an unreadable or negative count is invalid as a whole."""
    parsed = []
    for block in layout.blocks:
        votes, bad, negative = parse_count(rows.table.cells[block.votes].where(rows.keep, ""))
        rows.invalid(bad, block.votes, "nombre de voix attendu (entier positif)")
        rows.invalid(negative, block.votes, "nombre de voix négatif")
        parsed.append((block, votes))
    return parsed


def _votes(table: RawTable, layout: ResultsLayout, keep: pd.Series, turnout: pd.DataFrame,
           block_votes: list[tuple[CandidateBlock, pd.Series]]) -> pd.DataFrame:
    frames = []
    for block, votes in block_votes:
        present = keep & votes.notna()
        if not present.any():
            continue
        names = _candidate_names(table, block)[present]
        frame = names.assign(votes=votes[present], row=names.index)
        frames.append(frame)
    if not frames and layout.blocks:
        raise ImportRejected("aucune voix trouvée dans les colonnes des candidats", file=table.path)
    if not frames:
        empty = pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("panel", "votes") else object) for c in VOTES_COLUMNS})
        return empty.assign(station_id=pd.Series(dtype=object), line=pd.Series(dtype="int64"))
    votes = pd.concat(frames, ignore_index=True)
    votes = votes.merge(turnout[["station_id", "line"]], left_on="row", right_index=True, how="left")
    if layout.nuances:
        mapped = votes["candidate"].map(layout.nuances)
        votes["nuance"] = mapped.where(mapped.notna(), votes["nuance"])
    votes["nuance"] = votes["nuance"].replace("", pd.NA)
    return votes


def _merge_station_rows(table: RawTable, turnout: pd.DataFrame) -> pd.DataFrame:
    """Long format repeats a station's totals on each candidate row: they must agree."""
    dup = turnout.duplicated("station_id", keep=False)
    if not dup.any():
        return turnout
    fields = [f for f in TURNOUT_FIELDS]
    groups = turnout[dup].groupby("station_id", sort=False)
    for station_id, group in groups:
        distinct = group[fields].astype("string").drop_duplicates()
        if len(distinct) > 1:
            lines = group["line"].tolist()
            changed = [FIELD_LABELS_FR[f] for f in fields if group[f].astype("string").nunique(dropna=False) > 1]
            raise ImportRejected(
                f"bureau {station_id} en double avec des totaux différents ({', '.join(changed)}) aux lignes "
                f"{', '.join(str(n) for n in lines[:6])} : supprimez la ligne erronée ou excluez-la (skip_lines dans --mapping)",
                file=table.path,
                line=int(lines[1]),
            )
    return turnout.drop_duplicates("station_id", keep="first")


def _refuse_duplicate_candidates(table: RawTable, votes: pd.DataFrame) -> None:
    dup = votes.duplicated(["station_id", "candidate"], keep=False)
    if dup.any():
        first = votes[dup].sort_values("line").iloc[0]
        same = votes[dup & (votes["station_id"] == first["station_id"]) & (votes["candidate"] == first["candidate"])]
        lines = sorted(set(int(x) for x in same["line"]))
        if len(lines) > 1:
            what = f"le bureau {first['station_id']} apparaît plusieurs fois (lignes {', '.join(map(str, lines[:6]))})"
        else:
            what = f"le candidat « {first['candidate']} » apparaît deux fois pour le bureau {first['station_id']}"
        raise ImportRejected(f"doublon : {what}", file=table.path, line=lines[-1])


PARTIAL_VOTES_SHARE = 0.5  # above this share of stations with voix ≠ exprimés, the file is refused unless confirmed


def _check_arithmetic(turnout: pd.DataFrame, votes: pd.DataFrame, report: ImportReport, *,
                      allow_partial_votes: bool = False, path: Path | None = None) -> None:
    before = len(report.warnings)
    def stations(mask: pd.Series) -> str:
        ids = turnout.loc[mask.fillna(False).to_numpy(), "station_id"].tolist()
        return ", ".join(ids[:8]) + ("…" if len(ids) > 8 else "")

    reg_mismatch = turnout["registered"] != turnout["abstentions"] + turnout["voters"]
    if reg_mismatch.fillna(False).any():
        report.warn(f"inscrits ≠ abstentions + votants pour {int(reg_mismatch.fillna(False).sum())} bureau(x) : {stations(reg_mismatch)}")
    if turnout["blank"].notna().all() and turnout["null"].notna().all():
        vot_mismatch = turnout["voters"] != turnout["blank"] + turnout["null"] + turnout["expressed"]
        if vot_mismatch.fillna(False).any():
            report.warn(f"votants ≠ blancs + nuls + exprimés pour {int(vot_mismatch.fillna(False).sum())} bureau(x) : {stations(vot_mismatch)}")
    sums = votes.groupby("station_id")["votes"].sum()
    exp = turnout.set_index("station_id")["expressed"]
    diff = exp.sub(sums.reindex(exp.index).fillna(0))
    bad = diff != 0
    if votes.empty:
        bad = bad & False  # turnout only: already said
    if bad.any() and int(bad.sum()) > PARTIAL_VOTES_SHARE * len(diff):
        count = f"voix ≠ exprimés sur {int(bad.sum())} bureaux sur {len(diff)}"
        if not allow_partial_votes:
            examples = ", ".join(f"{s} ({int(d):+d})" for s, d in diff[bad].head(5).items())
            raise ImportRejected(
                f"{count} (exprimés − somme des voix : {examples}) : des candidats ou des listes manquent. "
                "Si le fichier ne garde volontairement que certaines listes, relancez avec --allow-partial-votes",
                file=path,
            )
        report.details["voix partielles"] = f"acceptées (--allow-partial-votes) : {count}"
    if bad.any():
        report.warn(
            f"somme des voix ≠ exprimés pour {int(bad.sum())} bureau(x) : "
            + ", ".join(f"{s} ({int(d):+d})" for s, d in diff[bad].head(8).items())
        )
    report.details["arithmétique"] = "vérifiée" if len(report.warnings) == before else "écarts signalés ci-dessous"
