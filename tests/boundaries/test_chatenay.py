"""Châtenay-Malabry's station 20 (new in 2024) compared with 2022 through a 2024 boundary version.

The commune published only its 2022 contours (19 stations). The 2024 version is built here from
them plus the split: station 14, which lost the most electors between the two elections, cut in
two on the side of its neighbours 12 and 13 (which lost electors too), the new half becoming 20
with an area share equal to 20's share of the two stations' 2024 electors. Imported with
``isoloir import stations --valid-from 2024-01-01``, the crosswalk is computed by area (no REU
addresses for this commune) and the swing of station 20 is defined.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from dashboard.boundaries import versions
from dashboard.boundaries.crosswalk import AREA, IDENTICAL, RELIABILITY_THRESHOLD, compute_crosswalk, reexpress, station_reliability
from dashboard.cli import main
from dashboard.maps.measure_types import Measure
from dashboard.maps.measures import compute
from dashboard.maps.territory import Scope
from dashboard.warehouse.database import Warehouse, warehouse_path

CONTOURS = "chatenay-malabry/bv/circo_contours_92019.geojson"
LEG2022 = "chatenay-malabry/results/legislatives2022_t2_9213.xlsx"
LEG2024 = "chatenay-malabry/results/legislatives2024_t1_9213.xlsx"
OLD_SET = "circo-contours-92019"
NEW_SET = "contours-2024-test"
COMMUNE = Scope(("92019",), None)


def cut_toward(polygon: shapely.Geometry, share: float, toward: shapely.Point) -> tuple[shapely.Geometry, shapely.Geometry]:
    """``polygon`` cut by a straight line perpendicular to the direction of ``toward``: (rest, piece),
    the piece on ``toward``'s side holding ``share`` of the area (bisection on the line's offset)."""
    centre = np.array(polygon.centroid.coords[0])
    direction = np.array(toward.coords[0]) - centre
    direction /= np.hypot(*direction)
    normal = np.array([-direction[1], direction[0]])
    reach = 2 * max(polygon.bounds[2] - polygon.bounds[0], polygon.bounds[3] - polygon.bounds[1])

    def piece(offset: float) -> shapely.Geometry:
        base = centre + direction * offset
        half = shapely.Polygon([base - normal * reach, base + normal * reach,
                                base + normal * reach + direction * reach, base - normal * reach + direction * reach])
        return polygon.intersection(half)

    low, high = -reach, reach
    for _ in range(60):
        middle = (low + high) / 2
        if piece(middle).area / polygon.area > share:
            low = middle
        else:
            high = middle
    cut = piece((low + high) / 2)
    return polygon.difference(cut), cut


def contours_2024(contours: gpd.GeoDataFrame, electors_2024: dict[str, int]) -> gpd.GeoDataFrame:
    """The 2022 contours with station 14 split into 14 and 20 (see the module's docstring)."""
    frame = contours.copy()
    by_id = frame.set_index("id_bv").geometry
    share = electors_2024["92019_20"] / (electors_2024["92019_20"] + electors_2024["92019_14"])
    toward = shapely.union_all([by_id["92019_12"], by_id["92019_13"]]).centroid
    rest, piece = cut_toward(by_id["92019_14"], share, toward)
    frame.loc[frame["id_bv"] == "92019_14", "geometry"] = rest
    new_row = frame[frame["id_bv"] == "92019_14"].copy()
    new_row["geometry"] = piece
    new_row[["numeroBureauVote", "codeBureauVote", "id_bv"]] = ["0020", "92019_0020", "92019_20"]
    return gpd.GeoDataFrame(pd.concat([frame, new_row], ignore_index=True), crs=contours.crs)


def _run(*argv: str) -> None:
    assert main(list(argv)) == 0, argv


@pytest.fixture(scope="module")
def chatenay(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("chatenay")
    d = ["--data-dir", str(data)]
    _run("import", "stations", str(shared_data / CONTOURS), *d)
    _run("versions", "set-validity", OLD_SET, "--valid-to", "2023-12-31", *d)
    _run("import", "results", str(shared_data / LEG2022), "--election", "leg2022_t2", *d)
    _run("import", "results", str(shared_data / LEG2024), "--election", "leg2024_t1", *d)
    with Warehouse(warehouse_path(data), read_only=True) as wh:
        electors = wh.query("SELECT station_id, registered FROM turnout WHERE election_id = 'leg2024_t1' AND commune_code = '92019'")
    new = contours_2024(gpd.read_file(shared_data / CONTOURS), dict(zip(electors["station_id"], electors["registered"])))
    path = data / "contours-2024-test.geojson"
    new.to_file(path, driver="GeoJSON")
    _run("import", "stations", str(path), "--label", "Contours 2024 (test)", "--valid-from", "2024-01-01", *d)
    return data


@pytest.fixture(scope="module")
def wh(chatenay: Path):
    with Warehouse(warehouse_path(chatenay), read_only=True) as warehouse:
        yield warehouse


def test_each_election_is_drawn_on_the_version_in_force(wh: Warehouse) -> None:
    table = versions.versions_table(wh, ["92019"])
    assert list(table["set_id"]) == [OLD_SET, NEW_SET] and list(table["stations"]) == [19, 20]
    assert list(table["elections"]) == ["leg2022_t2", "leg2024_t1"]
    drawn = compute(wh, Measure("turnout", "leg2024_t1"), COMMUNE).frame
    assert set(drawn["set_id"]) == {NEW_SET} and len(drawn) == 20 and drawn["value"].notna().all()
    assert set(compute(wh, Measure("turnout", "leg2022_t2"), COMMUNE).frame["set_id"]) == {OLD_SET}


def test_the_import_computed_the_crosswalk_by_area(wh: Warehouse) -> None:
    crosswalk = wh.query("SELECT * FROM station_crosswalk WHERE from_set_id = ? AND to_set_id = ?", [OLD_SET, NEW_SET])
    assert set(crosswalk["method"]) == {IDENTICAL, AREA} and len(crosswalk) == 20
    assert set(crosswalk.loc[crosswalk["method"] == AREA, "from_station_id"]) == {"92019_14"}
    split = crosswalk[crosswalk["from_station_id"] == "92019_14"].set_index("to_station_id")["weight"]
    assert set(split.index) == {"92019_14", "92019_20"} and split.sum() == pytest.approx(1.0)
    # the cut was made on degrees, the crosswalk measures metres: close, not equal
    assert split["92019_20"] == pytest.approx(964 / (964 + 983), abs=1e-4)
    # 2022's registered voters re-expressed on the 2024 stations: same total
    turnout = wh.query("SELECT station_id, registered, voters, expressed FROM turnout WHERE election_id = 'leg2022_t2' AND commune_code = '92019'")
    votes = wh.query("SELECT station_id, candidate, votes FROM votes WHERE election_id = 'leg2022_t2' AND station_id LIKE '92019_%'")
    new_turnout, new_votes = reexpress(turnout, votes, crosswalk)
    assert new_turnout["registered"].sum() == pytest.approx(turnout["registered"].sum())
    assert new_votes["votes"].sum() == pytest.approx(votes["votes"].sum())
    assert len(new_turnout) == 20


def test_station_20_swing_is_defined(wh: Warehouse) -> None:
    result = compute(wh, Measure("swing_turnout", "leg2024_t1", reference_id="leg2022_t2"), COMMUNE)
    frame = result.frame.set_index("station_id")
    assert len(frame) == 20 and result.not_comparable.empty and frame["value"].notna().all()
    now = wh.query("SELECT station_id, voters / registered AS t FROM turnout WHERE election_id = 'leg2024_t1'").set_index("station_id")["t"]
    before = wh.query("SELECT station_id, voters / registered AS t FROM turnout WHERE election_id = 'leg2022_t2'").set_index("station_id")["t"]
    # both halves of the split carry station 14's 2022 turnout
    assert frame.at["92019_20", "value"] == pytest.approx(now["92019_20"] - before["92019_14"])
    assert frame.at["92019_3", "value"] == pytest.approx(now["92019_3"] - before["92019_3"])
    assert frame.at["92019_20", "reliability"] == 1.0 and "fiabilité 100" in frame.at["92019_20", "text"]


def test_versions_diff_names_the_split(wh: Warehouse) -> None:
    diff = versions.diff_versions(wh, "92019", OLD_SET, NEW_SET).set_index("station_id")
    assert versions.diff_summary(diff.reset_index()) == {"ajouté": 1, "supprimé": 0, "redessiné": 1, "inchangé": 18}
    assert diff.at["92019_20", "change"] == "ajouté" and diff.at["92019_14", "change"] == "redessiné"
    # the area moved out of 14 is the area of the new 20
    assert diff.at["92019_14", "moved_m2"] == pytest.approx(diff.at["92019_20", "area_b_m2"], rel=1e-3)
    assert 0.4 < diff.at["92019_14", "moved_share"] < 0.6


def test_a_station_carved_from_three_is_greyed_with_its_reliability(shared_data: Path) -> None:
    """Had 20 been carved from 12, 13 and 14 (all three lost electors), an area crosswalk only guesses the mix."""
    contours = gpd.read_file(shared_data / CONTOURS)
    by_id = contours.set_index("id_bv").geometry
    junction = shapely.union_all([by_id[f"92019_{n}"] for n in (12, 13, 14)]).centroid
    new = contours.copy()
    pieces = []
    for number, lost in ((12, 200), (13, 223), (14, 310)):
        rest, piece = cut_toward(by_id[f"92019_{number}"], lost / (lost + 900), junction)
        new.loc[new["id_bv"] == f"92019_{number}", "geometry"] = rest
        pieces.append(piece)
    twenty = pd.DataFrame({"station_id": ["92019_20"], "commune_code": "92019", "geometry": [shapely.union_all(pieces)]})
    old = pd.DataFrame({"station_id": contours["id_bv"], "commune_code": "92019", "geometry": contours.geometry})
    crosswalk = compute_crosswalk(old, pd.concat([old.assign(geometry=new.geometry), twenty], ignore_index=True))
    reliability = station_reliability(crosswalk)
    assert reliability["92019_20"] < RELIABILITY_THRESHOLD
    assert (reliability.drop("92019_20") == 1.0).all()


def test_versions_and_crosswalk_commands(chatenay: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(warehouse_path(chatenay), warehouse_path(data))
    d = ["--data-dir", str(data)]
    capsys.readouterr()
    _run("versions", "list", "--commune", "92019", *d)
    listed = capsys.readouterr().out
    assert OLD_SET in listed and NEW_SET in listed and "leg2024_t1" in listed
    _run("versions", "diff", "92019", OLD_SET, NEW_SET, *d)
    diff = capsys.readouterr().out
    assert "1 ajouté(s), 0 supprimé(s), 1 redessiné(s), 18 inchangé(s)" in diff
    assert "92019_20 ajouté" in diff and "92019_14 redessiné : " in diff and "m² déplacés" in diff
    _run("crosswalk", OLD_SET, NEW_SET, "--commune", "92019", *d)
    out = capsys.readouterr().out
    assert out.startswith(f"Table de passage {OLD_SET} → {NEW_SET} : 1 commune(s), 18 bureau(x) inchangé(s), "
                          "0 pesé(s) par adresses, 1 par surface, 0 bureau(x) sous le seuil de fiabilité")
    assert main(["crosswalk", OLD_SET, "nope", *d]) == 1
    assert "version de contours inconnue : « nope »" in capsys.readouterr().err


def test_links_made_by_hand_survive_imports(chatenay: Path, shared_data: Path, tmp_path: Path) -> None:
    import shutil

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(warehouse_path(chatenay), warehouse_path(data))
    d = ["--data-dir", str(data)]

    def drawn_on() -> str:
        with Warehouse(warehouse_path(data), read_only=True) as wh:
            return str(wh.query("SELECT set_id FROM election_station_set WHERE election_id = 'leg2024_t1' AND commune_code = '92019'")["set_id"].iat[0])

    _run("versions", "link", "leg2024_t1", "92019", OLD_SET, *d)
    assert drawn_on() == OLD_SET
    _run("import", "results", str(shared_data / LEG2024), "--election", "leg2024_t1", *d)
    assert drawn_on() == OLD_SET
    _run("versions", "link", "leg2024_t1", "92019", "--unlink", *d)
    assert drawn_on() == NEW_SET
    # per-commune dates: in Châtenay alone, 2022's version in force until the end of 2024 and the new one from 2025
    _run("versions", "set-validity", OLD_SET, "--commune", "92019", "--valid-to", "2024-12-31", *d)
    assert drawn_on() == NEW_SET  # both in force on the date: the one matching most stations
    _run("versions", "set-validity", NEW_SET, "--commune", "92019", "--valid-from", "2025-01-01", *d)
    assert drawn_on() == OLD_SET
    assert main(["versions", "link", "leg2024_t1", "92019", "nope", *d]) == 1
