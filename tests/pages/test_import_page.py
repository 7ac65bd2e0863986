"""The « Importer » page as Streamlit runs it (AppTest, whole app, a real logged-in session).

AppTest cannot upload: the dropped files are handed to the page as its uploader does, through
``import_panel.FILES`` (the recognitions of files written to disk), and the browser test
(``tests/e2e/test_import_page.py``) covers the real drop."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ingest.recognise import recognise
from dashboard.store import CampaignStore, audit, data_right
from dashboard.ui import import_panel
from dashboard.warehouse.database import Warehouse
from tests.apptest import app_test, open_page
from tests.conftest import SHARED_DATA, requires_shared_data

pytestmark = requires_shared_data
STATIONS = "chatenay-malabry/bv/circo_contours_92019.geojson"
RESULTS = "brest/results/leg2024_circos23-tour2_29019.csv"
NO_ELECTION = "bondy/results/bondy_2022.csv"


def _copy(name: str, folder: Path) -> Path:
    """The file as the uploader leaves it: a copy in a temporary folder, deleted after the import."""
    assert SHARED_DATA is not None
    folder.mkdir(exist_ok=True)
    return Path(shutil.copy(SHARED_DATA / name, folder / Path(name).name))


def _page(user: str, files: list[Path]) -> AppTest:
    at = app_test(user).run()
    assert not at.exception
    at = open_page(at, "importer.py")
    assert not at.exception, at.exception
    at.session_state[import_panel.FILES] = [recognise(p) for p in files]
    at.session_state[import_panel.DIR] = str(files[0].parent) if files else ""
    return at.run()


def _text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [str(c.value) for c in at.metric] + [e.value for e in at.error]
                     + [df.value.to_csv() for df in at.dataframe])


def _count(data_dir: Path, sql: str) -> int:
    with Warehouse(data_dir / "warehouse.duckdb", read_only=True) as wh:
        return int(wh.query(sql).iloc[0, 0])


def test_preview_correction_refusal_and_confirm(demo_env: Path, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    results, no_election = _copy(RESULTS, uploads), _copy(NO_ELECTION, uploads)
    at = _page("admin", [results, no_election])
    assert at.title[0].value == "Importer des fichiers"
    text = _text(at)
    # what each file was recognised as, and the preview before anything is written
    assert "leg2024_t2" in text and "29019" in text and "utf-8-sig" in text
    assert "Candidats et listes trouvés" in text and "voix" in text
    assert "somme des voix = exprimés" in text and "bureaux sans contour" in text
    # the refused file: its French message, no traceback
    assert any("élection" in e.value for e in at.error) and not at.exception
    before = _count(demo_env, "SELECT count(*) FROM turnout")

    # correction: the election typed in the form makes the second file readable
    at.text_input(key=f"import_fix_1_{no_election.name}_election").set_value("pres2022_t1")
    at.button(key="FormSubmitter:" + f"import_fix_1_{no_election.name}-Relire avec ces corrections").click()
    at = at.run()
    assert not at.exception, at.exception
    fixed = at.session_state[import_panel.FILES][1]
    assert fixed.ok and fixed.election == "pres2022_t1" and fixed.communes == ("93010",)
    assert not at.error

    # correction of the kind: forced to contours, the results file is refused in French
    at.selectbox(key=f"import_fix_0_{results.name}_kind").set_value("stations")
    at.button(key="FormSubmitter:" + f"import_fix_0_{results.name}-Relire avec ces corrections").click()
    at = at.run()
    assert not at.exception and not at.session_state[import_panel.FILES][0].ok
    assert any("Import refusé" in e.value for e in at.error)
    at.selectbox(key=f"import_fix_0_{results.name}_kind").set_value("results")
    at.button(key="FormSubmitter:" + f"import_fix_0_{results.name}-Relire avec ces corrections").click()
    at = at.run()
    assert at.session_state[import_panel.FILES][0].ok
    assert _count(demo_env, "SELECT count(*) FROM turnout") == before  # nothing written yet

    at.button(key="import_confirm").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("Import terminé" in s.value for s in at.success), [e.value for e in at.error]
    assert _count(demo_env, "SELECT count(*) FROM turnout WHERE election_id = 'leg2024_t2' AND commune_code = '29019'") > 0
    assert _count(demo_env, "SELECT count(*) FROM turnout WHERE election_id = 'pres2022_t1' AND commune_code = '93010'") > 0
    assert not uploads.exists()  # the uploads are deleted after the import
    entry = audit.entries(CampaignStore(demo_env / "campaign.duckdb"), by="cli", action="import", limit=1)[0]
    assert entry.user_name == "admin" and entry.detail["files"] == [results.name, no_election.name]


def test_the_data_right_and_its_removal_while_the_page_is_open(demo_env: Path, tmp_path: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    at = open_page(app_test("strategist").run(), "importer.py")
    assert at.title[0].value == "Accès refusé"  # without the right: no page

    data_right.set_right(store, "strategist", "data", True, by="cli")
    stations = _copy(STATIONS, tmp_path / "uploads")
    at = _page("strategist", [stations])
    assert at.title[0].value == "Importer des fichiers" and "92019" in _text(at)
    before = (demo_env / "warehouse.duckdb").read_bytes()

    data_right.set_right(store, "strategist", "data", False, by="cli")  # removed while the page is open
    at.button(key="import_confirm").click()
    at = at.run()
    assert not at.exception
    assert (demo_env / "warehouse.duckdb").read_bytes() == before  # nothing written
    # the click's run re-reads the account: the page is refused before the confirm can write
    assert [t.value for t in at.title] == ["Accès refusé"]
    denied = audit.entries(store, by="cli", action="permission_denied", user_name="strategist", limit=1)
    assert (denied[0].object_type, denied[0].object_id) == ("page", "import")


def test_the_confirm_rereads_the_right(demo_env: Path, tmp_path: Path) -> None:
    """The confirm's own check (a callback run before the app's gate, or another replica): ``confirm`` refuses
    an account whose right was removed after the page was drawn, and writes nothing."""
    store = CampaignStore(demo_env / "campaign.duckdb")
    drawn = data_right.set_right(store, "strategist", "data", True, by="cli")
    data_right.set_right(store, "strategist", "data", False, by="cli")
    before = (demo_env / "warehouse.duckdb").read_bytes()
    script = AppTest.from_function(_confirm_as_drawn, args=(drawn, str(_copy(STATIONS, tmp_path / "uploads")), str(demo_env)))
    script = script.run()
    assert not script.exception, script.exception
    assert [e.value for e in script.error] == ["refusée"]
    assert (demo_env / "warehouse.duckdb").read_bytes() == before


def _confirm_as_drawn(user, path: str, data_dir: str) -> None:  # noqa: ANN001 - a User
    from pathlib import Path

    import streamlit as st

    from dashboard.access.permissions import PermissionDenied
    from dashboard.ingest.recognise import recognise
    from dashboard.ui import import_panel

    st.session_state[import_panel.FILES] = [recognise(Path(path))]
    try:
        import_panel.confirm(user, Path(data_dir))
    except PermissionDenied as error:
        st.error("refusée" if "refusée" in error.message_fr else error.message_fr)


@pytest.mark.parametrize("name", ["wild/toulouse-mathavech/toulouse_bureaux_vote.geojson"])
def test_a_refused_file_cannot_be_confirmed(demo_env: Path, tmp_path: Path, name: str) -> None:
    at = _page("admin", [_copy(name, tmp_path / "uploads")])
    assert not at.exception and at.error and at.error[0].value.startswith("Import refusé")
    assert at.button(key="import_confirm").disabled


def test_after_contours_the_map_link_and_the_iris_weights(demo_env: Path, tmp_path: Path) -> None:
    at = _page("admin", [_copy(STATIONS, tmp_path / "uploads")])
    at.button(key="import_confirm").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("Import terminé" in s.value for s in at.success)
    [link] = [p for p in at.get("page_link") if "Voir sur la carte" in p.proto.label]
    assert link.proto.page.endswith("carte") and "communes=92019" in link.proto.query_string
    assert _count(demo_env, "SELECT count(*) FROM station WHERE commune_code = '92019'") == 19
    at.button(key="import_interpolate").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Pondérations IRIS → bureaux") for s in at.success), [e.value for e in at.error]
    assert _count(demo_env, "SELECT count(*) FROM station_iris") > 0


def test_the_indicator_links_name_the_imported_variables_on_the_cities() -> None:
    """After an import of IRIS indicators the page links to each on the Carte (measure « indicator »); an
    arrondissement's code (13201, 75105) opens its city, whose code the stations carry."""
    assert SHARED_DATA is not None
    rec = recognise(SHARED_DATA / "wild/paris-iris-gordesch/diplomes-2015.trim-75101-75102-75105.csv")
    found = import_panel.imported_indicators([rec, rec])
    assert len(found) == 29 and {year for _, year, _ in found} == {2015}
    assert ("P15_NSCOL15P", 2015) in {(variable, year) for variable, year, _ in found} and all(label for *_, label in found)
    assert import_panel.indicator_map_params("P15_POP", 2015, ["13201", "13055", "75105"]) == {
        "mesure": "indicator", "indicateur": "P15_POP", "annee": "2015", "communes": "13055,75056"}


