"""What held in issue 12's attack and must keep holding (one test each; forged and expired cookies are
tested with the sessions, in ``tests/pages/test_login.py`` and the sessions' own tests).

Related tests elsewhere: every page as every role in ``tests/pages/test_roles_pages.py``; hostile names
in the map tooltip in Chromium in ``tests/e2e/test_tooltip_escaping.py``; leftovers of a killed writer in
``tests/warehouse/test_writing.py``; hostile contact fields in ``tests/store/test_contacts.py``.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import bcrypt
import pytest

from dashboard.access.permissions import PermissionDenied, may_open
from dashboard.csv_export import FORMULA_START, french_csv
from dashboard.store import CampaignStore, contacts, users, zones
from dashboard.warehouse.database import warehouse_path
from dashboard.warehouse.writing import TMP_PREFIX, TMP_SUFFIX, lock_path, writer_lock
from layers.choropleth import tooltip
from tests.apptest import app_test, open_page
from tests.campaign_stores import table_rows

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 9, 0, 0)
INJECTIONS = [
    "'); DROP TABLE contact;--",
    "x' OR '1'='1",
    "Robert'); DELETE FROM app_user; --",
    "\"; DROP TABLE zone; --",
    "%' UNION SELECT password_hash FROM app_user --",
    "\\'; TRUNCATE audit_log; --",
]
FORMULAS = ["=HYPERLINK(\"http://127.0.0.1:9/x\";\"clic\")", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


# -- pages by URL per role ------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["viewer", "canvasser"])
def test_pages_typed_in_the_address_bar_are_refused_per_role(demo_env: Path, role: str) -> None:
    for page, key in (("admin.py", "admin"), ("zones.py", "zones")):
        assert not may_open(role, key)
        at = open_page(app_test(role).run(), page)
        assert not at.exception
        assert at.title and at.title[0].value == "Accès refusé", (role, page)
        own_password = [t for t in at.text_input if t.form_id == "isoloir_password"]  # the sidebar's, on every page
        assert at.text_input.len == len(own_password) and not at.dataframe and not at.get("download_button")


# -- forged widget values -------------------------------------------------------------------------------
def test_a_forged_station_in_the_url_opens_nothing_outside_the_canvassers_zones(demo_env: Path) -> None:
    store = CampaignStore(demo_env / "campaign.duckdb")
    own = zones.station_ids_for(store, by=users.get_user(store, "canvasser"))
    store.close()
    assert own
    with CampaignStore(demo_env / "campaign.duckdb").read() as con:
        stations = {r[0] for r in con.execute("SELECT DISTINCT station_id FROM zone_station").fetchall()}
    from dashboard.warehouse.database import Warehouse

    with Warehouse(warehouse_path(demo_env), read_only=True) as wh:
        every = set(wh.query("SELECT station_id FROM station")["station_id"])
    outside = sorted(every - set(own) - stations or every - set(own))[0]
    at = app_test("canvasser").run()
    at.switch_page("../pages/carte.py")
    at.query_params["bv"] = outside  # typed in the address bar, as a forged selection
    at.run()
    assert not at.exception
    assert at.session_state["carte_station"] is None  # the forged value is dropped, no station sheet drawn
    assert not at.header or all(outside not in h.value for h in at.header)


def test_forged_values_reaching_the_store_are_refused_and_audited(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        users.add_user(store, "paul", "un-mot-de-passe-solide-42", "canvasser", by="cli", now=T0)
    nord = zones.create_zone(store, "Nord", ["45999_1"], by="cli", now=T0)
    zones.assign_zone(store, nord.zone_id, "paul", by="cli", now=T0)
    paul = users.get_user(store, "paul")
    with pytest.raises(PermissionDenied):  # a station outside paul's zone, as a forged selectbox would send
        contacts.add_contact(store, by=paul, station_id="45999_9", address="1 rue X", full_name="Anne",
                             outcome="absent", consent=False)
    with pytest.raises(PermissionDenied):  # a role that may not export, as a forged button would ask
        contacts.export_contacts_csv(store, by=paul)
    with store.read() as con:
        assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == 0
        refusals = con.execute("SELECT count(*) FROM audit_log WHERE action = 'permission_denied' AND user_name = ?",
                               ["paul"]).fetchone()[0]
    assert refusals == 2


# -- SQL injection through every text field, both backends ----------------------------------------------
def test_sql_injection_through_text_fields_is_stored_verbatim(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "_hash_password", lambda p: bcrypt.hashpw(p.encode(), bcrypt.gensalt(4)).decode())
        users.add_user(store, "dir", "un-mot-de-passe-solide-42", "admin", by="cli", now=T0)
        for number, hostile in enumerate(INJECTIONS):  # display names are free text
            users.add_user(store, f"militant{number}", "un-mot-de-passe-solide-42", "canvasser", by="cli",
                           display_name=hostile, now=T0)
        for hostile in INJECTIONS:  # user names are not: refused with a French message, nothing written
            with pytest.raises(Exception) as refused:  # noqa: PT011 - any French refusal, never SQL
                users.add_user(store, hostile, "un-mot-de-passe-solide-42", "viewer", by="cli", now=T0)
            assert getattr(refused.value, "message_fr", None), refused.value
    dir_user = users.get_user(store, "dir")
    made = []
    for number, hostile in enumerate(INJECTIONS):
        zone = zones.create_zone(store, hostile, [f"45999_{number}"], by=dir_user, now=T0)
        made.append(zone.zone_id)
        store.save_view(hostile, {"election": "pres2022_t1"}, by=dir_user)
        contacts.add_contact(store, by=dir_user, station_id=f"45999_{number}", address=hostile, full_name=hostile,
                             outcome="rencontre", consent=True, email=None, phone=None, now=T0)
    renamed = zones.rename_zone(store, made[0], INJECTIONS[-1] + " bis", by=dir_user, now=T0)
    assert renamed.name == INJECTIONS[-1] + " bis"
    assert sorted(z.name for z in zones.zones_for(store, by=dir_user)) == sorted([INJECTIONS[-1] + " bis", *INJECTIONS[1:]])
    assert sorted(v.name for v in store.views()) == sorted(INJECTIONS)
    people = contacts.contacts(store, by=dir_user)
    assert sorted(people["full_name"]) == sorted(INJECTIONS) and sorted(people["address"]) == sorted(INJECTIONS)
    names = {u.user_name: u.display_name for u in users.list_users(store, by=dir_user)}
    assert [names[f"militant{n}"] for n in range(len(INJECTIONS))] == INJECTIONS
    with store.read() as con:  # every table still there, with its rows
        assert len(table_rows(con, "contact")) == len(INJECTIONS)
        assert len(table_rows(con, "app_user")) == 1 + len(INJECTIONS)
        assert len(table_rows(con, "zone")) == len(INJECTIONS)


def test_no_sql_is_built_from_values() -> None:
    """Every ``execute`` in the stores takes a literal or a name-only f-string; values go as parameters."""
    offenders = []
    for folder in ("dashboard/store", "dashboard/warehouse"):
        for path in (ROOT / folder).glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "execute" and node.args:
                    sql = node.args[0]
                    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod):  # "... %s" % value
                        offenders.append(f"{path.name}:{node.lineno}")
                    if isinstance(sql, ast.Call) and getattr(sql.func, "attr", None) == "format":
                        offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


# -- HTML in names and tooltips -------------------------------------------------------------------------
def test_tooltip_template_escapes_its_label_and_holds_only_placeholders() -> None:
    spec = tooltip('<img src=x onerror="alert(1)">{n}')
    assert "<img" not in spec["html"] and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in spec["html"]
    assert spec["html"].count("{") == 3  # {n}, {i}, {v}: the label's own braces are removed


# -- CSV formula injection in every CSV export ----------------------------------------------------------
def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_french_csv_defuses_formulas() -> None:
    rows = _cells(french_csv(["nom", "valeur"], [[f, 1] for f in FORMULAS]))
    assert len(rows) == 1 + len(FORMULAS)
    for name, _ in rows[1:]:
        assert not name.startswith(FORMULA_START), name


def test_contacts_export_defuses_formulas(new_store: Callable[..., CampaignStore]) -> None:
    store = new_store()
    for number, formula in enumerate(FORMULAS):
        contacts.add_contact(store, by="cli", station_id=f"45999_{number}", address=formula, full_name=formula,
                             outcome="rencontre", consent=False, now=T0)
    rows = _cells(contacts.export_contacts_csv(store, by="cli"))
    header = rows[0]
    for row in rows[1:]:
        for column, value in zip(header, row, strict=True):
            assert not value.startswith(FORMULA_START), (column, value)


def test_every_csv_writer_is_one_of_the_defusing_two() -> None:
    """CSV leaves the app only through ``csv_export.french_csv`` and the contacts' export (both tested above)."""
    writers = []
    for path in [*(ROOT / "dashboard").rglob("*.py"), *(ROOT / "pages").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if "csv.writer(" in text or ".to_csv(" in text or "csv.DictWriter(" in text:
            writers.append(str(path.relative_to(ROOT)))
    assert sorted(writers) == ["dashboard/csv_export.py", "dashboard/store/contacts.py"]


# -- path traversal in download names -------------------------------------------------------------------
def test_download_names_never_carry_a_path() -> None:
    from dashboard.targeting import target_list
    from dashboard.ui import terrain_panel, zones_panel

    hostile = "../../etc/passwd\\..\\x:y"
    names = [
        zones_panel._slug(hostile),
        target_list.file_name(type("T", (), {"election_id": hostile, "target": hostile})()),
        terrain_panel.walklist_file_name(type("Turf", (), {"zone_id": 3, "number": 2, "name": hostile})(), "csv",
                                         date(2026, 3, 1)),
    ]
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name and ":" not in name, name


# -- kill -9 during an import ---------------------------------------------------------------------------
def test_kill_9_during_an_import_leaves_the_warehouse_and_frees_the_lock(real_data_dir: Path, tmp_path: Path,
                                                                        shared_data: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(real_data_dir, data_dir)
    path = warehouse_path(data_dir)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    stations = sorted((shared_data / "brest" / "bv").iterdir())[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "import", "stations", str(stations), "--data-dir", str(data_dir)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:  # until the writer holds its copy
        if any(p.name.startswith(TMP_PREFIX) and TMP_SUFFIX in p.name for p in data_dir.iterdir()):
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    with writer_lock(path, timeout=5):  # the lock died with the process
        assert lock_path(path).exists()
