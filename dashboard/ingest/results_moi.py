"""Ministry of the Interior per-BV results, 2017-2022 layout (and its long variant).

Fixed columns (``Code du département``, ``Code de la commune``, ``Code du b.vote``,
``Inscrits``…) then repeated candidate blocks (``N°Panneau``, ``Sexe``, ``Nom``,
``Prénom``, [``Nuance``], [``Liste``], ``Voix``, ``% Voix/Ins``, ``% Voix/Exp``).

The blocks are read from their structure, not from their header texts: the first
block gives the sequence of fields, and every following group of columns must
repeat it, either with empty headers (the Ministry's own files) or with the same
fields under whatever suffix a re-save added (pandas ``Voix.1`` and ``N.Pan..1``,
``Voix_1``, a glued ``Voixct1``, the first block suffixed or not). A file whose
blocks cannot be read that way is refused: it is never imported with fewer
candidates. The long variant (OpenDataSoft re-publication) has one row per
BV × candidate: one named block.
"""

from __future__ import annotations

import re

from dashboard.errors import ImportRejected
from dashboard.ingest.results_layout import CandidateBlock, ResultsLayout
from dashboard.ingest.tables import RawTable, find_column, header_key, is_empty_header

BV_HEADERS = ("Code du b.vote", "Code b.vote", "Code du bureau de vote")
COMMUNE_HEADERS = ("Code de la commune", "Code commune")
_BLOCK_FIELDS = {
    "n°panneau": "panel", "n°liste": "panel", "n° panneau": "panel", "numero de panneau": "panel",
    "n.pan.": "panel", "n.pan": "panel", "n°pan.": "panel",
    "sexe": None, "nom": "last_name", "prenom": "first_name",
    "nuance": "nuance", "code nuance": "nuance",
    "binome": "name", "liste": "list_long", "libelle abrege liste": "list_short",
    "libelle etendu liste": "list_long", "nom tete de liste": None,
    "voix": "votes", "% voix/ins": None, "% voix/exp": None,
    "sieges / elu": None, "sieges secteur": None, "sieges cc": None, "elu": None, "sieges": None,
}
_BLOCK_STARTS = ("n°panneau", "n°liste", "n° panneau", "numero de panneau", "n.pan.", "n.pan", "n°pan.", "code nuance")
# What a re-save appends to a repeated header: ".1" (pandas), "_1", " 1", "-1", a glued "ct1", or a bare "1".
_SUFFIX = re.compile(r"^(?:[._ -]|ct)?\d+$")
# Longest base first, so that "nom tete de liste" wins over "nom" and "n.pan." over "n.pan".
_BASES = sorted(_BLOCK_FIELDS, key=len, reverse=True)
EXPECTED_FR = "N°Panneau, Sexe, Nom, Prénom, [Nuance], [Liste], Voix, % Voix/Ins, % Voix/Exp"


def split_block_header(text: str) -> tuple[str, str] | None:
    """``"Voix.2"`` → ``("voix", ".2")``, ``"N°Panneauct1"`` → ``("n°panneau", "ct1")``,
    ``"Nom"`` → ``("nom", "")``; ``None`` for a header that is not a candidate-block field."""
    key = header_key(text)
    for base in _BASES:
        if key == base:
            return base, ""
        if key.startswith(base) and _SUFFIX.match(key[len(base):]):
            return base, key[len(base):]
    return None


def _suffix_number(suffix: str) -> int | None:
    digits = re.search(r"\d+$", suffix)
    return int(digits.group()) if digits else None


def has_block_start(table: RawTable) -> bool:
    return any((split := split_block_header(h)) is not None and split[0] in _BLOCK_STARTS for h in table.header)


def sniff(table: RawTable) -> bool:
    """The Ministry 2017-2022 family: its ``Code du b.vote`` column (the blocks are checked by :func:`layout`)."""
    return find_column(table, *BV_HEADERS) is not None


def _refuse_blocks(table: RawTable, reason: str, start: int | None = None) -> ImportRejected:
    shown = table.header[start:start + 30] if start is not None else [h for h in table.header if h][:30]
    found = ", ".join(h.replace("\n", " ") for h in shown if h) + ("…" if len(table.header) > (start or 0) + 30 else "")
    return ImportRejected(
        f"blocs de candidats illisibles : {reason}. Attendu après « Exprimés » : des groupes répétés de colonnes "
        f"({EXPECTED_FR}), un par candidat ou liste. Colonnes trouvées : {found}. "
        "Le fichier n'est pas importé pour ne perdre aucun candidat ; décrivez sa mise en page dans un fichier --mapping (TOML).",
        file=table.path,
        line=table.header_line,
    )


