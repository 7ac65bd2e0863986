"""Mapping files built from menus (the import page), in the TOML format ``isoloir import --mapping`` reads.

A results mapping names the file's columns for each target field (``[columns]``) and the columns
holding candidates' votes (``[candidates] pattern``, built from the chosen column names); a stations
mapping names its id, commune, number and name columns (``[columns]``). Saved mappings live in the
data folder's ``mappings/`` (``<name>.toml``) and are offered again for the next file of the same source.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from dashboard.errors import ImportRejected

# target field -> French label, per kind (the page draws one menu per field)
RESULTS_FIELDS: dict[str, str] = {
    "station": "bureau de vote (numéro ou identifiant)",
    "commune": "code commune (INSEE)",
    "station_name": "nom du bureau",
    "registered": "inscrits",
    "voters": "votants",
    "blank": "blancs",
    "null": "nuls",
    "expressed": "exprimés",
}
STATIONS_FIELDS: dict[str, str] = {
    "station": "identifiant complet du bureau (« 93010_1 »)",
    "commune": "code commune (INSEE)",
    "bv": "numéro du bureau",
    "name": "nom du bureau",
}
IRIS_CONTOURS_FIELDS: dict[str, str] = {
    "code": "code IRIS (9 caractères)",
    "name": "nom de l'IRIS",
    "commune": "code commune (INSEE)",
}
IRIS_INDICATORS_FIELDS: dict[str, str] = {"code": "code IRIS (9 caractères)"}
FIELDS: dict[str, dict[str, str]] = {"results": RESULTS_FIELDS, "stations": STATIONS_FIELDS,
                                     "iris-contours": IRIS_CONTOURS_FIELDS, "iris-indicators": IRIS_INDICATORS_FIELDS}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def _string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def build_mapping(kind: str, columns: dict[str, str], candidates: list[str] | None = None, commune: str | None = None,
                  election: str | None = None, skip_prefix: str | None = None) -> str:
    """The TOML text of a mapping of ``kind`` (``results``, ``stations``, ``iris-contours``, ``iris-indicators``)
    from the menus' choices (a constant ``commune`` for results and stations);
    ``skip_prefix``: results rows whose station cell starts with it (any case) are left out (« Total »)."""
    if kind not in FIELDS:
        raise ImportRejected(f"pas de correspondance par menus pour le type « {kind} » (possibles : {', '.join(FIELDS)})")
    chosen = {k: v for k, v in columns.items() if k in FIELDS[kind] and v}
    lines = []
    if kind == "results":
        if "station" not in chosen:
            raise ImportRejected("choisissez la colonne du bureau de vote")
        if not candidates:
            raise ImportRejected("choisissez au moins une colonne de voix de candidat")
        lines.append('format = "wide"')
        if commune:
            lines.append(f"commune = {_string(commune)}")
        if election:
            lines.append(f"election = {_string(election)}")
    else:  # the geometry kinds' mappings (``ingest/geo_mapping.py``)
        lines.append(f"kind = {_string(kind)}")
        if commune and kind == "stations":
            lines.append(f"commune = {_string(commune)}")
    lines.append("")
    lines.append("[columns]")
    lines += [f"{key} = {_string(value)}" for key, value in chosen.items()]
    if kind == "results":
        names = "|".join(re.escape(re.sub(r"\s+", " ", c).strip()) for c in candidates or [])
        lines += ["", "[candidates]", f"pattern = {_string(f'(?P<name>{names})')}"]
        if skip_prefix and skip_prefix.strip():
            lines += ["", "[skip_rows]", f"column = {_string(chosen['station'])}",
                      f"pattern = {_string('(?i)^' + re.escape(skip_prefix.strip()))}"]
    return "\n".join(lines) + "\n"


def check_name(name: str) -> str:
    clean = re.sub(r"[^a-z0-9_-]+", "-", str(name).strip().lower()).strip("-")
    if not _NAME.match(clean):
        raise ImportRejected("nom de correspondance invalide : lettres, chiffres, « - » ou « _ » (60 au plus)")
    return clean


def mappings_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "mappings"


def save_mapping(data_dir: Path, name: str, text: str) -> Path:
    """Write ``text`` (checked to be TOML) as ``<data_dir>/mappings/<name>.toml``; returns the path."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportRejected(f"correspondance TOML invalide ({exc})") from exc
    folder = mappings_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{check_name(name)}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def saved_mappings(data_dir: Path) -> dict[str, Path]:
    """Saved mappings by name, sorted."""
    folder = mappings_dir(data_dir)
    return {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder.is_dir() else {}


def mapping_columns(path: Path) -> dict[str, str]:
    """The ``[columns]`` of a saved mapping (to fill the menus again)."""
    try:
        return {str(k): str(v) for k, v in tomllib.loads(Path(path).read_text(encoding="utf-8")).get("columns", {}).items()}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImportRejected(f"fichier de correspondance illisible ({exc})", file=path) from exc
