"""Ministry of the Interior per-BV results, 2017-2022 layout (and its long variant).

Fixed columns (``Code du département``, ``Code de la commune``, ``Code du b.vote``,
``Inscrits``…) then candidate blocks (``N°Panneau``, ``Sexe``, ``Nom``,
``Prénom``, [``Nuance``], ``Voix``, ``% Voix/Ins``, ``% Voix/Exp``) of which
only the first has headers. The long variant (OpenDataSoft re-publication) has
one row per BV × candidate with every header named.
"""

from __future__ import annotations

from dashboard.ingest.results_layout import CandidateBlock, ResultsLayout
from dashboard.ingest.tables import RawTable, find_column, header_key, is_empty_header

BV_HEADERS = ("Code du b.vote", "Code b.vote", "Code du bureau de vote")
_BLOCK_FIELDS = {
    "n°panneau": "panel", "n°liste": "panel", "n° panneau": "panel", "numero de panneau": "panel",
    "sexe": None, "nom": "last_name", "prenom": "first_name",
    "nuance": "nuance", "code nuance": "nuance",
    "binome": "name", "liste": "list_long", "libelle abrege liste": "list_short",
    "libelle etendu liste": "list_long", "nom tete de liste": None,
    "voix": "votes", "% voix/ins": None, "% voix/exp": None,
    "sieges / elu": None, "sieges secteur": None, "sieges cc": None, "elu": None, "sieges": None,
}
_BLOCK_STARTS = ("n°panneau", "n°liste", "n° panneau", "code nuance")


def sniff(table: RawTable) -> bool:
    return find_column(table, *BV_HEADERS) is not None and any(header_key(h) in _BLOCK_STARTS for h in table.header)


def layout(table: RawTable) -> ResultsLayout:
    keys = [header_key(h) for h in table.header]
    start = next(i for i, k in enumerate(keys) if k in _BLOCK_STARTS)
    width = 0
    while start + width < len(keys) and keys[start + width] in _BLOCK_FIELDS:
        width += 1
    named = {keys[start + j]: j for j in range(width)}
    offsets = {field: named[k] for k, field in _BLOCK_FIELDS.items() if field and k in named}
    blocks = []
    position = start
    while position + width <= len(keys) and "votes" in offsets:
        if position > start and not all(is_empty_header(table.header[position + j]) for j in range(width)):
            break
        blocks.append(CandidateBlock(**{field: position + off for field, off in offsets.items()}))
        position += width
    bv = find_column(table, *BV_HEADERS, required=True)
    assert bv is not None
    return ResultsLayout(
        format_fr="Ministère de l'Intérieur, résultats par bureau (format 2017-2022)",
        bv=bv,
        commune=find_column(table, "Code de la commune", "Code commune", required=True),
        departement=find_column(table, "Code du département", "Code département"),
        station_name=find_column(table, "Libellé du bureau de vote"),
        circonscription=find_column(table, "Code de la circonscription", "Code du canton"),
        registered=find_column(table, "Inscrits", required=True),
        voters=find_column(table, "Votants"),
        abstentions=find_column(table, "Abstentions"),
        blank=find_column(table, "Blancs"),
        null=find_column(table, "Nuls", "Blancs et nuls"),
        expressed=find_column(table, "Exprimés", required=True),
        blocks=tuple(blocks),
    )