def candidate_blocks(table: RawTable) -> tuple[CandidateBlock, ...]:
    """The candidate blocks of ``table``, read from the repeated structure of its columns
    (``()`` when the file has no candidate column at all: turnout only).

    Raises :class:`ImportRejected` (naming what was expected and the columns found)
    when the columns after the first block do not repeat it.
    """
    splits = [split_block_header(h) for h in table.header]
    start = next((i for i, s in enumerate(splits) if s is not None and s[0] in _BLOCK_STARTS), None)
    if start is None:
        if any(s is not None and _BLOCK_FIELDS[s[0]] == "votes" for s in splits):
            raise _refuse_blocks(table, "des colonnes « Voix » sans « N°Panneau » (ou « N.Pan. », « Code Nuance ») qui ouvre chaque bloc")
        return ()  # turnout only: assemble_results refuses it unless partial votes are accepted
    # The first block: its fields in order, up to the first repeated field (or the first other column).
    fields: list[str] = []
    first_suffix = splits[start][1] if splits[start] else ""
    position = start
    while position < len(splits) and splits[position] is not None:
        base, suffix = splits[position]  # type: ignore[misc]
        if base in fields or suffix != first_suffix:
            break
        fields.append(base)
        position += 1
    width = len(fields)
    if "voix" not in fields:
        raise _refuse_blocks(table, "le premier bloc n'a pas de colonne « Voix »", start)
    offsets = {_BLOCK_FIELDS[f]: j for j, f in enumerate(fields) if _BLOCK_FIELDS[f]}
    blocks = [CandidateBlock(**{field: start + off for field, off in offsets.items()})]
    last_number = _suffix_number(first_suffix)
    unnamed = False  # the Ministry's own files name the first block only
    position = start + width
    while position < len(table.header):
        group = table.header[position:position + width]
        if all(is_empty_header(h) for h in group):
            if len(group) < width or (len(blocks) > 1 and not unnamed):
                break  # a short tail, or padding after named blocks (a trailing separator)
            unnamed = True
            blocks.append(CandidateBlock(**{field: position + off for field, off in offsets.items()}))
            position += width
            continue
        if all(s is None for s in splits[position:]):
            break  # other columns after the blocks (OpenDataSoft's EPCI, région, id_bv…)
        group_splits = splits[position:position + width]
        if len(group) < width or any(s is None for s in group_splits) or [s[0] for s in group_splits] != fields:  # type: ignore[index]
            raise _refuse_blocks(
                table,
                f"les colonnes {position + 1} à {min(position + width, len(table.header))} "
                f"(« {', '.join(h for h in group if h)} ») ne répètent pas le premier bloc « {', '.join(table.header[start:start + width])} »",
                start,
            )
        group_suffixes = {s[1] for s in group_splits}  # type: ignore[index]
        if len(group_suffixes) != 1:
            raise _refuse_blocks(table, f"suffixes différents dans un même bloc ({', '.join(group)})", start)
        if unnamed:
            raise _refuse_blocks(table, f"bloc nommé « {group[0]} » après des blocs sans en-tête", start)
        number = _suffix_number(group_suffixes.pop())
        if number is None or (last_number is not None and number <= last_number):
            raise _refuse_blocks(table, f"bloc « {group[0]} » répété sans suffixe croissant", start)
        last_number = number
        blocks.append(CandidateBlock(**{field: position + off for field, off in offsets.items()}))
        position += width
    return tuple(blocks)


def layout(table: RawTable) -> ResultsLayout:
    bv = find_column(table, *BV_HEADERS, required=True)
    assert bv is not None
    return ResultsLayout(
        format_fr="Ministère de l'Intérieur, résultats par bureau (format 2017-2022)",
        bv=bv,
        commune=find_column(table, *COMMUNE_HEADERS, required=True),
        departement=find_column(table, "Code du département", "Code département"),
        station_name=find_column(table, "Libellé du bureau de vote"),
        circonscription=find_column(table, "Code de la circonscription", "Code du canton"),
        registered=find_column(table, "Inscrits", required=True),
        voters=find_column(table, "Votants"),
        abstentions=find_column(table, "Abstentions"),
        blank=find_column(table, "Blancs"),
        null=find_column(table, "Nuls", "Blancs et nuls"),
        expressed=find_column(table, "Exprimés", required=True),
        blocks=candidate_blocks(table),
    )
