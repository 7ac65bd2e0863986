"""Synthetic Marseille IRIS files built from the real Marseille polling-station contours.

No real Marseille IRIS file is in ``../shared/data``: each arrondissement gets one IRIS (``132NN0101``)
whose shape is the union of the arrondissement's real stations (``wild/marseille2014-makina``), an
indicator file gives it ``P15_POP = 1000 × NN`` (2015), and a Ministry-layout results file gives a few
stations votes (the Carte draws the stations of an election). Shared by the warehouse and browser tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import shapely

MARSEILLE = "wild/marseille2014-makina/bureaux_marseille.geojson"
MOI_HEADER = ("Code du département;Libellé du département;Code de la commune;Libellé de la commune;Code du b.vote;Inscrits;"
              "Abstentions;Votants;Blancs;Nuls;Exprimés;N°Panneau;Sexe;Nom;Prénom;Voix;% Voix/Ins;% Voix/Exp;;;;;;;")


def collection(rows: list[tuple[dict, shapely.Geometry]]) -> str:
    """A GeoJSON FeatureCollection of (properties, geometry) pairs."""
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)} for props, geom in rows
    ]})


def marseille_features(shared_data: Path) -> list[dict]:
    """The features of the real, JS-wrapped Marseille contour file."""
    text = (shared_data / MARSEILLE).read_text(encoding="utf-8")
    return json.loads(text[text.index("{"): text.rindex("}") + 1])["features"]


def write_marseille_iris(shared_data: Path, folder: Path) -> tuple[Path, Path]:
    """One IRIS per arrondissement (``iris_marseille.geojson``) and its indicator (``pop_marseille.csv``)."""
    by_arr: dict[int, list] = {}
    for f in marseille_features(shared_data):
        by_arr.setdefault(int(f["properties"]["BUREAU"]) // 100, []).append(shapely.make_valid(shapely.geometry.shape(f["geometry"])))
    iris_rows = [({"CODE_IRIS": f"132{n:02d}0101", "INSEE_COM": f"132{n:02d}"}, shapely.make_valid(shapely.union_all(g)))
                 for n, g in sorted(by_arr.items())]
    contours, indicators = folder / "iris_marseille.geojson", folder / "pop_marseille.csv"
    contours.write_text(collection(iris_rows))
    indicators.write_text("IRIS;P15_POP\n" + "".join(f"132{n:02d}0101;{1000 * n}\n" for n in sorted(by_arr)), encoding="utf-8")
    return contours, indicators


def write_marseille_results(folder: Path, bureaux: tuple[str, ...], name: str = "marseille_pres2022_t1.csv") -> Path:
    """A Ministry-layout results file (two candidates) for Marseille's bureaux ``bureaux`` (« 0101 », « 1614 »…)."""
    rows = [MOI_HEADER] + [
        f"13;Bouches-du-Rhône;055;Marseille;{bv};100;40;60;3;2;55;1;F;DUPONT;Anne;30;0;0;2;M;MARTIN;Paul;25;0;0"
        for bv in bureaux
    ]
    path = folder / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path
