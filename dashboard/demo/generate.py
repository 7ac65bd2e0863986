"""``generate_demo``: build the territory, simulate the elections, write every file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Callable, Literal

from ..errors import ConfigError
from . import writers as w
from .addresses import generate_addresses
from .elections import simulate, truth_document
from .manifest import DemoFile, DemoManifest
from .territory import build_territory

CITY_ADDRESSES = 6_000
NATIONAL_ADDRESSES = 1_000_000
README_MARKER = "DONNÉES FICTIVES"

STATION_SETS = (
    ("2022", "Contours 2022 (démo)", "2022-01-01", "2023-12-31"),
    ("2024", "Contours 2024 (démo)", "2024-01-01", None),
)


def _is_ours(sources: Path) -> bool:
    readme = sources / "README.txt"
    try:
        return readme.read_text(encoding="utf-8").startswith(README_MARKER)
    except OSError:
        return False


def generate_demo(out_dir: Path, scale: Literal["city", "national"] = "city", seed: int = 2026,
                  progress: Callable[[str, float], None] | None = None) -> DemoManifest:
    """Generate the fictional demo territory under ``out_dir/sources`` and ``out_dir/truth.json``.

    The same ``seed`` gives byte-identical files. Files are written to a temporary
    folder first, then swapped in, so a failed run leaves the previous files intact.
    """
    if scale not in ("city", "national"):
        raise ConfigError(f"Échelle inconnue « {scale} » : choisir « city » ou « national ».")
    report = progress or (lambda _m, _f: None)
    out_dir = Path(out_dir)
    sources = out_dir / "sources"
    if sources.exists() and any(sources.iterdir()) and not _is_ours(sources):
        raise ConfigError(f"Le dossier « {sources} » existe et ne contient pas de données de démonstration "
                          "Isoloir : il ne sera pas écrasé.")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".sources-tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    national = scale == "national"

    terr = build_territory(scale, seed, report)
    a0, a1 = (0.64, 0.72) if national else (0.56, 0.62)
    addr = generate_addresses(terr, NATIONAL_ADDRESSES if national else CITY_ADDRESSES, seed,
                              lambda m, f: report(m, a0 + (a1 - a0) * f))
    report("Simulation des votes", 0.725 if national else 0.625)
    results = simulate(terr, seed)

    geo_ext = ".gpkg" if national else ".geojson"
    rel = {
        "communes": Path("communes") / "COMMUNE.geojson",
        "stations-2022": Path("bureaux") / f"contours-bureaux-de-vote-2022{geo_ext}",
        "stations-2024": Path("bureaux") / f"contours-bureaux-de-vote-2024{geo_ext}",
        "iris-contours": Path("iris") / ("CONTOURS-IRIS.gpkg" if national else "CONTOURS-IRIS.shp"),
        "iris-pop": Path("iris") / "base-ic-evol-struct-pop-2021.csv",
        "iris-act": Path("iris") / "base-ic-activite-residents-2021.csv",
        "iris-log": Path("iris") / "base-ic-logement-2021.csv",
        "iris-filo": Path("iris") / "BASE_TD_FILO_IRIS_2021_DISP.csv",
        "reu-stations": Path("reu") / "table-bv-reu.csv",
        "addresses": Path("reu") / "table-adresses-reu.csv",
        "pres2022_t1": Path("resultats") / "presidentielle-2022-t1.csv",
        "pres2022_t2": Path("resultats") / "presidentielle-2022-t2.csv",
        "euro2024": Path("resultats") / ("europeennes-2024.csv" if national else "europeennes-2024.xlsx"),
        "leg2024_t1": Path("resultats") / "legislatives-2024-t1.csv",
        "leg2024_t2": Path("resultats") / "legislatives-2024-t2.csv",
    }
    for sub in ("communes", "bureaux", "iris", "reu", "resultats"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)

    def _result(writer: Callable[..., None], election: str) -> None:
        writer(terr, results[election], tmp / rel[election])

    steps: list[tuple[str, Callable[[], None]]] = [
        ("communes (ADMIN EXPRESS)", lambda: w.write_communes(terr, tmp / rel["communes"])),
        ("contours des bureaux 2022", lambda: w.write_stations(terr, "2022", tmp / rel["stations-2022"])),
        ("contours des bureaux 2024", lambda: w.write_stations(terr, "2024", tmp / rel["stations-2024"])),
        ("contours IRIS", lambda: w.write_iris_contours(terr, tmp / rel["iris-contours"])),
        ("indicateurs INSEE population", lambda: w.write_base_ic(terr, tmp / rel["iris-pop"], w.IRIS_POPULATION_VARS)),
        ("indicateurs INSEE activité", lambda: w.write_base_ic(terr, tmp / rel["iris-act"], w.IRIS_ACTIVITY_VARS)),
        ("indicateurs INSEE logement", lambda: w.write_base_ic(terr, tmp / rel["iris-log"], w.IRIS_HOUSING_VARS)),
        ("revenus Filosofi", lambda: w.write_filosofi(terr, tmp / rel["iris-filo"])),
        ("table des bureaux REU", lambda: w.write_reu_stations(terr, addr, tmp / rel["reu-stations"], seed)),
        ("table des adresses REU", lambda: w.write_reu_addresses(terr, addr, tmp / rel["addresses"])),
        ("présidentielle 2022, 1er tour", lambda: _result(w.write_pres_2022, "pres2022_t1")),
        ("présidentielle 2022, 2nd tour", lambda: _result(w.write_pres_2022, "pres2022_t2")),
        ("européennes 2024", lambda: _result(w.write_euro_2024_csv if national else w.write_euro_2024_xlsx,
                                             "euro2024")),
        ("législatives 2024, 1er tour", lambda: _result(w.write_leg_2024, "leg2024_t1")),
        ("législatives 2024, 2nd tour", lambda: _result(w.write_leg_2024, "leg2024_t2")),
    ]
    start = 0.75 if national else 0.66
    try:
        for i, (label, step) in enumerate(steps):
            report(f"Écriture : {label}", start + (0.97 - start) * i / len(steps))
            step()
        descriptions = [
            (str(rel["communes"]), "communes, style IGN ADMIN EXPRESS (GeoJSON, WGS84)"),
            (str(rel["stations-2022"]), "contours des bureaux de vote 2022, style Etalab (WGS84)"),
            (str(rel["stations-2024"]), "contours des bureaux de vote 2024 (un bureau scindé), style Etalab"),
            (str(rel["iris-contours"]), "contours IRIS, style IGN CONTOURS-IRIS (Lambert-93)"),
            (str(rel["iris-pop"]), "INSEE base-ic population 2021 par IRIS"),
            (str(rel["iris-act"]), "INSEE base-ic activité des résidents 2021 par IRIS"),
            (str(rel["iris-log"]), "INSEE base-ic logement 2021 par IRIS"),
            (str(rel["iris-filo"]), "INSEE Filosofi 2021, revenus disponibles par IRIS"),
            (str(rel["reu-stations"]), "INSEE REU, table des bureaux de vote (contours 2024)"),
            (str(rel["addresses"]), "INSEE REU, table des adresses (contours 2024)"),
            (str(rel["pres2022_t1"]), "présidentielle 2022 1er tour, format ministère 2022 (latin-1)"),
            (str(rel["pres2022_t2"]), "présidentielle 2022 2nd tour, format ministère 2022 (latin-1)"),
            (str(rel["euro2024"]), "européennes 2024, format ministère 2024"),
            (str(rel["leg2024_t1"]), "législatives 2024 1er tour, format ministère 2024"),
            (str(rel["leg2024_t2"]), "législatives 2024 2nd tour, format ministère 2024"),
        ]
        w.write_readme(tmp / "README.txt", scale, seed, descriptions)
        report("Écriture : paramètres vrais (truth.json)", 0.98)
        truth_tmp = out_dir / f".truth-tmp-{os.getpid()}.json"
        w.write_json(truth_document(terr, results), truth_tmp, compact=national)
        if sources.exists():
            shutil.rmtree(sources)
        os.replace(tmp, sources)
        os.replace(truth_tmp, out_dir / "truth.json")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    files: list[DemoFile] = [DemoFile("communes", sources / rel["communes"])]
    for key, label, start_date, end_date in STATION_SETS:
        files.append(DemoFile("stations", sources / rel[f"stations-{key}"], set_label=label,
                              valid_from=start_date, valid_to=end_date))
    files.append(DemoFile("iris-contours", sources / rel["iris-contours"]))
    files += [DemoFile("iris-indicators", sources / rel[k]) for k in ("iris-pop", "iris-act", "iris-log", "iris-filo")]
    files.append(DemoFile("reu-stations", sources / rel["reu-stations"]))
    files.append(DemoFile("addresses", sources / rel["addresses"]))
    files += [DemoFile("results", sources / rel[e], election=e)
              for e in ("pres2022_t1", "pres2022_t2", "euro2024", "leg2024_t1", "leg2024_t2")]
    report("Territoire de démonstration prêt", 1.0)
    return DemoManifest(scale=scale, files=tuple(files), truth_path=out_dir / "truth.json")
