"""Maintained reference tables: political blocs, nuance → bloc grid, presidential candidates.

The three tables are packaged CSV files next to this module:

* ``blocs.csv`` (``bloc,label_fr,order,color``): the eight blocs, left → right;
* ``nuance_blocs.csv`` (``scope,nuance,bloc,label_fr``): the Ministry of the Interior
  nuance codes ("grille des nuances") per election scope (``leg2024``, ``euro2019``,
  ``dep2021``…), plus ``*`` defaults that apply to any election without a scoped row.
  List elections prefix the code with ``L`` (``LFI``, ``LUG``), départementales with
  ``BC-`` (``BC-RN``);
* ``candidates.csv`` (``scope,last_name,first_name,nuance``): presidential candidates,
  whose result files carry no nuance. Their nuance follows the legislative grid of the
  same era (MACRON 2017 → ``REM``, 2022 → ``ENS``).

Bloc choices for the ambiguous codes (the warehouse keeps an editable copy of the grid,
so a campaign that disagrees can change them without touching the code):

* ``DSV`` (droite souverainiste), ``DLF`` (Debout la France) and their ``L``/``BC-``
  forms go to ``extreme_droite``. This is a choice. Debout la France allied with the RN for
  the 2017 second round, and since 2022 the ministry has filed it, with the rest of the
  sovereigntist right, under ``DSV``. For a campaign map, these voters fall into the
  national-right reservoir. ``MPF`` (de Villiers, 2002–2007) and ``DVD`` stay in ``droite``:
  in 2007 the MPF belonged to the parliamentary right, and in 2012 Dupont-Aignan's DLR
  had no code of its own in the legislative grid (its candidates were ``DVD``).
* ``UG`` (2024: Nouveau Front populaire), ``NUP`` (2022: NUPES), ``UGE`` (union de la
  gauche et des écologistes) and ``UCG`` (union du centre et de la gauche) go to ``gauche``.
  These are alliances led by the left, and ``gauche`` is the bloc of their median partner.
* ``UCD`` (union du centre et de la droite, 2021) and ``UD`` go to ``droite``; ``UC``
  (union du centre) goes to ``centre``.
* ``COM``, ``FI`` and ``FG`` (Front de gauche, 2012) go to ``gauche_radicale``;
  ``EXG``/``DXG`` go to ``extreme_gauche``.
* ``VEC`` and ``ECO`` go to ``ecologiste``, even when an ecologist list ran inside a
  left union elsewhere.
* ``REG``, ``DIV``, ``GJ`` (gilets jaunes), ``AUT`` (autres), ``NC``/``LNC``
  (non communiqué) and ``CPNT`` (chasse, pêche, nature et traditions) go to ``divers``.
  CPNT ran as neither left nor right in 2002 and 2007.
* Presidential candidates with no party code of their own get the nearest code of the
  era: CHEVÈNEMENT 2002 and BOVÉ 2007 get ``DVG``, LEPAGE 2002 (Cap 21) gets ``ECO``,
  BOUTIN 2002 gets ``DVD``, CHIRAC 2002 gets ``UMP``, and CHEMINADE 2012 gets ``AUT``.

Every function here is pure: it does no I/O beyond reading the packaged CSVs once.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Callable
from importlib import resources

import pandas as pd

BLOC_COLUMNS = ["bloc", "label_fr", "order", "color"]
NUANCE_BLOC_COLUMNS = ["scope", "nuance", "bloc", "label_fr"]
CANDIDATE_COLUMNS = ["scope", "last_name", "first_name", "nuance"]

DEFAULT_SCOPE = "*"
FALLBACK_BLOC = "divers"
# Prefixes of list (``L``) and binôme (``BC-``) nuances, longest first.
NUANCE_PREFIXES = ("BC-", "L")


def _read_packaged_csv(name: str) -> pd.DataFrame:
    """Read one CSV shipped in ``dashboard/ingest`` as strings (no NA guessing)."""
    text = (resources.files("dashboard") / "ingest" / name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


@functools.cache
def _blocs() -> pd.DataFrame:
    df = _read_packaged_csv("blocs.csv")
    df["order"] = df["order"].astype(int)
    return df[BLOC_COLUMNS].sort_values("order").reset_index(drop=True)


@functools.cache
def _nuance_blocs() -> pd.DataFrame:
    return _read_packaged_csv("nuance_blocs.csv")[NUANCE_BLOC_COLUMNS]


@functools.cache
def _candidates() -> pd.DataFrame:
    return _read_packaged_csv("candidates.csv")[CANDIDATE_COLUMNS]


def load_blocs() -> pd.DataFrame:
    """The political blocs, left → right: columns ``bloc, label_fr, order, color``.

    Returns a fresh copy, which the caller may modify.
    """
    return _blocs().copy()


def load_nuance_blocs() -> pd.DataFrame:
    """The nuance → bloc grid: columns ``scope, nuance, bloc, label_fr``.

    ``scope`` is an election family + year (``leg2024``, ``dep2021``…) or ``*`` for the
    default that applies when no scoped row exists. Returns a fresh copy.
    """
    return _nuance_blocs().copy()


def load_candidates() -> pd.DataFrame:
    """Presidential candidates: columns ``scope, last_name, first_name, nuance``.

    Returns a fresh copy.
    """
    return _candidates().copy()


def election_scope(election_id: str) -> str:
    """Scope of an election id: the part before the first ``_``, in lower case.

    ``"leg2024_t1"`` → ``"leg2024"``, ``"euro2024"`` → ``"euro2024"``,
    ``"pres2022_t2"`` → ``"pres2022"``. A non-string gives ``""``.
    """
    if not isinstance(election_id, str):
        return ""
    return election_id.strip().split("_", 1)[0].strip().lower()


def _norm_code(nuance: object) -> str:
    """Normalise a nuance cell: upper case, no surrounding blanks; NA-like → ``""``."""
    if nuance is None or not isinstance(nuance, str):
        try:
            if nuance is None or pd.isna(nuance):  # type: ignore[arg-type]
                return ""
        except (TypeError, ValueError):
            return ""
        nuance = str(nuance)
    code = nuance.strip().upper()
    return "" if code in {"NAN", "NONE", "<NA>"} else code


def _build_index(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    missing = {"scope", "nuance", "bloc"} - set(table.columns)
    if missing:
        raise ValueError(f"nuance table lacks columns: {sorted(missing)}")
    index: dict[tuple[str, str], str] = {}
    for scope, nuance, bloc in zip(table["scope"], table["nuance"], table["bloc"]):
        code = _norm_code(nuance)
        bloc_code = _norm_code(bloc).lower()
        if not code or not bloc_code:
            continue
        scope_key = str(scope).strip().lower() if isinstance(scope, str) else ""
        index.setdefault((scope_key or DEFAULT_SCOPE, code), bloc_code)
    return index


@functools.cache
def _default_index() -> dict[tuple[str, str], str]:
    return _build_index(_nuance_blocs())


def _lookup(index: dict[tuple[str, str], str], code: str, scope: str) -> str | None:
    """Scoped row, then ``*``, then the same with an ``L``/``BC-`` prefix stripped."""
    candidates = [code]
    for prefix in NUANCE_PREFIXES:
        if code.startswith(prefix) and len(code) > len(prefix):
            candidates.append(code[len(prefix):])
            break
    for candidate in candidates:
        for key_scope in (scope, DEFAULT_SCOPE):
            bloc = index.get((key_scope, candidate))
            if bloc is not None:
                return bloc
    return None


def resolve_bloc(nuance: str | None, election_id: str, table: pd.DataFrame | None = None) -> str:
    """Bloc code of a nuance in an election; ``"divers"`` when unknown.

    The lookup is case-insensitive. It tries the row scoped to the election
    (``election_scope(election_id)``), then the ``*`` default, then the same two with
    a ``L`` (list) or ``BC-`` (binôme) prefix stripped (``LUG`` → ``UG``). ``None``,
    empty or unknown nuances give ``"divers"``. ``table`` replaces the packaged grid
    (e.g. the warehouse's edited copy). It needs the columns ``scope, nuance, bloc``.
    """
    code = _norm_code(nuance)
    if not code:
        return FALLBACK_BLOC
    index = _default_index() if table is None else _build_index(table)
    return _lookup(index, code, election_scope(election_id)) or FALLBACK_BLOC


def bloc_resolver(election_id: str, table: pd.DataFrame | None = None) -> Callable[[str | None], str]:
    """A ``nuance -> bloc`` function for one election, which indexes ``table`` only once.

    Use it in place of :func:`resolve_bloc` when mapping a whole column
    (``df["nuance"].map(bloc_resolver("leg2024_t1"))``).
    """
    index = _default_index() if table is None else _build_index(table)
    scope = election_scope(election_id)

    def resolve(nuance: str | None) -> str:
        code = _norm_code(nuance)
        if not code:
            return FALLBACK_BLOC
        return _lookup(index, code, scope) or FALLBACK_BLOC

    return resolve


def _build_label_index(table: pd.DataFrame) -> dict[tuple[str, str], str]:
    if not {"scope", "nuance", "label_fr"} <= set(table.columns):
        return {}
    labels: dict[tuple[str, str], str] = {}
    for scope, nuance, label in zip(table["scope"], table["nuance"], table["label_fr"]):
        code = _norm_code(nuance)
        if code and isinstance(label, str) and label.strip():
            scope_key = str(scope).strip().lower() if isinstance(scope, str) else ""
            labels.setdefault((scope_key or DEFAULT_SCOPE, code), label.strip())
    return labels


@functools.cache
def _default_label_index() -> dict[tuple[str, str], str]:
    return _build_label_index(_nuance_blocs())


def nuance_label(nuance: str | None, election_id: str, table: pd.DataFrame | None = None) -> str | None:
    """French label of a nuance in an election, with the same fallbacks as :func:`resolve_bloc`.

    ``("UG", "leg2024_t1")`` → ``"Union de la gauche"``. Returns ``None`` for an unknown code.
    """
    code = _norm_code(nuance)
    if not code:
        return None
    labels = _default_label_index() if table is None else _build_label_index(table)
    return _lookup(labels, code, election_scope(election_id))


def _name_key(name: object) -> str:
    """Accent-, case- and punctuation-insensitive key: ``"Mélenchon"`` → ``"MELENCHON"``."""
    if not isinstance(name, str):
        return ""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9A-Z]", "", stripped.upper())


@functools.cache
def _candidate_index() -> dict[tuple[str, str], tuple[tuple[str, str], ...]]:
    index: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for row in _candidates().itertuples(index=False):
        key = (row.scope.strip().lower(), _name_key(row.last_name))
        index.setdefault(key, []).append((_name_key(row.first_name), row.nuance.strip().upper()))
    return {key: tuple(values) for key, values in index.items()}


def candidate_nuance(election_id: str, last_name: str, first_name: str | None = None) -> str | None:
    """Nuance of a presidential candidate (``"pres2022_t1", "MELENCHON"`` → ``"FI"``).

    The name match ignores accents, case, spaces, hyphens and apostrophes. The first
    name only breaks ties between candidates of the same scope who share a last name.
    Returns ``None`` for an unknown candidate or a scope without candidates.
    """
    key = (election_scope(election_id), _name_key(last_name))
    if not key[1]:
        return None
    matches = _candidate_index().get(key, ())
    if len(matches) > 1 and first_name:
        first = _name_key(first_name)
        matches = tuple(m for m in matches if m[0] == first) or matches
    nuances = {nuance for _, nuance in matches}
    return nuances.pop() if len(nuances) == 1 else None


def bloc_label(bloc: str) -> str:
    """French label of a bloc code (``"gauche_radicale"`` → ``"Gauche radicale"``).

    An unknown code is returned unchanged.
    """
    if not isinstance(bloc, str):
        return str(bloc)
    return _bloc_labels().get(bloc.strip().lower(), bloc)


@functools.cache
def _bloc_labels() -> dict[str, str]:
    return dict(zip(_blocs()["bloc"], _blocs()["label_fr"]))


@functools.cache
def _departements() -> dict[str, str]:
    frame = _read_packaged_csv("departements.csv")
    return dict(zip(frame["code"], frame["name"]))


def departement_name(code: str | None) -> str | None:
    """French name of a département (INSEE code, ``"2A"``, ``"971"``…), ``None`` if unknown."""
    return _departements().get(code) if code else None
