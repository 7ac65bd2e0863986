"""The electoral list extract (REU) a candidate receives, read into one clean table; no database.

An extract of the *répertoire électoral unique* comes from the commune or the prefecture as CSV
(any separator or encoding, read by :mod:`dashboard.ingest.tables`) or xlsx. Its columns vary:
bureau de vote, nom de naissance, nom d'usage, prénoms, date de naissance, sexe or civilité, the
address in one field or in number / street / postcode / commune, and on the complementary lists
(European citizens) the nationality. Headers are recognised from their usual names
(:data:`ALIASES`); any other layout is read with a voter mapping (``kind = "voters"``, the
``[columns]`` of :data:`VOTER_FIELDS`, ``docs/mappings/README.md``).

Every row is checked before anything is written (the caller writes all or nothing): a missing
required column, an impossible date of birth, a cell holding control characters or markup, a name
that is not a name: the whole file is refused with its line, in French.

**Minimisation.** The nationality is read only to tell the complementary list from the main one
(``list_kind``); it is not kept. A birthplace column, if the extract has one, is never read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard.formats import paris_today
from dashboard.errors import ImportRejected
from dashboard.ingest.tables import RawTable, header_key, read_table

# target field -> French label (the import page draws one menu per field)
VOTER_FIELDS: dict[str, str] = {
    "station": "bureau de vote",
    "commune": "code commune (INSEE)",
    "birth_name": "nom de naissance",
    "usage_name": "nom d'usage",
    "first_names": "prénoms",
    "birth_date": "date de naissance",
    "sex": "sexe ou civilité",
    "address": "adresse complète (un seul champ)",
    "number": "numéro de voie",
    "street": "libellé de voie",
    "postcode": "code postal",
    "city": "commune (nom)",
    "nationality": "nationalité (liste complémentaire)",
}
# target field -> usual headers of REU extracts, compared without accents or case
ALIASES: dict[str, tuple[str, ...]] = {
    "station": ("bureau de vote", "code bureau de vote", "code du bureau de vote", "bureau", "code bureau",
                "numero de bureau", "n° bureau", "num bureau", "bv", "numero bureau de vote"),
    "commune": ("code commune", "code insee", "code insee commune", "commune insee"),
    "birth_name": ("nom de naissance", "nom naissance", "nom patronymique", "nom"),
    "usage_name": ("nom d'usage", "nom d usage", "nom usage", "nom marital"),
    "first_names": ("prenoms", "prenom", "prénom(s)", "prenom(s)"),
    "birth_date": ("date de naissance", "date naissance", "ne(e) le", "né le", "naissance"),
    "sex": ("sexe", "civilite", "genre"),
    "address": ("adresse", "adresse complete", "adresse postale", "adresse de l'electeur"),
    "number": ("numero de voie", "numero voie", "n° voie", "numero", "n°", "num voie"),
    "street": ("libelle de voie", "libelle voie", "voie", "rue", "nom de voie", "type et libelle de voie"),
    "postcode": ("code postal", "cp"),
    "city": ("commune", "ville", "localite", "libelle commune"),
    "nationality": ("nationalite",),
}
REQUIRED_FIELDS = ("station", "birth_name", "first_names", "birth_date")
MAX_CELL = 200
EARLIEST_BIRTH = date(1890, 1, 1)
_MAPPING_KEYS = {"kind", "commune", "header_line", "separator", "sheet", "columns"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MARKUP = re.compile(r"[<>{}\[\]=|\\$`]|\bjavascript:|^[+@]", re.IGNORECASE)
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.\-]+[^\W\d_]+)*\.?$")
_DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[ T]00:00(?::00)?)?$"),
    re.compile(r"^(?P<d>\d{2})(?P<m>\d{2})(?P<y>\d{4})$"),
)
_FEMALE = {"f", "feminin", "femme", "mme", "madame", "mlle", "mademoiselle", "2"}
_MALE = {"m", "masculin", "homme", "h", "m.", "mr", "monsieur", "1"}
_FRENCH = {"", "francaise", "francais", "france", "fr", "fra"}
_ADDRESS = re.compile(
    r"^\s*(?P<number>\d{1,5}(?:\s*(?:bis|ter|quater|quinquies|[a-d])\b)?)?[\s,]*"
    r"(?P<street>.*?)[\s,]*(?:(?P<postcode>\d{5})\s*(?P<city>[^\d,]*))?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class VoterMapping:
    """Where each field is (``columns``: field -> header), and how to read the file."""

    columns: dict[str, str] = field(default_factory=dict)
    commune: str | None = None
    header_line: int | None = None
    separator: str | None = None
    sheet: str | None = None


@dataclass(frozen=True)
class VoterList:
    """A read extract: one row per voter, in file order.

    ``frame`` columns: ``line`` (physical line or sheet row), ``station`` (bureau number or id as
    written), ``commune_code`` (or ""), ``birth_name``, ``usage_name``, ``first_names``,
    ``birth_date`` (:class:`date`), ``sex`` (``F``, ``M`` or ""), ``address`` (as one text),
    ``number``, ``street``, ``postcode``, ``city``, ``list_kind`` (``principale`` or
    ``complementaire``)."""

    path: Path
    frame: pd.DataFrame
    encoding: str | None
    columns: dict[str, str]

    @property
    def rows(self) -> int:
        return len(self.frame)


def read_voter_mapping(path: Path) -> VoterMapping:
    """A voter mapping TOML (``kind = "voters"``); unknown keys and fields are refused (they are typos)."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ImportRejected(f"fichier de correspondance illisible ({exc})", file=path) from None
    return voter_mapping(data, path)


