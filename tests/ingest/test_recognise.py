"""recognise() on every real file of ../shared/data and ../shared/data/wild: the kind each is recognised as,
its election and communes where the file says them, and a French refusal (never an exception) otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.ingest import ImportOptions
from dashboard.ingest.mapping_file import build_mapping
from dashboard.ingest.recognise import recognise
from tests.conftest import SHARED_DATA, requires_shared_data

# file -> (expected kind, whether the parsers read it as it is, with no option or mapping). The wild files
# that are refused as dropped import with the options or mappings of docs/mappings/ (tests/ingest, tests/warehouse).
EXPECTED: dict[str, tuple[str, bool | None]] = {
    "bondy/bv/bvBondy_proposition_contours_etalab.geojson": ("stations", True),
    "bondy/bv/bv_reu_osm_2022_bondy.geojson": ("stations", True),
    "bondy/iris/BASE_TD_FILO_DISP_IRIS_2019_93010.csv": ("iris-indicators", True),
    "bondy/iris/IRIS_household_IR_Hab_93010.csv": ("iris-indicators", True),
    "bondy/iris/IRIS_housing_IR_Hab_93010.csv": ("iris-indicators", True),
    "bondy/iris/IRIS_population_IR_Hab_93010.csv": ("iris-indicators", True),
    "bondy/iris/base-ic-activite-residents-2016-idf_93010.csv": ("iris-indicators", True),
    "bondy/iris/georef-france-iris.zip": ("iris-contours", True),
    "bondy/iris/irisBondy.gpkg": ("iris-contours", True),
    "bondy/iris/map_iris_gdparis_93010.shp": ("iris-contours", True),
    "bondy/results/bondyElection_municipales2020_t1.csv": ("results", False),  # needs a mapping
    "bondy/results/bondy_2002.csv": ("results", False),  # needs the election
    "bondy/results/bondy_2022.csv": ("results", False),
    "bondy/reu/adresses93010.csv": ("addresses", True),
    "bondy/reu/bvOpendata_table-bv-reu_bondy.csv": ("addresses", True),
    "brest/bv/BureauxVoteBrest.geojson": ("stations", True),
    "brest/iris/BASE_TD_FILO_DISP_IRIS_2019_29019.csv": ("iris-indicators", True),
    "brest/iris/IRIS_household_IR_Hab_29019.csv": ("iris-indicators", True),
    "brest/iris/IRIS_housing_IR_Hab_29019.csv": ("iris-indicators", True),
    "brest/iris/IRIS_population_IR_Hab_29019.csv": ("iris-indicators", True),
    "brest/results/leg2022_ville_tour1_circo2.csv": ("results", False),
    "brest/results/leg2022_ville_tour1_circo3.csv": ("results", False),
    "brest/results/leg2022_ville_tour2_circo2.csv": ("results", False),
    "brest/results/leg2022_ville_tour2_circo3.csv": ("results", False),
    "brest/results/leg2024_circos23-tour1_29019.csv": ("results", True),
    "brest/results/leg2024_circos23-tour2_29019.csv": ("results", True),
    "chatenay-malabry/bv/circo_contours_92019.geojson": ("stations", True),
    "chatenay-malabry/iris/BASE_TD_FILO_DISP_IRIS_2019_92019.csv": ("iris-indicators", True),
    "chatenay-malabry/iris/IRIS_household_IR_Hab_92019.csv": ("iris-indicators", True),
    "chatenay-malabry/iris/IRIS_housing_IR_Hab_92019.csv": ("iris-indicators", True),
    "chatenay-malabry/iris/IRIS_population_IR_Hab_92019.csv": ("iris-indicators", True),
    "chatenay-malabry/iris/base-ic-activite-residents-2016-idf_92019.csv": ("iris-indicators", True),
    "chatenay-malabry/iris/map_iris_gdparis_92019.shp": ("iris-contours", True),
    "chatenay-malabry/results/departementales_2021_t1.xlsx": ("results", True),
    "chatenay-malabry/results/europeennes_2024.xlsx": ("results", True),
    "chatenay-malabry/results/legislatives2022_t2_9213.xlsx": ("results", True),
    "chatenay-malabry/results/legislatives2024_t1_9213.xlsx": ("results", True),
    "chatenay-malabry/results/legislatives2024_t2_9213.xlsx": ("results", True),
    "wild/besancon-carto-municipale/2020-05-18-resultats-par-niveau-burvot-t1-france-entiere-nettoye.xlsx": ("results", False),  # needs the election
    "wild/brest-lfi/tour1_circo2.csv": ("results", False),  # needs the election
    "wild/corse2A-cartelec-makina/carte_elec_dept_2A.trim-2A001-2A004-2A041.geojson": ("stations", True),
    "wild/leg2017-bureaux-dorialexander/metadata_bureaux.trim-ZD401-ZX701-ZX801-2A001.csv": ("results", False),  # needs the election
    "wild/loireatl44-mspr/presidentielle2017_T1_filtre.trim-44001-44049-44184.csv": ("results", True),
    "wild/loireatl44-mspr/presidentielle2022_T1_filtre.trim-44001-44049-44184.csv": ("results", True),
    "wild/marseille2014-makina/bureaux_marseille.geojson": ("stations", False),  # needs a mapping
    "wild/marseille2014-makina/results_marseille.json": ("results", False),  # percentages only: refused even with one
    "wild/montpellier2015-makina/bv_34_Montpellier_2015.geojson": ("stations", False),  # needs a mapping
    "wild/paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv": ("iris-indicators", True),
    "wild/toulouse-mathavech/toulouse_bureaux_vote.geojson": ("stations", False),  # a mapping and --skip-invalid
    "wild/toulouse-rboulle/resultats-elections-municipales-2026-2nd-tour.json": ("results", False),  # needs a mapping
}
_SIDECARS = {".cpg", ".dbf", ".prj", ".shx"}


@requires_shared_data
def test_every_file_of_shared_data_is_listed() -> None:
    assert SHARED_DATA is not None
    found = {str(p.relative_to(SHARED_DATA)) for p in SHARED_DATA.rglob("*")
             if p.is_file() and p.name != "SOURCES.md" and p.suffix not in _SIDECARS}
    assert found == set(EXPECTED)


@requires_shared_data
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recognise(name: str) -> None:
    assert SHARED_DATA is not None
    kind, reads = EXPECTED[name]
    found = recognise(SHARED_DATA / name)
    assert found.kind == kind
    if reads is not None:
        assert found.ok is reads, found.message_fr
    if found.ok:
        assert found.parsed.report.rows_read > 0 and found.communes and found.message_fr is None
        assert (found.election is not None) is (kind == "results")
    else:
        assert found.message_fr and found.message_fr.startswith("Import refusé") and found.parsed is None


@requires_shared_data
def test_a_correction_makes_a_file_readable() -> None:
    """bondy_2022.csv names no election: given one, the same file is read; forced to another kind it is refused."""
    assert SHARED_DATA is not None
    path = SHARED_DATA / "bondy/results/bondy_2022.csv"
    assert "élection" in (recognise(path).message_fr or "")
    fixed = recognise(path, ImportOptions(election="pres2022_t1"))
    assert fixed.ok and fixed.election == "pres2022_t1" and fixed.communes == ("93010",)
    wrong = recognise(path, kind="stations")
    assert wrong.kind == "stations" and not wrong.ok and wrong.message_fr


@requires_shared_data
def test_a_mapping_built_from_menus_reads_a_city_file(tmp_path: Path) -> None:
    """Bondy's municipal 2020 file (a city layout): the columns chosen in menus, as TOML, read it."""
    assert SHARED_DATA is not None
    path = SHARED_DATA / "bondy/results/bondyElection_municipales2020_t1.csv"
    found = recognise(path)
    assert not found.ok and "Bureau de vote" in found.columns
    candidates = [c for c in found.columns if c.startswith("Résultats liste")]
    assert len(candidates) >= 2
    text = build_mapping("results", {"station": "Bureau de vote", "registered": "Nb d'électeurs inscrits",
                                     "voters": "Nb de votants", "blank": "Nb votes blancs", "null": "Nb votes nuls",
                                     "expressed": "Suffrages exprimés"}, candidates, commune="93010", election="muni2020_t1",
                         skip_prefix="total")
    mapping = tmp_path / "bondy.toml"
    mapping.write_text(text, encoding="utf-8")
    read = recognise(path, ImportOptions(mapping=mapping))
    assert read.ok, read.message_fr
    assert read.election == "muni2020_t1" and read.communes == ("93010",)
    assert read.parsed.votes["candidate"].nunique() == len(candidates)


@requires_shared_data
def test_a_refused_js_wrapped_file_still_lists_its_columns_for_the_menus() -> None:
    """GDAL cannot open Marseille's JS-wrapped GeoJSON: its columns come from the parsers' reader, so the
    page's menus offer them (refused as dropped: no id column the importer knows)."""
    assert SHARED_DATA is not None
    found = recognise(SHARED_DATA / "wild/marseille2014-makina/bureaux_marseille.geojson")
    assert not found.ok and found.columns == ("BUREAU", "CODE", "NOM", "CODECANT", "CANTON", "CIRCO")
    fixed = recognise(found.path, ImportOptions(columns={"commune": "CODE", "bv": "BUREAU", "name": "NOM"}), "stations")
    assert fixed.ok and fixed.communes == ("13055",) and fixed.parsed.report.rows_read == 471
