"""The command line as a user runs it, and documentation that must stay true."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

from dashboard.cli import main
from dashboard.config import SETTINGS_HELP, Settings
from dashboard.ingest import KINDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_quick_start_has_exactly_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["./dev start", "./dev test"]
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


def test_readme_names_every_setting_and_kind() -> None:
    for f in fields(Settings):
        assert f"`{f.name}`" in README and f"`{SETTINGS_HELP[f.name][0]}`" in README
    for kind in KINDS:
        assert f"`{kind}`" in README


def test_readme_names_every_command() -> None:
    import argparse

    from dashboard.cli import COMMANDS, _parser

    for command in COMMANDS:
        assert f"`isoloir {command}" in README, command
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices:
                    assert f"isoloir {name} {child}" in README or f"{child}" in README.split(f"isoloir {name}")[1][:400], (name, child)


def test_schema_doc_names_every_table() -> None:
    from dashboard.warehouse.database import DATA_TABLES

    schema = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    for table in DATA_TABLES:
        assert f"`{table}`" in schema


def test_settings_precedence(tmp_path: Path) -> None:
    env = {"ISOLOIR_DATA_DIR": str(tmp_path / "env"), "ISOLOIR_PORT": "9000"}
    assert Settings.load(env).data_dir == tmp_path / "env"
    assert Settings.load(env, data_dir=tmp_path / "cli", port=None).data_dir == tmp_path / "cli"
    assert Settings.load(env).port == 9000
    assert Settings.load({}).data_dir == Path("data")


def test_cli_import_then_info_json(tmp_path: Path, shared_data: Path, capsys) -> None:
    data_dir = tmp_path / "d"
    code = main(["import", "stations", str(shared_data / "chatenay-malabry/bv/circo_contours_92019.geojson"), "--data-dir", str(data_dir),
                 "--label", "Contours 2022", "--valid-from", "2022-01-01"])
    assert code == 0
    code = main(["import", "results", str(shared_data / "chatenay-malabry/results/legislatives2024_t1_9213.xlsx"), "--data-dir", str(data_dir)])
    out = capsys.readouterr()
    assert code == 0 and "92019_20" in out.out and "[100 %]" in out.err
    assert main(["info", "--json", "--data-dir", str(data_dir)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["station"] == 19
    missing = [r["station_id"] for r in info["unjoined"]["results_without_polygon"] if r["commune_code"] == "92019"]
    assert missing == ["92019_20"]
    assert info["stations"][0]["set_id"] == "contours-2022"
    assert main(["info", "--data-dir", str(data_dir)]) == 0
    text = capsys.readouterr().out
    assert "Législatives 2024 — 1er tour" in text and "92019 : 1 bureau(x) sans contour (92019_20)" in text


def test_cli_info_without_warehouse(tmp_path: Path, capsys) -> None:
    assert main(["info", "--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : entrepôt introuvable") and not (tmp_path / "warehouse.duckdb").exists()


def test_cli_blocs_edit_reclassifies_votes(real_data_dir: Path, tmp_path: Path, capsys) -> None:
    import shutil

    data_dir = tmp_path / "d"
    shutil.copytree(real_data_dir, data_dir)
    assert main(["blocs", "set", "leg2024", "DSV", "droite", "--data-dir", str(data_dir)]) == 0
    assert re.search(r"26 ligne\(s\) de voix reclassée", capsys.readouterr().out)
    from dashboard.warehouse.database import Warehouse, warehouse_path

    with Warehouse(warehouse_path(data_dir), read_only=True) as wh:
        assert set(wh.query("SELECT DISTINCT bloc FROM votes WHERE nuance = 'DSV'")["bloc"]) == {"droite"}
    assert main(["blocs", "set", "leg2024", "DSV", "nimporte", "--data-dir", str(data_dir)]) == 1
    assert "bloc « nimporte » inconnu" in capsys.readouterr().err


def test_console_script_is_installed() -> None:
    result = subprocess.run([sys.executable, "-m", "dashboard.cli", "--help"], capture_output=True, text=True, check=True)
    assert "import" in result.stdout and "demo" in result.stdout