def voter_mapping(data: dict, path: Path | None = None) -> VoterMapping:  # type: ignore[type-arg]
    unknown = set(data) - _MAPPING_KEYS
    if unknown:
        raise ImportRejected(f"clé(s) inconnue(s) dans la correspondance : {', '.join(sorted(unknown))}", file=path)
    if data.get("kind", "voters") != "voters":
        raise ImportRejected(f"cette correspondance est de type « {data.get('kind')} », pas « voters »", file=path)
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise ImportRejected("[columns] : un nom de colonne (texte) par champ", file=path)
    bad = set(columns) - set(VOTER_FIELDS)
    if bad:
        raise ImportRejected(f"champ(s) inconnu(s) dans [columns] : {', '.join(sorted(bad))} "
                             f"(possibles : {', '.join(VOTER_FIELDS)})", file=path)
    header_line = data.get("header_line")
    if header_line is not None and (not isinstance(header_line, int) or header_line < 1):
        raise ImportRejected("header_line : un numéro de ligne (1 ou plus)", file=path)
    return VoterMapping(columns=dict(columns), commune=_opt_str(data.get("commune")), header_line=header_line,
                        separator=_opt_str(data.get("separator")), sheet=_opt_str(data.get("sheet")))


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)


def build_voter_mapping(columns: dict[str, str], commune: str | None = None) -> str:
    """The TOML text of a voter mapping from the import page's menus."""
    import json

    chosen = {k: v for k, v in columns.items() if k in VOTER_FIELDS and v}
    lines = ['kind = "voters"']
    if commune:
        lines.append(f"commune = {json.dumps(commune, ensure_ascii=False)}")
    lines += ["", "[columns]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in chosen.items())]
    return "\n".join(lines) + "\n"


def detect_columns(table: RawTable, mapping: VoterMapping | None = None) -> dict[str, int]:
    """Field -> column index: the mapping's headers first, then the usual names (each column used once)."""
    keys = [header_key(h) for h in table.header]
    found: dict[str, int] = {}
    for name, header in (mapping.columns if mapping else {}).items():
        key = header_key(header)
        if key not in keys:
            raise ImportRejected(f"colonne « {header} » de la correspondance absente du fichier ; colonnes trouvées : "
                                 f"{', '.join(h for h in table.header[:15] if h)}", file=table.path, line=table.header_line)
        found[name] = keys.index(key)
    used = set(found.values())
    for name, aliases in ALIASES.items():
        if name in found:
            continue
        for alias in aliases:
            key = header_key(alias)
            if key in keys and keys.index(key) not in used:
                found[name] = keys.index(key)
                used.add(found[name])
                break
    return found


def looks_like_voter_list(table: RawTable) -> bool:
    """Whether a table's headers read as an electoral list (the import page's recognition)."""
    found = detect_columns(table)
    return all(f in found for f in ("birth_date", "first_names")) and ("birth_name" in found or "usage_name" in found)


def parse_birth_date(text: str) -> date | None:
    """``12/03/1958``, ``1958-03-12``, ``12.03.1958``, ``12031958``; None when unreadable or impossible."""
    text = text.strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                return None
    return None


def parse_sex(text: str) -> str | None:
    """``F``, ``M``, ``""`` (empty cell); None when the value says neither."""
    key = header_key(text).rstrip(".") if text.strip() not in ("M.",) else "m"
    if not key:
        return ""
    if key in _FEMALE:
        return "F"
    if key in _MALE or key == "m":
        return "M"
    return None


def split_address(text: str) -> tuple[str, str, str, str]:
    """``"12 bis av. Jean Jaurès, 45990 Isoloir"`` → (``"12 bis"``, ``"av. Jean Jaurès"``, ``"45990"``, ``"Isoloir"``)."""
    match = _ADDRESS.match(" ".join(text.split()))
    if match is None:  # pragma: no cover - the pattern matches any text
        return "", text, "", ""
    return ((match["number"] or "").strip(), (match["street"] or "").strip(" ,"),
            (match["postcode"] or "").strip(), (match["city"] or "").strip(" ,"))


def _refuse(table: RawTable, line: int, column: int, reason: str) -> ImportRejected:
    return ImportRejected(reason, file=table.path, line=line, column=table.label(column))


def read_voter_list(path: Path, mapping: VoterMapping | None = None, *, on: date | None = None) -> VoterList:
    """Read and check an REU extract; :class:`ImportRejected` (French, with the line) on the first bad row.

    ``on``: dates of birth after it (or under 16 years before it) are impossible."""
    on = on or paris_today()
    table = read_table(path, separator=mapping.separator if mapping else None,
                       header_line=mapping.header_line if mapping else None, sheet=mapping.sheet if mapping else None)
    found = detect_columns(table, mapping)
    if "birth_name" not in found and "usage_name" in found:
        found["birth_name"] = found.pop("usage_name")
    missing = [VOTER_FIELDS[f] for f in REQUIRED_FIELDS if f not in found]
    if "address" not in found and "street" not in found:
        missing.append("adresse (un champ, ou numéro et voie)")
    if missing:
        raise ImportRejected(
            f"ce fichier ne ressemble pas à une liste électorale : colonne(s) absente(s) : {', '.join(missing)}. "
            f"Colonnes trouvées : {', '.join(h for h in table.header[:15] if h)}"
            " — donnez une correspondance (--mapping) si elles portent d'autres noms",
            file=table.path, line=table.header_line)
    if table.cells.empty:
        raise ImportRejected("la liste ne contient aucun électeur", file=table.path)
    cells = {name: table.column(index).astype(str).str.strip() for name, index in found.items()}
    n = len(table.cells)
    empty = pd.Series([""] * n, index=table.cells.index)
    lines = table.lines.tolist()
    for name, index in found.items():
        column = cells[name]
        for bad in column.index[column.str.len() > MAX_CELL][:1]:
            raise _refuse(table, lines[bad], index, f"cellule trop longue ({len(column[bad])} caractères, {MAX_CELL} au plus)")
        for bad in column.index[column.str.contains(_CONTROL)][:1]:
            raise _refuse(table, lines[bad], index, "caractères de contrôle dans la cellule : ce n'est pas du texte attendu")
        if name != "nationality":
            for bad in column.index[column.str.contains(_MARKUP)][:1]:
                raise _refuse(table, lines[bad], index,
                              "texte inattendu (balise, formule ou caractère spécial) : la liste n'est pas importée")
    station = cells["station"]
    for bad in station.index[station == ""][:1]:
        raise _refuse(table, lines[bad], found["station"], "bureau de vote manquant")
    for bad in station.index[~station.str.fullmatch(r"(?:\d[\dAB]{4}_)?\d{1,5}|[A-Za-z .'\-]{0,20}\d{1,5}")][:1]:
        raise _refuse(table, lines[bad], found["station"], f"bureau de vote illisible : « {station[bad][:30]} »")
    names = {k: cells.get(k, empty) for k in ("birth_name", "usage_name", "first_names")}
    for key in ("birth_name", "first_names"):
        for bad in names[key].index[names[key] == ""][:1]:
            raise _refuse(table, lines[bad], found[key], f"{VOTER_FIELDS[key]} manquant")
    for key, column in names.items():
        filled = column[column != ""]
        for bad in filled.index[~filled.str.fullmatch(_NAME)][:1]:
            raise _refuse(table, lines[bad], found[key], f"{VOTER_FIELDS[key]} illisible : « {column[bad][:40]} »")
    births: list[date] = []
    latest = date(on.year - 16, on.month, min(on.day, 28))
    for position, text in enumerate(cells["birth_date"].tolist()):
        born = parse_birth_date(text)
        if born is None or not EARLIEST_BIRTH <= born <= latest:
            raise _refuse(table, lines[position], found["birth_date"],
                          f"date de naissance impossible : « {text[:20]} » (attendu JJ/MM/AAAA, un électeur d'au moins 16 ans)")
        births.append(born)
    sexes = []
    for position, text in enumerate(cells.get("sex", empty).tolist()):
        sex = parse_sex(text)
        if sex is None:
            raise _refuse(table, lines[position], found["sex"], f"sexe ou civilité illisible : « {text[:20]} »")
        sexes.append(sex)
    if "address" in found:
        parts = [split_address(t) for t in cells["address"].tolist()]
        number = pd.Series([p[0] for p in parts], index=table.cells.index)
        street = pd.Series([p[1] for p in parts], index=table.cells.index)
        postcode = cells.get("postcode", pd.Series([p[2] for p in parts], index=table.cells.index))
        city = cells.get("city", pd.Series([p[3] for p in parts], index=table.cells.index))
        address = cells["address"]
    else:
        number, street = cells.get("number", empty), cells["street"]
        postcode, city = cells.get("postcode", empty), cells.get("city", empty)
        address = (number + " " + street + ", " + postcode + " " + city).str.strip(" ,").str.replace(r"\s+", " ", regex=True)
    for bad in street.index[street == ""][:1]:
        raise _refuse(table, lines[bad], found.get("address", found.get("street", 0)), "adresse manquante")
    nationality = cells.get("nationality", empty).map(header_key)
    frame = pd.DataFrame({
        "line": lines,
        "station": station.tolist(),
        "commune_code": cells.get("commune", empty).tolist(),
        "birth_name": names["birth_name"].tolist(),
        "usage_name": names["usage_name"].tolist(),
        "first_names": names["first_names"].tolist(),
        "birth_date": births,
        "sex": sexes,
        "address": address.tolist(),
        "number": number.tolist(),
        "street": street.tolist(),
        "postcode": postcode.tolist(),
        "city": city.tolist(),
        "list_kind": ["principale" if v in _FRENCH else "complementaire" for v in nationality.tolist()],
    })
    if mapping and mapping.commune:
        frame.loc[frame["commune_code"] == "", "commune_code"] = mapping.commune
    columns = {name: table.label(index) for name, index in found.items()}
    return VoterList(Path(path), frame, table.encoding, columns)


@dataclass(frozen=True)
class VoterIdentity:
    """One person of a list as an opposition check sees them: names, date of birth, address as written.

    What :func:`dashboard.canvass.voters.prepare_voter_import`'s ``exclude`` predicate receives for
    each row (the opposition list of issue 18 part 3 plugs in there)."""

    birth_name: str
    usage_name: str
    first_names: str
    birth_date: date
    address: str
    commune_code: str


def station_id(commune_code: str, station: str) -> str | None:
    """``("45999", "12")`` → ``"45999_12"``; a full id (``"45999_12"``) is kept; None when unreadable."""
    station = station.strip()
    full = re.fullmatch(r"(\d[\dAB]\d{3})_0*(\d{1,5})", station)
    if full:
        return f"{full[1]}_{int(full[2])}"
    digits = re.search(r"(\d{1,5})$", station)
    if digits is None or not re.fullmatch(r"\d[\dAB]\d{3}", commune_code or ""):
        return None
    return f"{commune_code}_{int(digits[1])}"
