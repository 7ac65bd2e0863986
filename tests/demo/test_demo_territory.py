"""The city territory: counts, the 2024 split, tiling, IRIS/BV crossing, addresses."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

TOL_M2 = 1.0  # square metres


@pytest.fixture(scope="module")
def commune(paths: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(paths["communes"]).to_crs(2154)


@pytest.fixture(scope="module")
def bv22(paths: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(paths["stations-2022"]).to_crs(2154)


@pytest.fixture(scope="module")
def bv24(paths: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(paths["stations-2024"]).to_crs(2154)


@pytest.fixture(scope="module")
def iris(paths: dict[str, Path]) -> gpd.GeoDataFrame:
    return gpd.read_file(paths["iris-contours"])


@pytest.fixture(scope="module")
def addresses(paths: dict[str, Path]) -> pd.DataFrame:
    return pd.read_csv(paths["addresses"], dtype={"code_commune_ref": str, "id_brut_bv_reu": str, "id": str})


def test_the_commune(commune: gpd.GeoDataFrame) -> None:
    assert len(commune) == 1
    row = commune.iloc[0]
    assert (row.INSEE_COM, row.NOM, row.INSEE_DEP) == ("45999", "Isoloir-sur-Loire", "45")
    lon, lat = gpd.GeoSeries([row.geometry.centroid], crs=2154).to_crs(4326).iloc[0].coords[0]
    assert abs(lon - 1.90) < 0.03 and abs(lat - 47.90) < 0.03
    minx, miny, maxx, maxy = row.geometry.bounds
    assert 5_000 < maxx - minx < 7_500 and 4_000 < maxy - miny < 6_500
    assert 40_000 < row.POPULATION < 100_000


def test_bureau_counts_and_numbering(bv22: gpd.GeoDataFrame, bv24: gpd.GeoDataFrame) -> None:
    assert len(bv22) == 40
    assert len(bv24) == 41
    assert sorted(bv22.numeroBureauVote.astype(int)) == list(range(1, 41))
    assert sorted(bv24.numeroBureauVote.astype(int)) == list(range(1, 42))
    assert (bv24.codeBureauVote == "45999_" + bv24.numeroBureauVote).all()
    assert (bv24.id_bv == "45999_" + bv24.numeroBureauVote.astype(int).astype(str)).all()


def test_exactly_one_bureau_is_split_in_2024(bv22: gpd.GeoDataFrame, bv24: gpd.GeoDataFrame) -> None:
    g22 = bv22.set_index("id_bv").geometry
    g24 = bv24.set_index("id_bv").geometry
    same = [b for b in g22.index if shapely.equals_exact(g22[b], g24[b], tolerance=1e-6)]
    changed = [b for b in g22.index if b not in same]
    assert len(same) == 39 and len(changed) == 1
    old = g22[changed[0]]
    kept, new = g24[changed[0]], g24["45999_41"]
    assert kept.area > 0.15 * old.area and new.area > 0.15 * old.area
    assert abs(kept.area + new.area - old.area) < TOL_M2
    assert shapely.union(kept, new).symmetric_difference(old).area < TOL_M2
    assert kept.intersection(new).area < TOL_M2


@pytest.mark.parametrize("layer", ["bv22", "bv24", "iris"])
def test_polygons_tile_the_commune(layer: str, request: pytest.FixtureRequest,
                                   commune: gpd.GeoDataFrame) -> None:
    polys = request.getfixturevalue(layer).geometry
    assert polys.is_valid.all()
    area = commune.geometry.iloc[0].area
    union = shapely.union_all(polys.values)
    # No gaps: the union is the commune; no overlaps: the areas add up to the union. IRIS are in
    # Lambert-93 at full precision, the commune in WGS84 rounded to 1e-6 degree: allow for that.
    tol = 1e-4 if layer == "iris" else 1e-6
    assert union.symmetric_difference(commune.geometry.iloc[0]).area < tol * area
    assert abs(polys.area.sum() - union.area) < 1e-6 * area
    tree = shapely.STRtree(polys.values)
    left, right = tree.query(polys.values, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(polys.values[left[pairs]], polys.values[right[pairs]]))
    assert overlap.sum() < 1e-6 * area


def test_iris_codes_types_and_count(iris: gpd.GeoDataFrame) -> None:
    assert iris.crs.to_epsg() == 2154
    assert 15 <= len(iris) <= 25
    assert all(re.fullmatch(r"45999\d{4}", c) for c in iris.CODE_IRIS)
    assert (iris.CODE_IRIS.str[5:] == iris.IRIS).all()
    assert "459990101" in set(iris.CODE_IRIS)
    assert set(iris.TYP_IRIS) <= {"H", "A", "D"} and (iris.TYP_IRIS == "H").sum() >= len(iris) - 3
    assert iris.NOM_IRIS.is_unique


def test_iris_and_bureaux_do_not_nest(iris: gpd.GeoDataFrame, bv22: gpd.GeoDataFrame) -> None:
    inter = gpd.overlay(iris[["CODE_IRIS", "geometry"]], bv22[["id_bv", "geometry"]], keep_geom_type=True)
    inter["a"] = inter.area
    iris_share = inter.groupby("CODE_IRIS").a.max() / iris.set_index("CODE_IRIS").area
    bv_share = inter.groupby("id_bv").a.max() / bv22.set_index("id_bv").area
    # No IRIS lies inside a single bureau, and most bureaux straddle several IRIS.
    assert (iris_share < 0.95).all()
    assert (bv_share < 0.95).mean() > 0.5
    assert inter.groupby("CODE_IRIS").size().min() >= 2


def test_about_six_thousand_addresses(addresses: pd.DataFrame) -> None:
    assert 5_500 <= len(addresses) <= 6_500
    assert addresses.id.is_unique
    assert (addresses.nb_adresses >= 1).all()
    assert 0.6 < (addresses.nb_adresses == 1).mean() < 0.97
    assert addresses.nb_adresses.max() > 3
    assert set(addresses.geo_type) == {"housenumber", "street"}
    assert (addresses.geo_type == "street").mean() < 0.03
    hn = addresses[addresses.geo_type == "housenumber"]
    assert hn.geo_adresse.str.fullmatch(r"\d+ \S.* 45990 Isoloir-sur-Loire").all()
    assert hn.id.str.fullmatch(r"45999_\d{4}_\d{5}").all()
    assert (addresses.nb_bv_commune == 41).all()


def test_house_numbers_odd_on_one_side_even_on_the_other(addresses: pd.DataFrame) -> None:
    hn = addresses[addresses.geo_type == "housenumber"].copy()
    hn["street"] = hn.geo_adresse.str.split(" ", n=1).str[1]
    hn["number"] = hn.geo_adresse.str.split(" ", n=1).str[0].astype(int)
    pts = gpd.GeoSeries(gpd.points_from_xy(hn.longitude, hn.latitude), crs=4326).to_crs(2154)
    hn["x"], hn["y"] = pts.x.to_numpy(), pts.y.to_numpy()
    checked, signs = 0, []
    for _, s in hn.groupby("street"):
        odd, even = s[s.number % 2 == 1].sort_values("number"), s[s.number % 2 == 0].sort_values("number")
        if len(odd) < 4 or len(even) < 4:
            continue
        # Walking the odd numbers in order moves steadily along the street...
        xy = odd[["x", "y"]].to_numpy()
        axis = xy[-1] - xy[0]
        proj = (xy - xy[0]) @ axis / np.linalg.norm(axis)
        assert np.corrcoef(np.arange(len(proj)), proj)[0, 1] > 0.8
        # ...and each even address lies on the same side of the local odd-side direction.
        exy = even[["x", "y"]].to_numpy()
        k = np.argmin(np.hypot(exy[:, None, 0] - xy[None, :, 0], exy[:, None, 1] - xy[None, :, 1]), axis=1)
        tangent = xy[np.minimum(k + 1, len(xy) - 1)] - xy[np.maximum(k - 1, 0)]
        rel = exy - xy[k]
        signs.append(np.sign(tangent[:, 0] * rel[:, 1] - tangent[:, 1] * rel[:, 0]))
        checked += 1
    assert checked >= 20
    signs_all = np.concatenate(signs)
    # Even numbers are on the right when walking towards increasing numbers.
    assert (signs_all < 0).mean() > 0.9


def test_addresses_fall_inside_their_bureau(addresses: pd.DataFrame, bv24: gpd.GeoDataFrame) -> None:
    pts = gpd.GeoDataFrame(addresses[["id_brut_bv_reu"]],
                           geometry=gpd.points_from_xy(addresses.longitude, addresses.latitude), crs=4326)
    joined = gpd.sjoin(pts.to_crs(2154), bv24[["id_bv", "geometry"]], predicate="within", how="left")
    assert len(joined) == len(addresses)  # no address on two bureaux
    assert (joined.id_bv == joined.id_brut_bv_reu).all()
    assert set(addresses.id_brut_bv_reu) == set(bv24.id_bv)


def test_reu_station_table_matches_addresses(paths: dict[str, Path], addresses: pd.DataFrame) -> None:
    reu = pd.read_csv(paths["reu-stations"], dtype=str)
    assert len(reu) == 41
    assert (reu.id_brut_miom == "45999_" + reu.code.str.zfill(4)).all()
    final = reu.set_index("id_brut_reu").nb_adresses_final.astype(float)
    per_bv = addresses.groupby("id_brut_bv_reu").nb_adresses.sum()
    assert (final.reindex(per_bv.index) == per_bv).all()
    assert (reu.nb_adresses_initial.astype(float) >= reu.nb_adresses_final.astype(float)).all()
    assert reu.libelle_reu.str.fullmatch(r"[a-z0-9' \-]+").all()
    assert reu.voie_reu.str.fullmatch(r"\d+ [A-Z0-9' \-]+").mean() > 0.9
