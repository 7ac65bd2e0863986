"""A map view survives the address bar and the campaign store unchanged; hostile parameters are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from dashboard.errors import IsoloirError
from dashboard.maps.view import CLASS_METHODS, LAYERS, MapView, from_dict, from_params
from dashboard.maps.measure_types import BASES, INDICATOR_MODES, KINDS, Measure, TARGET_TYPES
from dashboard.store import CampaignStore

codes = st.text(alphabet="0123456789AB", min_size=2, max_size=5)
views = st.builds(
    MapView,
    layer=st.sampled_from(list(LAYERS)),
    election_id=st.sampled_from(["", "pres2022_t1", "leg2024_t2"]),
    kind=st.sampled_from(list(KINDS)),
    target_type=st.sampled_from(list(TARGET_TYPES)),
    target=st.text(max_size=40).map(str.strip),
    base=st.sampled_from(list(BASES)),
    indicator=st.text(alphabet="PCDISMOP_0123456789", max_size=20),
    indicator_year=st.integers(0, 2100),
    indicator_mode=st.sampled_from(list(INDICATOR_MODES)),
    departements=st.lists(codes, max_size=3, unique=True).map(tuple),
    communes=st.lists(codes, max_size=4, unique=True).map(tuple),
    method=st.sampled_from(CLASS_METHODS),
    classes=st.integers(2, 9),
    zoom=st.one_of(st.none(), st.floats(0, 20).map(lambda z: round(z, 2))),
    title=st.text(max_size=60).map(str.strip),
)


@given(views)
def test_query_parameters_round_trip(view: MapView) -> None:
    parsed = from_params(view.to_params())
    assert parsed.problems == [] and parsed.view == view


@given(views)
def test_saved_dict_round_trip(view: MapView) -> None:
    assert from_dict(view.to_dict()).view == view


def test_defaults_make_short_links() -> None:
    assert MapView().to_params() == {}
    assert MapView(election_id="euro2024", kind="share", target="centre").to_params() == {
        "election": "euro2024", "mesure": "share", "cible": "centre"}


def test_indicator_kind_round_trips_and_reaches_the_measure() -> None:
    view = MapView(election_id="pres2022_t1", kind="indicator", indicator="P16_ACT1564", indicator_year=2016,
                   indicator_mode="share")
    params = view.to_params()
    assert params == {"election": "pres2022_t1", "mesure": "indicator", "indicateur": "P16_ACT1564", "annee": "2016",
                      "mode": "share"}
    parsed = from_params(params)
    assert parsed.problems == [] and parsed.view == view
    assert from_dict(view.to_dict()).view == view
    assert view.measure == Measure("indicator", "pres2022_t1", indicator="P16_ACT1564", indicator_year=2016,
                                   indicator_mode="share")
    assert from_params({"mesure": "indicator", "mode": "<b>"}).problems == ["paramètre « mode » ignoré : valeur invalide"]


@pytest.mark.parametrize(("params", "problem"), [
    ({"mesure": "<script>"}, "mesure"),
    ({"classes": "99"}, "classes"),
    ({"classes": "deux"}, "classes"),
    ({"communes": "93010,'; DROP TABLE votes"}, "communes"),
    ({"zoom": "nan-ish"}, "zoom"),
    ({"circo": "29"}, "circo"),
    ({"couche": "sql"}, "couche"),
])
def test_bad_parameters_fall_back_to_defaults(params: dict[str, str], problem: str) -> None:
    parsed = from_params(params)
    assert len(parsed.problems) == 1 and problem in parsed.problems[0]
    assert parsed.view == MapView()


def test_saved_views_are_ordered_renamed_and_deleted(tmp_path: Path) -> None:
    store = CampaignStore(tmp_path / "campaign.duckdb")
    assert store.views() == []
    a = store.save_view("  Participation  2022 ", MapView(election_id="pres2022_t1").to_dict(), by="cli")
    b = store.save_view("Swing <b>gauche</b>", MapView(kind="swing_turnout").to_dict(), by="cli")
    c = store.save_view("Vainqueurs", MapView(kind="winner").to_dict(), by="cli")
    assert [v.name for v in store.views()] == ["Participation 2022", "Swing <b>gauche</b>", "Vainqueurs"]
    assert from_dict(store.views()[0].params).view == MapView(election_id="pres2022_t1")
    store.move_view(c, -5, by="cli")
    assert [v.view_id for v in store.views()] == [c, a, b]
    store.rename_view(b, "Évolution", by="cli")
    store.delete_view(a, by="cli")
    assert [(v.view_id, v.name) for v in store.views()] == [(c, "Vainqueurs"), (b, "Évolution")]
    with pytest.raises(IsoloirError, match="introuvable"):
        store.delete_view(a, by="cli")
    with pytest.raises(IsoloirError, match="nom"):
        store.save_view("   ", {}, by="cli")
