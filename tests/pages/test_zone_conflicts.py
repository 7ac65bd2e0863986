"""Zones page under concurrent edits: a stale save is refused with who and when and a reload offered;
a strategist's own successive edits never conflict with themselves."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.store import CampaignStore, zones
from tests.apptest import app_test, open_page

NAME = "Quartier nord (démo)"


def _ok(at: AppTest) -> AppTest:
    assert not at.exception, at.exception
    return at


def _zone(data_dir: Path, zone_id: int) -> zones.Zone:
    return zones.get_zone(CampaignStore(data_dir / "campaign.duckdb"), zone_id, by="cli")


def _page_on_zone(data_dir: Path, zone_id: int) -> AppTest:
    at = _ok(open_page(_ok(app_test("strategist").run()), "zones.py"))
    return _ok(at.selectbox(key="zones_current").select(zone_id).run())


def _rename(at: AppTest, data_dir: Path, zone_id: int, name: str) -> AppTest:
    field = next(w for w in at.text_input if str(w.key).startswith(f"zones_rename_{zone_id}_"))  # as drawn (maybe stale)
    field.input(name)
    return _ok(next(b for b in at.button if b.label == "Renommer").click().run())


def _zone_id(data_dir: Path) -> int:
    return next(z.zone_id for z in zones.zones_for(CampaignStore(data_dir / "campaign.duckdb"), by="cli") if z.name == NAME)


def test_successive_renames_in_one_session_never_conflict(demo_env: Path) -> None:
    zone_id = _zone_id(demo_env)
    at = _page_on_zone(demo_env, zone_id)
    for n in range(1, 4):
        at = _rename(at, demo_env, zone_id, f"Nord {n}")
        assert f"Zone renommée : « Nord {n} »." in [s.value for s in at.success], [e.value for e in at.error]
    assert _zone(demo_env, zone_id).name == "Nord 3"


def test_a_stale_rename_is_refused_with_who_and_when_and_a_reload(demo_env: Path) -> None:
    zone_id = _zone_id(demo_env)
    first = _page_on_zone(demo_env, zone_id)
    second = _page_on_zone(demo_env, zone_id)  # both read the same version
    first = _rename(first, demo_env, zone_id, "Nord premier")
    assert "Zone renommée : « Nord premier »." in [s.value for s in first.success]

    second = _rename(second, demo_env, zone_id, "Nord second")  # from the stale copy
    errors = [e.value for e in second.error]
    assert any("a été modifiée par strategist" in e and "(heure de Paris)" in e and "rechargez-la" in e for e in errors), errors
    assert _zone(demo_env, zone_id).name == "Nord premier"  # nothing lost, nothing overwritten
    reload = next(b for b in second.button if b.label == "Recharger la zone")
    second = _ok(reload.click().run())
    assert any("Zone rechargée" in i.value for i in second.info)
    second = _rename(second, demo_env, zone_id, "Nord second")  # on the latest copy, it goes through
    assert "Zone renommée : « Nord second »." in [s.value for s in second.success]
