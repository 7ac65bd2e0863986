"""Every real file of ../shared/data (the three communes and wild/) imported as a new user would.

Each file is imported on its own (``import_files``, the code path of ``isoloir import``) into one
temporary warehouse, with the options and mapping (``docs/mappings/``) listed in :data:`MANIFEST`;
the outcome is printed as a table: file × outcome (importé, refusé, ERREUR for anything that is
not a French refusal) × counts (rows imported, stations, candidates, votes) × the French message
(refusal, or first warning) × seconds. The last line is a JSON summary: ``files``, ``imported``,
``refused``, ``errors``, ``seconds`` and ``outcomes`` (one object per file).

A file of ``wild/`` or of a commune folder that is not in the manifest is still tried, with the
kind guessed from its folder and extension, so a new file shows up rather than being skipped.

    python benchmarks/wild_imports.py [--shared-data DIR] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.errors import ImportRejected  # noqa: E402
from dashboard.ingest import ImportOptions  # noqa: E402
from dashboard.warehouse.importer import import_files  # noqa: E402

MAPPINGS = ROOT / "docs" / "mappings"

# (path under shared/data, kind, options); "mapping" names a file of docs/mappings/. Geometry first,
# so the results' join reports can see the contours.
MANIFEST: list[tuple[str, str, dict[str, object]]] = [
    ("bondy/bv/bv_reu_osm_2022_bondy.geojson", "stations", {}),
    ("bondy/bv/bvBondy_proposition_contours_etalab.geojson", "stations", {"label": "proposition etalab"}),
    ("brest/bv/BureauxVoteBrest.geojson", "stations", {}),
    ("chatenay-malabry/bv/circo_contours_92019.geojson", "stations", {}),
    ("wild/marseille2014-makina/bureaux_marseille.geojson", "stations", {"mapping": "marseille2014-makina-bureaux.toml"}),
    ("wild/toulouse-mathavech/toulouse_bureaux_vote.geojson", "stations",
     {"mapping": "toulouse-mathavech-bureaux.toml", "skip_invalid": True}),
    ("wild/montpellier2015-makina/bv_34_Montpellier_2015.geojson", "stations", {"mapping": "montpellier2015-makina-bureaux.toml"}),
    ("wild/corse2A-cartelec-makina/carte_elec_dept_2A.trim-2A001-2A004-2A041.geojson", "stations", {}),
    ("bondy/results/bondy_2022.csv", "results", {"election": "pres2022_t1"}),
    ("bondy/results/bondyElection_municipales2020_t1.csv", "results", {"mapping": "bondy_municipales2020.toml"}),
    ("bondy/results/bondy_2002.csv", "results", {"mapping": "bondy_presidentielle2002_long.toml"}),
    ("brest/results/leg2022_ville_tour1_circo2.csv", "results", {"election": "leg2022_t1", "mapping": "brest_legislatives2022_ville.toml"}),
    ("brest/results/leg2022_ville_tour1_circo3.csv", "results", {"election": "leg2022_t1", "mapping": "brest_legislatives2022_ville.toml"}),
    ("brest/results/leg2022_ville_tour2_circo2.csv", "results", {"election": "leg2022_t2", "mapping": "brest_legislatives2022_ville.toml"}),
    ("brest/results/leg2022_ville_tour2_circo3.csv", "results", {"election": "leg2022_t2", "mapping": "brest_legislatives2022_ville.toml"}),
    ("brest/results/leg2024_circos23-tour1_29019.csv", "results", {"election": "leg2024_t1"}),
    ("brest/results/leg2024_circos23-tour2_29019.csv", "results", {"election": "leg2024_t2"}),
    ("chatenay-malabry/results/departementales_2021_t1.xlsx", "results", {}),
    ("chatenay-malabry/results/europeennes_2024.xlsx", "results", {}),
    ("chatenay-malabry/results/legislatives2022_t2_9213.xlsx", "results", {}),
    ("chatenay-malabry/results/legislatives2024_t1_9213.xlsx", "results", {}),
    ("chatenay-malabry/results/legislatives2024_t2_9213.xlsx", "results", {}),
    ("wild/loireatl44-mspr/presidentielle2022_T1_filtre.trim-44001-44049-44184.csv", "results", {"election": "pres2022_t1"}),
    ("wild/loireatl44-mspr/presidentielle2017_T1_filtre.trim-44001-44049-44184.csv", "results", {"election": "pres2017_t1"}),
    ("wild/besancon-carto-municipale/2020-05-18-resultats-par-niveau-burvot-t1-france-entiere-nettoye.xlsx", "results",
     {"election": "muni2020_t1"}),
    ("wild/toulouse-rboulle/resultats-elections-municipales-2026-2nd-tour.json", "results", {"mapping": "toulouse_municipales2026_json.toml"}),
    ("wild/brest-lfi/tour1_circo2.csv", "results", {"election": "leg2022_t1", "mapping": "brest_legislatives2022_ville.toml"}),
    ("wild/leg2017-bureaux-dorialexander/metadata_bureaux.trim-ZD401-ZX701-ZX801-2A001.csv", "results",
     {"election": "leg2017_t1", "allow_partial_votes": True}),
    ("wild/marseille2014-makina/results_marseille.json", "results", {"election": "muni2014_t1"}),
    ("bondy/iris/map_iris_gdparis_93010.shp", "iris-contours", {}),
    ("bondy/iris/irisBondy.gpkg", "iris-contours", {}),
    ("bondy/iris/georef-france-iris.zip", "iris-contours", {}),
    ("chatenay-malabry/iris/map_iris_gdparis_92019.shp", "iris-contours", {}),
    ("bondy/iris/base-ic-activite-residents-2016-idf_93010.csv", "iris-indicators", {}),
    ("bondy/iris/BASE_TD_FILO_DISP_IRIS_2019_93010.csv", "iris-indicators", {}),
    ("bondy/iris/IRIS_household_IR_Hab_93010.csv", "iris-indicators", {}),
    ("bondy/iris/IRIS_housing_IR_Hab_93010.csv", "iris-indicators", {}),
    ("bondy/iris/IRIS_population_IR_Hab_93010.csv", "iris-indicators", {}),
    ("brest/iris/BASE_TD_FILO_DISP_IRIS_2019_29019.csv", "iris-indicators", {}),
    ("brest/iris/IRIS_household_IR_Hab_29019.csv", "iris-indicators", {}),
    ("brest/iris/IRIS_housing_IR_Hab_29019.csv", "iris-indicators", {}),
    ("brest/iris/IRIS_population_IR_Hab_29019.csv", "iris-indicators", {}),
    ("chatenay-malabry/iris/base-ic-activite-residents-2016-idf_92019.csv", "iris-indicators", {}),
    ("chatenay-malabry/iris/BASE_TD_FILO_DISP_IRIS_2019_92019.csv", "iris-indicators", {}),
    ("chatenay-malabry/iris/IRIS_household_IR_Hab_92019.csv", "iris-indicators", {}),
    ("chatenay-malabry/iris/IRIS_housing_IR_Hab_92019.csv", "iris-indicators", {}),
    ("chatenay-malabry/iris/IRIS_population_IR_Hab_92019.csv", "iris-indicators", {}),
    ("wild/paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv", "iris-indicators", {}),
    ("bondy/reu/bvOpendata_table-bv-reu_bondy.csv", "reu-stations", {}),
    ("bondy/reu/adresses93010.csv", "addresses", {}),
]
_SIDECARS = {".cpg", ".dbf", ".prj", ".shx", ".md"}
_GEO = {".geojson", ".json", ".shp", ".gpkg", ".zip"}


def guess_kind(relative: str) -> str:
    """The kind of a file missing from the manifest, from its folder and extension."""
    path = Path(relative)
    folder = path.parts[-2] if len(path.parts) > 1 else ""
    if folder == "results" or "result" in path.name.lower():
        return "results"
    if folder == "iris":
        return "iris-contours" if path.suffix in _GEO else "iris-indicators"
    if folder == "reu":
        return "addresses"
    return "stations" if path.suffix in _GEO else "results"


def all_files(shared: Path) -> list[tuple[str, str, dict[str, object]]]:
    """The manifest, then every other data file found under ``shared`` (sidecars left out)."""
    listed = {name for name, _, _ in MANIFEST}
    extra = sorted(
        str(p.relative_to(shared)) for p in shared.rglob("*")
        if p.is_file() and p.suffix.lower() not in _SIDECARS and str(p.relative_to(shared)) not in listed and p.name != "SOURCES.md"
    )
    return [*MANIFEST, *((name, guess_kind(name), {}) for name in extra)]


def _options(options: dict[str, object]) -> ImportOptions:
    values = dict(options)
    if "mapping" in values:
        values["mapping"] = MAPPINGS / str(values["mapping"])
    return ImportOptions(**values)  # type: ignore[arg-type]


def _counts(report) -> str:  # noqa: ANN001 - an ImportReport
    details = report.details
    parts = [f"{report.rows_imported} lignes"]
    for key in ("bureaux", "candidats", "voix"):
        if key in details:
            parts.append(f"{details[key]} {key}")
    return ", ".join(parts)


def run(shared: Path, only: str | None = None) -> dict[str, object]:
    outcomes = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="isoloir-wild-") as folder:
        data_dir = Path(folder)
        for name, kind, options in all_files(shared):
            if only and only not in name:
                continue
            t0 = time.perf_counter()
            row: dict[str, object] = {"file": name, "kind": kind, "options": {k: str(v) for k, v in options.items()}}
            try:
                [report] = import_files(kind, [shared / name], data_dir, _options(options))
                row.update(outcome="importé", counts=_counts(report), rows=report.rows_imported,
                           details={k: v for k, v in report.details.items() if isinstance(v, (int, str))},
                           message=report.warnings[0] if report.warnings else "")
            except ImportRejected as exc:
                row.update(outcome="refusé", counts="", message=exc.reason_fr)
            except Exception as exc:  # noqa: BLE001 - a traceback is the finding this benchmark reports
                row.update(outcome="ERREUR", counts="", message=f"{type(exc).__name__}: {exc}",
                           traceback=traceback.format_exc(limit=3))
            row["seconds"] = round(time.perf_counter() - t0, 2)
            outcomes.append(row)
    summary = {
        "files": len(outcomes),
        "imported": sum(o["outcome"] == "importé" for o in outcomes),
        "refused": sum(o["outcome"] == "refusé" for o in outcomes),
        "errors": sum(o["outcome"] == "ERREUR" for o in outcomes),
        "seconds": round(time.perf_counter() - started, 1),
        "outcomes": outcomes,
    }
    return summary


def _table(summary: dict[str, object]) -> list[str]:
    lines = [f"{'fichier':<60} {'type':<15} {'issue':<8} {'s':>6}  comptes — message"]
    for o in summary["outcomes"]:  # type: ignore[union-attr]
        message = str(o["message"]).replace("\n", " ")
        lines.append(f"{str(o['file'])[-60:]:<60} {o['kind']:<15} {o['outcome']:<8} {o['seconds']:>6}  {o['counts']} — {message[:220]}")
    return lines


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--only", help="only the files whose path contains this text")
    args = parser.parse_args(argv)
    summary = run(args.shared_data, args.only)
    print("\n".join(_table(summary)))
    print(json.dumps(summary, ensure_ascii=False, default=str))
    return summary


if __name__ == "__main__":
    main()
