"""Ministry of the Interior per-BV results, 2024 layout (European and legislative 2024).

Fixed columns (``Code département``, ``Code commune``, ``Code BV``, ``Inscrits``…)
then numbered candidate columns (``Numéro de panneau 1``, ``Nuance candidat 1``
or ``Nuance liste 1``, ``Nom candidat 1``…, ``Voix 1``, …).
"""

from __future__ import annotations

import re

from dashboard.errors import ImportRejected
from dashboard.ingest.results_layout import CandidateBlock, ResultsLayout
from dashboard.ingest.tables import RawTable, find_column, header_key

_NUMBERED = re.compile(r"^(.*?)\s+(\d+)$")
_FIELDS = {
    "numero de panneau": "panel", "nuance candidat": "nuance", "nuance liste": "nuance",
    "nom candidat": "last_name", "prenom candidat": "first_name",
    "libelle abrege de liste": "list_short", "libelle de liste": "list_long", "voix": "votes",
}


def sniff(table: RawTable) -> bool:
    keys = {header_key(h) for h in table.header}
    return "code bv" in keys and "voix 1" in keys


def layout(table: RawTable) -> ResultsLayout:
    numbered: dict[int, dict[str, int]] = {}
    for index, head in enumerate(table.header):
        match = _NUMBERED.match(header_key(head))
        if match and match.group(1) in _FIELDS:
            numbered.setdefault(int(match.group(2)), {})[_FIELDS[match.group(1)]] = index
    without_votes = sorted(n for n, fields in numbered.items() if "votes" not in fields)
    gaps = sorted(set(range(1, max(numbered, default=0) + 1)) - set(numbered))
    if without_votes or gaps:
        what = (f"candidat(s) n° {', '.join(map(str, without_votes[:8]))} sans colonne « Voix N »" if without_votes
                else f"numéro(s) {', '.join(map(str, gaps[:8]))} absent(s) de la suite 1…{max(numbered)}")
        raise ImportRejected(
            f"blocs de candidats illisibles : {what}. Attendu des colonnes numérotées « Numéro de panneau N », "
            "« Nom candidat N » (ou « Libellé de liste N »), « Voix N » pour N = 1, 2, 3… sans trou. "
            "Le fichier n'est pas importé pour ne perdre aucun candidat.",
            file=table.path, line=table.header_line,
        )
    blocks = tuple(CandidateBlock(**fields) for _, fields in sorted(numbered.items()))
    bv = find_column(table, "Code BV", required=True)
    assert bv is not None
    return ResultsLayout(
        format_fr="Ministère de l'Intérieur, résultats par bureau (format 2024)",
        bv=bv,
        commune=find_column(table, "Code commune", required=True),
        departement=find_column(table, "Code département"),
        station_name=find_column(table, "Libellé BV", "Libellé bureau de vote"),
        circonscription=find_column(table, "Code circonscription législative", "Code circonscription"),
        registered=find_column(table, "Inscrits", required=True),
        voters=find_column(table, "Votants"),
        abstentions=find_column(table, "Abstentions"),
        blank=find_column(table, "Blancs"),
        null=find_column(table, "Nuls"),
        expressed=find_column(table, "Exprimés", required=True),
        blocks=blocks,
    )
