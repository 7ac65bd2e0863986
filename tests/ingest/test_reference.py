"""Tests of the maintained reference tables (blocs, nuances, candidates, INSEE labels).

The tests marked "real files" read the official sample files in ``shared/data``:
``$ISOLOIR_SHARED_DATA``, or ``shared/data`` beside the repository, or
``/work/shared/data``. They are skipped, with the reason given, when none exists.
"""

from __future__ import annotations

import csv
import math
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.ingest.indicator_labels import (
    CSP_LABELS,
    IDENTIFIER_COLUMNS,
    describe_indicator,
    indicator_label,
    indicator_theme,
    indicator_year,
)
from dashboard.ingest.reference import (
    bloc_label,
    bloc_resolver,
    candidate_nuance,
    election_scope,
    load_blocs,
    load_candidates,
    load_nuance_blocs,
    nuance_label,
    resolve_bloc,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

BLOC_ORDER = [
    "extreme_gauche",
    "gauche_radicale",
    "gauche",
    "ecologiste",
    "centre",
    "droite",
    "extreme_droite",
    "divers",
]
BLOC_LABELS = {
    "extreme_gauche": "Extrême gauche",
    "gauche_radicale": "Gauche radicale",
    "gauche": "Gauche",
    "ecologiste": "Écologistes",
    "centre": "Centre",
    "droite": "Droite",
    "extreme_droite": "Extrême droite",
    "divers": "Divers / non classé",
}
# Base codes that really mean "outside the blocs": they may resolve to ``divers``.
GENUINE_DIVERS = {"DIV", "REG", "GJ", "NC", "AUT", "CPNT"}


def _data_dir() -> Path | None:
    candidates = [
        os.environ.get("ISOLOIR_SHARED_DATA"),
        REPO_ROOT.parent / "shared" / "data",
        "/work/shared/data",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


DATA = _data_dir()
needs_data = pytest.mark.skipif(
    DATA is None,
    reason="official sample files absent (set ISOLOIR_SHARED_DATA or provide shared/data beside the repo)",
)


def _base_code(code: str) -> str:
    if code.startswith("BC-"):
        return code[3:]
    defaults = set(load_nuance_blocs().query("scope == '*'")["nuance"])
    if code.startswith("L") and code[1:] in defaults:
        return code[1:]
    return code


# --------------------------------------------------------------------------- blocs


def test_blocs_table_has_the_eight_blocs_left_to_right():
    blocs = load_blocs()
    assert list(blocs.columns) == ["bloc", "label_fr", "order", "color"]
    assert list(blocs["bloc"]) == BLOC_ORDER
    assert list(blocs["order"]) == list(range(1, 9))
    assert dict(zip(blocs["bloc"], blocs["label_fr"])) == BLOC_LABELS
    for color in blocs["color"]:
        assert re.fullmatch(r"#[0-9a-f]{6}", color), color
    assert blocs["color"].is_unique


def test_bloc_label():
    for bloc, label in BLOC_LABELS.items():
        assert bloc_label(bloc) == label
    assert bloc_label(" Gauche_Radicale ") == "Gauche radicale"
    assert bloc_label("inconnu") == "inconnu"


def test_loaders_return_copies():
    for loader in (load_blocs, load_nuance_blocs, load_candidates):
        first = loader()
        first.iloc[0, 0] = "altered"
        first["extra"] = 1
        again = loader()
        assert len(again) > 0
        assert again.iloc[0, 0] != "altered"
        assert "extra" not in again.columns


# ------------------------------------------------------------------ nuance table


def test_nuance_table_schema():
    table = load_nuance_blocs()
    assert list(table.columns) == ["scope", "nuance", "bloc", "label_fr"]
    assert not table.duplicated(["scope", "nuance"]).any(), table[table.duplicated(["scope", "nuance"], keep=False)]
    for scope in table["scope"]:
        assert scope == "*" or re.fullmatch(r"(pres|leg|euro|muni|dep|reg)\d{4}", scope), scope
    for code in table["nuance"]:
        assert re.fullmatch(r"(BC-)?[A-Z]{1,6}", code), code
    assert (table["label_fr"].str.strip() != "").all()


def test_every_bloc_referenced_exists():
    known = set(load_blocs()["bloc"])
    assert set(load_nuance_blocs()["bloc"]) <= known
    # Every bloc but ``divers`` gets at least one nuance.
    assert set(load_nuance_blocs()["bloc"]) == known


def test_every_code_has_a_default_row():
    table = load_nuance_blocs()
    defaults = set(table.loc[table["scope"] == "*", "nuance"])
    missing = sorted(set(table["nuance"]) - defaults)
    assert not missing, f"codes without a '*' row: {missing}"


def test_scoped_rows_agree_with_the_default():
    table = load_nuance_blocs()
    default = dict(table.loc[table["scope"] == "*", ["nuance", "bloc"]].itertuples(index=False))
    scoped = table[table["scope"] != "*"]
    disagree = [
        (row.scope, row.nuance, row.bloc, default[row.nuance])
        for row in scoped.itertuples(index=False)
        if row.bloc != default[row.nuance]
    ]
    assert not disagree


def test_prefixed_codes_agree_with_the_bare_code():
    table = load_nuance_blocs()
    default = dict(table.loc[table["scope"] == "*", ["nuance", "bloc"]].itertuples(index=False))
    for code, bloc in default.items():
        base = _base_code(code)
        if base != code:
            assert bloc == default[base], (code, base)


OFFICIAL_GRIDS = {
    "leg2024": "EXG COM FI SOC RDG VEC DVG UG ECO REG DIV REN MDM HOR ENS DVC UDI LR DVD DSV REC RN UXD EXD",
    "leg2022": "DXG RDG NUP DVG ECO DIV REG ENS DVC UDI LR DVD DSV REC RN DXD",
    "leg2017": "EXG COM FI SOC RDG DVG ECO DIV REG REM MDM UDI LR DVD DLF FN EXD",
    "muni2020": (
        "LEXG LCOM LFI LSOC LRDG LDVG LUG LVEC LECO LDIV LREG LGJ LREM LMDM LUDI LUC LDVC LLR LUD "
        "LDVD LDLF LRN LEXD LNC"
    ),
    "dep2021": (
        "BC-EXG BC-COM BC-FI BC-SOC BC-RDG BC-DVG BC-UG BC-VEC BC-ECO BC-DIV BC-REG BC-REM BC-MDM "
        "BC-UDI BC-UC BC-DVC BC-LR BC-UD BC-DVD BC-DLF BC-RN BC-DSV BC-EXD BC-UCD BC-UGE"
    ),
    "reg2021": "LUG LFI LRN LLR LVEC LECO LUGE LUCD LUD LREM",
}
EURO_CODES = (
    "LEXG LCOM LFI LSOC LUG LVEC LECO LDIV LREG LENS LREM LMDM LUDI LLR LDVD LDLF LDSV LRN LREC "
    "LEXD LDVG LDVC"
)


@pytest.mark.parametrize("scope", sorted(OFFICIAL_GRIDS))
def test_official_grid_is_covered(scope):
    table = load_nuance_blocs()
    present = set(table.loc[table["scope"] == scope, "nuance"])
    missing = sorted(set(OFFICIAL_GRIDS[scope].split()) - present)
    assert not missing, f"{scope}: {missing}"


def test_european_grids_are_covered():
    table = load_nuance_blocs()
    present = set(table.loc[table["scope"].isin(["euro2019", "euro2024"]), "nuance"])
    assert not set(EURO_CODES.split()) - present
    assert {"LENS", "LREC", "LUG", "LVEC"} <= set(table.loc[table["scope"] == "euro2024", "nuance"])


EXPECTED_BLOCS = {
    "extreme_gauche": "EXG DXG LEXG BC-EXG",
    "gauche_radicale": "FI LFI BC-FI COM LCOM BC-COM FG",
    "gauche": "SOC UG NUP RDG DVG LUG LSOC BC-UG BC-UGE LUGE LDVG",
    "ecologiste": "VEC ECO LVEC LECO BC-ECO",
    "centre": "REN ENS MDM HOR UDI DVC REM LENS LREM BC-REM LUC",
    "droite": "LR DVD UD LLR LUD BC-UD BC-UCD LDVD UMP",
    "extreme_droite": "RN REC EXD UXD DSV DLF FN DXD LRN LREC LEXD LDLF BC-RN BC-DSV",
    "divers": "REG DIV GJ NC LDIV LREG LGJ LNC BC-DIV",
}


@pytest.mark.parametrize(
    ("code", "bloc"), [(code, bloc) for bloc, codes in EXPECTED_BLOCS.items() for code in codes.split()]
)
@pytest.mark.parametrize("election_id", ["leg2024_t1", "euro2024", "muni2020_t1", "dep2021_t2", "pres2017_t1"])
def test_bloc_choices(code, bloc, election_id):
    assert resolve_bloc(code, election_id) == bloc


# --------------------------------------------------------------- resolve_bloc


@pytest.mark.parametrize(
    ("election_id", "scope"),
    [
        ("leg2024_t1", "leg2024"),
        ("euro2024", "euro2024"),
        ("pres2022_t2", "pres2022"),
        ("muni2020_t1_paris", "muni2020"),
        ("  LEG2024_T2 ", "leg2024"),
        ("whatever", "whatever"),
        ("", ""),
    ],
)
def test_election_scope(election_id, scope):
    assert election_scope(election_id) == scope


def _table(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["scope", "nuance", "bloc"]).assign(label_fr="x")


def test_scoped_row_wins_over_default():
    table = _table([("leg2024", "XYZ", "droite"), ("*", "XYZ", "gauche")])
    assert resolve_bloc("XYZ", "leg2024_t1", table) == "droite"
    assert resolve_bloc("XYZ", "leg2022_t1", table) == "gauche"


def test_default_row_applies_to_unknown_scopes():
    assert resolve_bloc("RN", "leg2031_t1") == "extreme_droite"
    assert resolve_bloc("LFI", "euro2029") == "gauche_radicale"
    assert resolve_bloc("BC-UCD", "dep2028_t1") == "droite"


def test_prefix_is_stripped_after_exact_lookups():
    table = _table([("*", "UG", "gauche"), ("euro2024", "UG", "centre"), ("*", "LXX", "droite")])
    assert resolve_bloc("LUG", "euro2019", table) == "gauche"
    assert resolve_bloc("BC-UG", "dep2021_t1", table) == "gauche"
    # The scoped row of the stripped code applies before its default…
    assert resolve_bloc("LUG", "euro2024", table) == "centre"
    # …but an exact row for the full code always wins.
    assert resolve_bloc("LXX", "euro2024", table) == "droite"
    assert resolve_bloc("XX", "euro2024", table) == "divers"
    # Only one prefix is stripped, and never down to nothing.
    assert resolve_bloc("LBC-UG", "euro2024", table) == "divers"
    assert resolve_bloc("L", "euro2024", table) == "divers"
    assert resolve_bloc("BC-", "dep2021", table) == "divers"


def test_prefix_stripping_on_the_packaged_table():
    # Codes without their own row fall back to the bare code.
    assert resolve_bloc("LHOR", "euro2024") == "centre"
    assert resolve_bloc("BC-REC", "dep2021_t1") == "extreme_droite"
    assert resolve_bloc("BC-NUP", "dep2021_t1") == "gauche"


def test_resolve_bloc_is_case_insensitive():
    assert resolve_bloc("lfi", "EURO2024") == "gauche_radicale"
    assert resolve_bloc(" bc-rn ", "dep2021_t1") == "extreme_droite"
    assert resolve_bloc("Ug", "Leg2024_T1") == "gauche"
    table = _table([("Leg2024", "xyz", "Droite")])
    assert resolve_bloc("XYZ", "leg2024_t1", table) == "droite"


@pytest.mark.parametrize("nuance", [None, "", "   ", float("nan"), pd.NA, "ZZZZ", "BC-ZZZ", "LZZZ"])
def test_missing_or_unknown_nuance_is_divers(nuance):
    assert resolve_bloc(nuance, "leg2024_t1") == "divers"


def test_edited_table_is_used():
    edited = load_nuance_blocs()
    edited.loc[edited["nuance"].str.endswith("DSV"), "bloc"] = "droite"
    assert resolve_bloc("DSV", "leg2024_t1", edited) == "droite"
    assert resolve_bloc("DSV", "leg2024_t1") == "extreme_droite"
    assert resolve_bloc("LDSV", "euro2024", edited) == "droite"  # LDSV has rows of its own
    edited.loc[edited["nuance"] == "HOR", "bloc"] = "droite"
    assert resolve_bloc("LHOR", "euro2029", edited) == "droite"  # no LHOR row: stripped to HOR
    assert resolve_bloc("LHOR", "euro2029") == "centre"
    with pytest.raises(ValueError):
        resolve_bloc("RN", "leg2024_t1", pd.DataFrame({"code": ["RN"]}))


def test_bloc_resolver_matches_resolve_bloc():
    table = load_nuance_blocs()
    resolve = bloc_resolver("dep2021_t1")
    for code in list(table["nuance"]) + ["", None, "zzz"]:
        assert resolve(code) == resolve_bloc(code, "dep2021_t1")


def test_nuance_label():
    assert nuance_label("UG", "leg2024_t1") == "Union de la gauche"
    assert nuance_label("RN", "leg2024_t1") == "Rassemblement National"
    assert nuance_label("ECO", "leg2017_t1") == "Écologiste"
    assert nuance_label("ECO", "leg2022_t1") == "Écologistes"
    assert nuance_label("UMP", "pres2002_t1") == "Union pour la majorité présidentielle"
    assert nuance_label("UMP", "pres2007_t1") == "Union pour un mouvement populaire"
    assert nuance_label("LHOR", "euro2024") == "Horizons"
    assert nuance_label("ZZZ", "leg2024") is None
    assert nuance_label(None, "leg2024") is None


# ------------------------------------------------------------------ candidates

CANDIDATE_COUNTS = {"pres2002": 16, "pres2007": 12, "pres2012": 10, "pres2017": 11, "pres2022": 12}


def test_candidates_table():
    table = load_candidates()
    assert list(table.columns) == ["scope", "last_name", "first_name", "nuance"]
    assert table["scope"].value_counts().to_dict() == CANDIDATE_COUNTS
    assert (table["last_name"] == table["last_name"].str.upper()).all()
    assert (table["first_name"].str.strip() != "").all()
    assert not table.duplicated(["scope", "last_name"]).any()


def test_every_candidate_nuance_has_a_row_and_resolves():
    table = load_nuance_blocs()
    keys = set(zip(table["scope"], table["nuance"]))
    blocs = set(load_blocs()["bloc"])
    for row in load_candidates().itertuples(index=False):
        assert (row.scope, row.nuance) in keys or ("*", row.nuance) in keys, row
        bloc = resolve_bloc(row.nuance, f"{row.scope}_t1")
        assert bloc in blocs
        if row.nuance not in GENUINE_DIVERS:
            assert bloc != "divers", row
        assert candidate_nuance(f"{row.scope}_t1", row.last_name, row.first_name) == row.nuance


@pytest.mark.parametrize(
    ("election_id", "last_name", "nuance", "bloc"),
    [
        ("pres2017_t1", "MACRON", "REM", "centre"),
        ("pres2022_t2", "MACRON", "ENS", "centre"),
        ("pres2017_t2", "LE PEN", "FN", "extreme_droite"),
        ("pres2022_t1", "LE PEN", "RN", "extreme_droite"),
        ("pres2022_t1", "ZEMMOUR", "REC", "extreme_droite"),
        ("pres2022_t1", "JADOT", "ECO", "ecologiste"),
        ("pres2022_t1", "HIDALGO", "SOC", "gauche"),
        ("pres2022_t1", "ROUSSEL", "COM", "gauche_radicale"),
        ("pres2022_t1", "MÉLENCHON", "FI", "gauche_radicale"),
        ("pres2022_t1", "ARTHAUD", "EXG", "extreme_gauche"),
        ("pres2022_t1", "POUTOU", "EXG", "extreme_gauche"),
        ("pres2022_t1", "LASSALLE", "DIV", "divers"),
        ("pres2022_t1", "DUPONT-AIGNAN", "DLF", "extreme_droite"),
        ("pres2022_t1", "PÉCRESSE", "LR", "droite"),
        ("pres2012_t1", "MÉLENCHON", "FG", "gauche_radicale"),
        ("pres2007_t2", "SARKOZY", "UMP", "droite"),
        ("pres2002_t2", "CHIRAC", "UMP", "droite"),
        ("pres2002_t1", "MÉGRET", "MNR", "extreme_droite"),
    ],
)
def test_known_candidates(election_id, last_name, nuance, bloc):
    assert candidate_nuance(election_id, last_name) == nuance
    assert resolve_bloc(nuance, election_id) == bloc


def test_candidate_lookup_ignores_accents_case_and_spaces():
    assert candidate_nuance("pres2022_t1", "MELENCHON") == "FI"
    assert candidate_nuance("pres2022_t1", "mélenchon") == "FI"
    assert candidate_nuance("pres2022_t1", "Pecresse", "Valerie") == "LR"
    assert candidate_nuance("pres2022_t1", "ZEMMOUR", "Eric") == "REC"
    assert candidate_nuance("pres2022_t1", "dupont aignan") == "DLF"
    assert candidate_nuance("pres2022_t1", "LEPEN") == "RN"
    assert candidate_nuance("pres2022_t1", " le  pen ", "marine") == "RN"
    assert candidate_nuance("pres2007_t1", "de Villiers") == "MPF"
    assert candidate_nuance("pres2002_t1", "SAINT JOSSE") == "CPNT"
    assert candidate_nuance("pres2002_t1", "CHEVENEMENT") == "DVG"


def test_candidate_lookup_misses():
    assert candidate_nuance("pres2022_t1", "INCONNU") is None
    assert candidate_nuance("pres2022_t1", "") is None
    assert candidate_nuance("leg2024_t1", "MACRON") is None  # not a presidential scope
    assert candidate_nuance("pres1995_t1", "CHIRAC") is None
    assert candidate_nuance("pres2002_t1", "ZEMMOUR") is None  # scope matters


# ------------------------------------------------------------- real files


def _nuances_in_xlsx(path: Path) -> set[str]:
    frame = pd.read_excel(path, dtype=object)
    codes: set[str] = set()
    for column in frame.columns:
        values = frame[column].dropna()
        values = values[values.map(lambda v: isinstance(v, str))].str.strip()
        if "nuance" in str(column).lower():
            codes |= set(values)
        # Later candidate blocks of the 2021 ministry file have no header.
        codes |= {v for v in values if re.fullmatch(r"BC-[A-Z]+", v)}
    return {c for c in codes if c}


def _nuances_in_csv(path: Path) -> set[str]:
    frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    codes: set[str] = set()
    for column in frame.columns:
        if column.startswith("Nuance"):
            codes |= {v.strip() for v in frame[column] if v.strip()}
    return codes


REAL_RESULT_FILES = [
    ("chatenay-malabry/results/departementales_2021_t1.xlsx", "dep2021_t1"),
    ("chatenay-malabry/results/europeennes_2024.xlsx", "euro2024"),
    ("chatenay-malabry/results/legislatives2022_t2_9213.xlsx", "leg2022_t2"),
    ("chatenay-malabry/results/legislatives2024_t1_9213.xlsx", "leg2024_t1"),
    ("chatenay-malabry/results/legislatives2024_t2_9213.xlsx", "leg2024_t2"),
    ("brest/results/leg2024_circos23-tour1_29019.csv", "leg2024_t1"),
    ("brest/results/leg2024_circos23-tour2_29019.csv", "leg2024_t2"),
]


@pytest.fixture(scope="module")
def real_nuances() -> dict[str, set[str]]:
    if DATA is None:
        pytest.skip("official sample files absent")
    found: dict[str, set[str]] = {}
    for relative, election_id in REAL_RESULT_FILES:
        path = DATA / relative
        if not path.exists():
            pytest.fail(f"expected sample file missing: {path}")
        reader = _nuances_in_xlsx if path.suffix == ".xlsx" else _nuances_in_csv
        found[relative] = reader(path)
    return found


@needs_data
def test_real_files_nuances_were_read(real_nuances):
    every = set().union(*real_nuances.values())
    # Guards against a reader that silently finds nothing.
    assert {"BC-UCD", "BC-UGE", "LUG", "LENS", "NUP", "UG", "DSV", "REG"} <= every
    assert all(real_nuances.values())


@needs_data
@pytest.mark.parametrize(("relative", "election_id"), REAL_RESULT_FILES)
def test_real_file_nuances_are_covered(real_nuances, relative, election_id):
    table = load_nuance_blocs()
    keys = set(zip(table["scope"], table["nuance"]))
    scope = election_scope(election_id)
    for code in sorted(real_nuances[relative]):
        assert (scope, code) in keys, f"{relative}: no {scope} row for {code}"
        assert ("*", code) in keys, f"{relative}: no default row for {code}"
        bloc = resolve_bloc(code, election_id)
        if _base_code(code) in GENUINE_DIVERS:
            assert bloc == "divers", code
        else:
            assert bloc != "divers", f"{relative}: {code} resolves to divers"
        assert nuance_label(code, election_id)


def _bondy_2022_candidates(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, first = rows[0], rows[1]
    start = header.index("N°Panneau")
    block = header.index("% Voix/Exp") - start + 1
    names = []
    for offset in range(start, len(first), block):
        names.append((first[offset + 2], first[offset + 3]))
    return names


@needs_data
def test_bondy_2022_candidates_resolve():
    names = _bondy_2022_candidates(DATA / "bondy/results/bondy_2022.csv")
    assert len(names) == 12
    found = {last: candidate_nuance("pres2022_t1", last, first) for last, first in names}
    assert all(found.values()), found
    assert found["MÉLENCHON"] == "FI"
    assert found["ZEMMOUR"] == "REC"
    assert found["MACRON"] == "ENS"
    # The 12 candidates of 2022 span all eight blocs.
    assert {resolve_bloc(n, "pres2022_t1") for n in found.values()} == set(BLOC_ORDER)


@needs_data
def test_bondy_2002_candidates_resolve():
    frame = pd.read_csv(DATA / "bondy/results/bondy_2002.csv", sep=";", dtype=str)
    names = sorted(set(frame["nom"]))
    assert len(names) == 16
    found = {name: candidate_nuance("pres2002_t1", name) for name in names}
    assert all(found.values()), found
    assert found["MAMERE"] == "VEC"
    assert found["LE PEN"] == "FN"
    assert found["JOSPIN"] == "SOC"


# ------------------------------------------------------------ INSEE labels


@pytest.mark.parametrize(
    ("variable", "label", "year", "theme"),
    [
        ("C16_ACT1564_CS3", "Actifs 15-64 ans : cadres et professions intellectuelles supérieures", 2016, "activité"),
        ("P16_POP0014", "Population 0-14 ans", 2016, "population"),
        ("P16_HCHOM1564", "Hommes chômeurs 15-64 ans", 2016, "activité"),
        ("DISP_TP6019", "Taux de pauvreté au seuil de 60 % (%)", 2019, "revenus"),
        ("DISP_MED19", "Revenu disponible médian par UC (€)", 2019, "revenus"),
        ("DISP_MED21", "Revenu disponible médian par UC (€)", 2021, "revenus"),
        ("DISP_Q121", "Revenu disponible par UC : 1er quartile (€)", 2021, "revenus"),
        ("DEC_MED19", "Revenu déclaré médian par UC (€)", 2019, "revenus"),
        ("P21_POP", "Population", 2021, "population"),
        ("C21_POP15P_CS8", "Population 15 ans ou plus : autres personnes sans activité professionnelle", 2021,
         "population"),
        ("C16_PMEN_MENFAMMONO", "Population des ménages : familles monoparentales", 2016, "ménages"),
        ("P16_RP_LOCHLMV", "Résidences principales HLM louées vides", 2016, "logement"),
        ("P16_RPMAISON", "Résidences principales : maisons", 2016, "logement"),
        ("P21_RP_PROP", "Résidences principales occupées par leur propriétaire", 2021, "logement"),
        ("P16_CHOM1564", "Chômeurs 15-64 ans", 2016, "activité"),
        ("P16_HACTOCC2554", "Hommes actifs occupés 25-54 ans", 2016, "activité"),
        ("P16_FINACT1564", "Femmes inactives 15-64 ans", 2016, "activité"),
        ("P16_POP75P", "Population 75 ans ou plus", 2016, "population"),
        ("BASE_TD_FILO_DISP_IRIS_2019_DISP_TP6019", "Taux de pauvreté au seuil de 60 % (%)", 2019, "revenus"),
    ],
)
def test_indicator_examples(variable, label, year, theme):
    assert indicator_label(variable) == label
    assert indicator_year(variable) == year
    assert indicator_theme(variable) == theme


def test_the_eight_csp_and_age_bands():
    labels = {indicator_label(f"C16_POP15P_CS{n}") for n in range(1, 9)}
    assert len(labels) == 8
    for code, csp in CSP_LABELS.items():
        assert indicator_label(f"C16_POP15P_{code}") == f"Population 15 ans ou plus : {csp}"
    assert CSP_LABELS["CS1"] == "agriculteurs exploitants"
    assert CSP_LABELS["CS8"] == "autres personnes sans activité professionnelle"
    bands = {
        "0014": "0-14 ans", "1529": "15-29 ans", "3044": "30-44 ans", "4559": "45-59 ans",
        "6074": "60-74 ans", "75P": "75 ans ou plus", "1524": "15-24 ans", "2554": "25-54 ans",
        "5564": "55-64 ans", "1564": "15-64 ans", "0002": "0-2 ans", "80P": "80 ans ou plus",
    }
    for code, text in bands.items():
        assert indicator_label(f"P16_POP{code}") == f"Population {text}"


@pytest.mark.parametrize(
    "variable",
    ["IRIS", "LIBCOM", "TYP_IRIS", "P16_ZZZ", "P16_POP_CS9", "X16_POP", "DISP_ZZ19", "DISP_Q219", "", "   ",
     "P16_", "_", "DISP_", "C16_MEN_CS9", "P16_HPMEN"],
)
def test_unknown_variables_give_none(variable):
    assert indicator_label(variable) is None
    assert indicator_year(variable) is None
    assert indicator_theme(variable) is None


def test_non_string_variables_give_none():
    for value in (None, 16, 1.5, math.nan, ["P16_POP"]):
        assert indicator_label(value) is None  # type: ignore[arg-type]
        assert indicator_year(value) is None  # type: ignore[arg-type]


def _iris_csv_files() -> list[Path]:
    return sorted(DATA.glob("*/iris/*.csv")) if DATA is not None else []


def _expected_year(path: Path) -> int:
    filosofi = re.search(r"FILO_.*_(20\d\d)_", path.name)
    if filosofi:
        return int(filosofi.group(1))
    census = re.search(r"-(20\d\d)-", path.name)
    return int(census.group(1)) if census else 2016  # EpidIA extracts: RP 2016 (SOURCES.md)


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        first = handle.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return next(csv.reader([first], delimiter=delimiter))


@needs_data
def test_iris_files_were_found():
    files = _iris_csv_files()
    assert len(files) >= 10
    assert any("FILO" in f.name for f in files)
    assert any("activite" in f.name for f in files)


@needs_data
@pytest.mark.parametrize("path", _iris_csv_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_iris_column_is_labelled(path):
    columns = [c.strip() for c in _header(path)]
    data_columns = [c for c in columns if c and c not in IDENTIFIER_COLUMNS and not c.startswith("Unnamed")]
    assert data_columns, path
    year = _expected_year(path)
    seen: dict[tuple[str, str], str] = {}
    for column in data_columns:
        label = indicator_label(column)
        assert label and label.strip(), f"{path.name}: no label for {column}"
        assert indicator_year(column) == year, f"{path.name}: {column}"
        assert indicator_theme(column), column
        # Two variables of the same count (P or C) never share a label.
        key = (column[0], label)
        assert key not in seen, f"{column} and {seen[key]} share the label {label!r}"
        seen[key] = column


# ---------------------------------------------------------------- properties

_ANY_SCALAR = st.one_of(st.none(), st.text(), st.integers(), st.floats(allow_nan=True))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_indicator_functions_never_raise(text):
    label = indicator_label(text)
    assert label is None or (isinstance(label, str) and label)
    year = indicator_year(text)
    assert year is None or 1900 <= year < 2100
    assert indicator_theme(text) is None or isinstance(indicator_theme(text), str)
    assert (describe_indicator(text) is None) == (label is None)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(), st.sampled_from(["P16_", "C21_", "DISP_", "DEC_", "P16_H", "P16_POP", "BC-", "L"])),
    st.text(alphabet="ABCDEFHILMNOPRSTUV0123456789_", max_size=12),
)
def test_indicator_functions_never_raise_on_near_misses(prefix, rest):
    variable = prefix + rest
    indicator_label(variable)
    indicator_year(variable)
    indicator_theme(variable)


@settings(max_examples=300, deadline=None)
@given(_ANY_SCALAR, st.text())
def test_resolve_bloc_never_raises(nuance, election_id):
    assert resolve_bloc(nuance, election_id) in BLOC_ORDER  # type: ignore[arg-type]
    election_scope(election_id)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(set(load_nuance_blocs()["nuance"]))), st.sampled_from(
    ["leg2024_t1", "leg2022_t2", "euro2019", "muni2020_t1", "dep2021_t1", "reg2021_t2", "pres2022_t1", "x"]
))
def test_resolve_bloc_ignores_case(code, election_id):
    expected = resolve_bloc(code, election_id)
    assert resolve_bloc(code.lower(), election_id.upper()) == expected
    assert resolve_bloc(f"  {code.title()} ", election_id) == expected


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.one_of(st.none(), st.text()))
def test_candidate_nuance_never_raises(election_id, last_name, first_name):
    result = candidate_nuance(election_id, last_name, first_name)
    assert result is None or isinstance(result, str)
