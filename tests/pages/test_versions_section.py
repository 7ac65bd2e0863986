"""Données: the boundary versions of each commune and what changed between two (AppTest, demo copy)."""

from __future__ import annotations

from pathlib import Path

from tests.apptest import app_test, open_page


def test_versions_and_their_differences_are_listed(demo_env: Path) -> None:
    at = open_page(app_test("viewer").run(), "entrepot.py")
    assert not at.exception
    table = next(df.value for df in at.dataframe if "élections dessinées dessus" in df.value.columns)
    assert list(table["version"]) == ["contours-2022-demo", "contours-2024-demo"]
    assert list(table["élections dessinées dessus"]) == ["pres2022_t1, pres2022_t2", "euro2024, leg2024_t1, leg2024_t2"]
    captions = " ".join(c.value for c in at.caption)
    assert "1 bureau(x) ajouté(s)" in captions and "1 bureau(x) redessiné(s)" in captions and "39 bureau(x) inchangé(s)" in captions
    changes = next(df.value for df in at.dataframe if "changement" in df.value.columns)
    assert list(zip(changes["bureau"], changes["changement"])) == [("45999_7", "redessiné"), ("45999_41", "ajouté")]
    assert changes["surface déplacée (m²)"].iloc[0] != "—" and changes["surface déplacée (m²)"].iloc[1] == "—"
