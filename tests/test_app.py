"""The app on a real warehouse: AppTest runs the script as Streamlit would."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import app_test

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@pytest.fixture()
def app_env(real_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(real_data_dir))
    from dashboard.ui import data

    data.settings.clear()
    data.warehouse.clear()
    data.info.clear()
    return real_data_dir


def test_data_page_lists_elections_and_gaps(app_env: Path) -> None:
    at = app_test("admin")
    at.run()
    at.switch_page("../pages/entrepot.py").run()
    assert not at.exception
    assert at.title[0].value == "Données de l'entrepôt"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Bureaux de vote"] == "173" and metrics["Adresses du REU"] == "5\u202f698"
    text = " ".join(md.value for md in at.markdown)
    assert "92019_20" in text
    assert not at.warning  # real data: no demo banner


def test_missing_warehouse_gives_french_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISOLOIR_DATA_DIR", str(tmp_path))
    from dashboard.ui import data

    data.settings.clear()
    data.warehouse.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "entrepôt introuvable" in at.error[0].value