def test_stations_drawn_from_addresses_through_the_page(demo_env: Path, tmp_path: Path) -> None:
    """A REU address file dropped on the page: « Dessiner les bureaux » writes a new boundary version
    (the outline: the union of the commune's IRIS, imported first), its quality figures and an audit entry."""
    from dashboard.ingest import ImportOptions
    from dashboard.warehouse.importer import import_files

    assert SHARED_DATA is not None
    import_files("iris-contours", [SHARED_DATA / "bondy/iris/map_iris_gdparis_93010.shp"], demo_env, ImportOptions())
    addresses = _copy("bondy/reu/adresses93010.csv", tmp_path / "uploads")
    at = _page("admin", [addresses])
    assert at.session_state[import_panel.FILES][0].kind == "addresses"
    key = f"import_build_0_{addresses.name}"
    at.text_input(key=f"{key}_label").set_value("Bondy depuis le REU")
    at.button(key=f"FormSubmitter:{key}-Dessiner les bureaux").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("32 bureau(x) dessiné(s)" in s.value for s in at.success), [s.value for s in at.success]
    figures = next(m.value for m in at.markdown if m.value.startswith("Méthode"))
    assert "Adresses dans leur bureau" in figures and "Trous : 0,00 m²" in figures, figures
    assert _count(demo_env, "SELECT count(*) FROM station s JOIN station_set v USING (set_id) "
                            "WHERE v.label = 'Bondy depuis le REU'") == 32
    assert _count(demo_env, "SELECT count(*) FROM station_set_quality") == 1
    entry = audit.entries(CampaignStore(demo_env / "campaign.duckdb"), by="cli", action="import", limit=1)[0]
    assert "stations-from-addresses" in str(entry)
