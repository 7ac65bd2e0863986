"""``isoloir sensitive-check``: one JSON object per line of standard input, exactly ``{"text", "sensitive", "categories"}``."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import cli

ROOT = Path(__file__).resolve().parent.parent


def test_one_object_per_line_in_order(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["Absent, repasser samedi", "Sa femme est hospitalisée", "", "Délégué CGT, vote RN  ", "12 rue de l'Église\r"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli.main(["sensitive-check"]) == 0
    out = capsys.readouterr().out
    assert "hospitalisée" in out and "\\u" not in out  # UTF-8 as written, not escaped
    records = [json.loads(line) for line in out.splitlines()]
    assert [list(r) for r in records] == [["text", "sensitive", "categories"]] * 5
    assert records == [
        {"text": "Absent, repasser samedi", "sensitive": False, "categories": []},
        {"text": "Sa femme est hospitalisée", "sensitive": True, "categories": ["sante"]},
        {"text": "", "sensitive": False, "categories": []},
        {"text": "Délégué CGT, vote RN  ", "sensitive": True, "categories": ["opinion_politique", "syndicat"]},
        {"text": "12 rue de l'Église", "sensitive": False, "categories": []},
    ]


def test_the_installed_command_reads_and_writes_utf8_whatever_the_locale() -> None:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    result = subprocess.run([sys.executable, "-m", "dashboard.cli", "sensitive-check"], cwd=ROOT, env=env,
                            input="Musulmane pratiquante\nIntéressée par le programme culture\n".encode(),
                            capture_output=True, check=True, timeout=120)
    assert result.stdout.decode("utf-8").splitlines() == [
        '{"text": "Musulmane pratiquante", "sensitive": true, "categories": ["religion"]}',
        '{"text": "Intéressée par le programme culture", "sensitive": false, "categories": []}',
    ]
